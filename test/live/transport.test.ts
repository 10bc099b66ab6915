// A whole live pair (the built CLI, evidence on) against the fake API server served over
// HTTPS, the way a real API server is reached: the CA comes from the kubeconfig's
// certificate-authority-data, no insecure flag. Counts TLS handshakes on the server.
// - A server that offers HTTP/2 (as kube-apiserver does, ALPN h2): one TLS connection for
//   the whole pair, every request a stream on it (src/cluster/h2.ts).
// - An HTTP/1.1-only server: with one keep-alive agent per cluster a connection is opened
//   only when every open one is busy, and the later waves (CRD reads, logs) reuse the
//   connections of the earlier ones. A new agent per request (what client-node does by
//   itself) made one handshake per request. Hubble is read through the
// built worker thread (src/layers/cilium/hubble/relay-read.ts): its flows reach the verdict.
// The certificate in ../cluster/tls/ is a self-signed test certificate for 127.0.0.1.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import http2 from 'node:http2'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TOKEN} from '../cluster/fixtures.js'
import {cliAsync} from '../helpers/cli.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {evidencePods, logKey, ztunnelAllowed} from './evidence-fixtures.js'
import {FakeCluster, IP_A, IP_B, NODE_B, NS, POD_A, POD_B, seedDocs} from './fake-cluster.js'
import {startFlowServer, type FlowServer} from './triage-fixtures.js'

const tls = path.join(PROJECT_ROOT, 'test', 'cluster', 'tls')
const cert = readFileSync(path.join(tls, 'cert.pem'))

let server: https.Server
let url = ''
let h2server: http2.Http2SecureServer
let h2url = ''
let h2handshakes = 0
let h2requests = 0
const h2versions = new Set<string>()
let handshakes = 0
let requests = 0
/** Requests served per connection, and whether the log read came on a connection used before. */
const perSocket = new Map<unknown, number>()
let logOnReusedSocket: boolean | undefined
let hubble: FlowServer

beforeAll(async () => {
  const cluster = await FakeCluster.create({docs: seedDocs(), extra: evidencePods(), logs: {[logKey.ztunnel(NODE_B)]: ztunnelAllowed(30)}})
  server = https.createServer({key: readFileSync(path.join(tls, 'key.pem')), cert}, (req, res) => {
    requests++
    const served = perSocket.get(req.socket) ?? 0
    perSocket.set(req.socket, served + 1)
    if (req.url?.includes('/log?')) logOnReusedSocket = (logOnReusedSocket ?? true) && served > 0
    // A few ms per answer, so the requests of one wave overlap as on a real API server.
    setTimeout(() => {
      const r = cluster.handle(req.method ?? 'GET', req.url ?? '/')
      res.writeHead(r.status, {'Content-Type': r.contentType})
      res.end(r.body)
    }, 5)
  })
  server.on('secureConnection', () => handshakes++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  h2server = http2.createSecureServer({key: readFileSync(path.join(tls, 'key.pem')), cert, allowHTTP1: true}, (req, res) => {
    h2requests++
    h2versions.add(req.httpVersion)
    setTimeout(() => {
      const r = cluster.handle(req.method ?? 'GET', req.url ?? '/')
      res.writeHead(r.status, {'Content-Type': r.contentType})
      res.end(r.body)
    }, 5)
  })
  h2server.on('secureConnection', () => h2handshakes++)
  await new Promise<void>((resolve) => h2server.listen(0, '127.0.0.1', resolve))
  h2url = `https://127.0.0.1:${(h2server.address() as AddressInfo).port}`
  const A = {namespace: NS, pod: POD_A, app: 'checkout', ip: IP_A}
  const B = {namespace: NS, pod: POD_B, app: 'payments', ip: IP_B}
  hubble = await startFlowServer([{src: A, dst: B, dport: 15008, verdict: 'DROPPED', secondsAgo: 30}])
})

afterAll(async () => {
  hubble?.stop()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await new Promise<void>((resolve) => h2server.close(() => resolve()))
})

function kubeconfig(server = url): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'platform-tls-')), 'config')
  writeFileSync(file, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'live',
    clusters: [{name: 'live', cluster: {server, 'certificate-authority-data': cert.toString('base64')}}],
    users: [{name: 'live-user', user: {token: TOKEN}}],
    contexts: [{name: 'live', context: {cluster: 'live', user: 'live-user', namespace: NS}}],
  }))
  return file
}

const pair = (server: string, relay = hubble.address, timeout = '5s') => cliAsync(['debug', 'connectivity', 'commerce/checkout', 'commerce/payments', '--kubeconfig', kubeconfig(server), '--hubble-server', relay, '-o', 'json', '--request-timeout', timeout])

describe('a live pair over HTTPS (built CLI)', () => {
  it('HTTP/2 server: the whole pair on one TLS connection', async () => {
    const r = await pair(h2url)
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout).result.status).toBe('BLOCKED')
    expect(h2requests).toBeGreaterThanOrEqual(30)
    expect([...h2versions]).toEqual(['2.0'])
    expect(h2handshakes).toBe(1)
  })

  it('HTTP/1.1-only server: fewer TLS handshakes than requests, the log read on a connection of an earlier wave', async () => {
    const r = await pair(url)
    expect(r.stderr).toBe('')
    const report = JSON.parse(r.stdout)
    // Every wave happened: discovery and core reads, CRD reads, the ztunnel log.
    expect(requests).toBeGreaterThanOrEqual(30)
    expect(handshakes).toBeGreaterThan(0)
    expect(handshakes).toBe(perSocket.size)
    expect(handshakes).toBeLessThan(requests)
    expect(logOnReusedSocket).toBe(true)
    // The Hubble drop of A → B on the wire port came back from the worker thread: the
    // datapath overrides the policies that allow the pair (§10.14).
    const hubbleState = report.evidenceSources.find((s: {source: string}) => s.source === 'hubble')
    expect(hubbleState).toMatchObject({state: 'read', recordsRead: 1, recordsMatched: 1})
    expect(report.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(report.evidenceSources.find((s: {source: string}) => s.source === 'ztunnel')).toMatchObject({state: 'read'})
  })

  it('a Relay that does not answer: Hubble unavailable with the reason from the worker, the verdict from the policies', async () => {
    const r = await pair(h2url, '127.0.0.1:1', '1s')
    const report = JSON.parse(r.stdout)
    const hubbleState = report.evidenceSources.find((s: {source: string}) => s.source === 'hubble')
    expect(hubbleState.state).toBe('unavailable')
    expect(hubbleState.reason).toMatch(/127\.0\.0\.1:1/)
    expect(report.result.status).toBe('ALLOWED')
    expect(report.warnings).toContainEqual(expect.stringMatching(/^hubble evidence unavailable: /))
  })
})
