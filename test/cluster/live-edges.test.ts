// Live-mode edges (issue 10.5): a plain http:// API server (kubectl proxy) is read like any
// other, and a server that sends the headers and then stalls is a timeout, not "malformed".
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {connect, RESOURCES} from '../../src/cluster/index.js'
import {tempDir} from './fixtures.js'

let server: http.Server
let base: string

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/namespaces/commerce/pods')) {
      res.writeHead(200, {'Content-Type': 'application/json'})
      res.end(JSON.stringify({kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{metadata: {name: 'p', namespace: 'commerce'}}]}))
      return
    }
    if (req.url?.startsWith('/api/v1/namespaces/commerce/services')) {
      // Headers and half a body, then nothing.
      res.writeHead(200, {'Content-Type': 'application/json'})
      res.write('{"kind": "ServiceList", "items": [')
      return
    }
    if (req.url?.startsWith('/api/v1/namespaces/commerce/configmaps')) {
      // Half a body, then the connection drops.
      res.writeHead(200, {'Content-Type': 'application/json'})
      res.write('{"kind": "ConfigMapList", "items": [')
      setTimeout(() => res.socket?.destroy(), 20)
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

function proxyKubeconfig(): string {
  const file = path.join(tempDir(), 'config')
  writeFileSync(file, `apiVersion: v1
kind: Config
current-context: proxy
clusters: [{name: proxy, cluster: {server: ${base}}}]
users: [{name: none, user: {}}]
contexts: [{name: proxy, context: {cluster: proxy, user: none, namespace: commerce}}]
`)
  return file
}

const isolated = {env: {}, homeDir: undefined, inClusterPathPrefix: '/nonexistent'}

describe('live-mode edges', () => {
  it('reads through an http:// server (kubectl proxy)', async () => {
    const cluster = await connect({kubeconfig: proxyKubeconfig(), requestTimeoutMs: 2000}, isolated)
    const r = await cluster.list(RESOURCES.pods, 'commerce')
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.items.map((p) => p.metadata.name)).toEqual(['p'])
  })

  it('a server that stalls after the headers is a timeout, not malformed', async () => {
    const cluster = await connect({kubeconfig: proxyKubeconfig(), requestTimeoutMs: 300}, isolated)
    const started = Date.now()
    const r = await cluster.list(RESOURCES.services, 'commerce')
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.status).toBe('timeout')
      expect(r.reason).toMatch(/^timeout: .*within 300 ms/)
    }
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('a connection that drops mid-body is unreachable, not malformed', async () => {
    const cluster = await connect({kubeconfig: proxyKubeconfig(), requestTimeoutMs: 2000}, isolated)
    const r = await cluster.list(RESOURCES.configMaps, 'commerce')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(/^unreachable: list configmaps in namespace commerce: /)
  })
})
