// One keep-alive agent per cluster (src/cluster/request.ts): client-node builds a new agent
// for every applyToHTTPSOptions call, which used to mean one TLS handshake per GET. Counted
// here on a local HTTPS server: two waves of parallel GETs (as a live pair sends) need at
// most one handshake per concurrent request of the first wave; the second wave reuses them.
// The certificate in tls/ is a self-signed test certificate for 127.0.0.1 (test-only).
import {readFileSync} from 'node:fs'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadClientNode} from '../../src/cluster/client-node.js'
import {KubeRequester} from '../../src/cluster/request.js'
import {defaultRedactor} from '../../src/cluster/redact.js'

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tls')
let server: https.Server
let handshakes = 0
let requests = 0
let url = ''

beforeAll(async () => {
  server = https.createServer({key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem'))}, (req, res) => {
    requests++
    expect(req.headers.authorization).toBe('Bearer t0ken')
    // A little latency so the requests of one wave overlap, as on a real API server.
    setTimeout(() => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({kind: 'List', items: []}))
    }, 20)
  })
  server.on('secureConnection', () => handshakes++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

async function requester(ca: string) {
  const {KubeConfig} = await loadClientNode()
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{name: 'local', server: url, caData: Buffer.from(ca).toString('base64'), skipTLSVerify: false}],
    users: [{name: 'u', token: 't0ken'}],
    contexts: [{name: 'c', cluster: 'local', user: 'u'}],
    currentContext: 'c',
  })
  return new KubeRequester(kc, url, defaultRedactor, 5000)
}

describe('live reads reuse connections (one keep-alive agent per cluster)', () => {
  it('two waves of 8 parallel GETs: at most 8 TLS handshakes for 16 requests, verified against the cluster CA', async () => {
    const k = await requester(readFileSync(path.join(dir, 'cert.pem'), 'utf8'))
    handshakes = 0
    requests = 0
    for (let wave = 0; wave < 2; wave++) {
      const answers = await Promise.all(Array.from({length: 8}, (_, i) => k.json({path: `/api/v1/namespaces/ns-${i}/pods`, describe: 'list pods', on404: 'not-installed'})))
      for (const a of answers) expect(a.ok).toBe(true)
    }
    expect(requests).toBe(16)
    expect(handshakes).toBeGreaterThan(0)
    expect(handshakes).toBeLessThanOrEqual(8)
    // Sequential reads on the same cluster: no new handshake at all.
    const before = handshakes
    for (let i = 0; i < 5; i++) expect((await k.json({path: '/api/v1/namespaces', describe: 'list namespaces', on404: 'not-installed'})).ok).toBe(true)
    expect(handshakes).toBe(before)
  })

  it('an untrusted server certificate still fails (the pooled agent keeps the CA)', async () => {
    const other = readFileSync(path.join(dir, 'other-ca.pem'), 'utf8')
    const k = await requester(other)
    const a = await k.json({path: '/api/v1/namespaces', describe: 'list namespaces', on404: 'not-installed'})
    expect(a.ok).toBe(false)
  })
})
