// HTTP/2 to an API server that offers it (src/cluster/h2.ts): chosen by ALPN, one TLS
// connection for every request, and the same results as over HTTP/1.1 for answers, errors,
// timeouts, streamed logs and an untrusted certificate. node:http2's compatibility server
// stands in for kube-apiserver (Go's net/http serves h2 and http/1.1 the same way).
// The certificate in tls/ is a self-signed test certificate for 127.0.0.1 (test-only).
import {readFileSync} from 'node:fs'
import http2 from 'node:http2'
import net, {type AddressInfo} from 'node:net'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadClientNode} from '../../src/cluster/client-node.js'
import {streamPodLogs} from '../../src/cluster/pod-logs.js'
import {KubeRequester} from '../../src/cluster/request.js'
import {defaultRedactor} from '../../src/cluster/redact.js'

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tls')
let server: http2.Http2SecureServer
let handshakes = 0
const versions = new Set<string>()
let url = ''
const sessions = new Set<http2.ServerHttp2Session>()
const LOG = Array.from({length: 20_000}, (_, i) => `line ${i} ${'x'.repeat(60)}`).join('\n') + '\n'

beforeAll(async () => {
  server = http2.createSecureServer({key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')), allowHTTP1: true}, (req, res) => {
    versions.add(req.httpVersion)
    expect(req.headers.authorization).toBe('Bearer t0ken')
    const p = req.url ?? ''
    if (p.startsWith('/slow')) return // never answers: the client's timeout ends it
    setTimeout(() => {
      if (p.startsWith('/forbidden')) {
        res.writeHead(403, {'content-type': 'application/json'})
        return res.end(JSON.stringify({kind: 'Status', code: 403, message: 'no'}))
      }
      if (p.endsWith('/log?container=c')) {
        res.writeHead(200, {'content-type': 'text/plain'})
        return res.end(LOG)
      }
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify({kind: 'List', items: [], path: p}))
    }, 10)
  })
  server.on('secureConnection', () => handshakes++)
  server.on('session', (s) => sessions.add(s))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => {
  for (const s of sessions) s.destroy()
  server.close(() => resolve())
}))

async function requester(caFile = 'cert.pem', timeoutMs = 5000, server = url) {
  const {KubeConfig} = await loadClientNode()
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{name: 'local', server, caData: readFileSync(path.join(dir, caFile)).toString('base64'), skipTLSVerify: false}],
    users: [{name: 'u', token: 't0ken'}],
    contexts: [{name: 'c', cluster: 'local', user: 'u'}],
    currentContext: 'c',
  })
  return new KubeRequester(kc, server, defaultRedactor, timeoutMs)
}

describe('HTTP/2 when the API server offers it', () => {
  it('two waves of 8 parallel GETs and a streamed log: one TLS connection, HTTP/2 only', async () => {
    const k = await requester()
    handshakes = 0
    versions.clear()
    for (let wave = 0; wave < 2; wave++) {
      const answers = await Promise.all(Array.from({length: 8}, (_, i) => k.json({path: `/api/v1/namespaces/ns-${i}/pods`, query: {labelSelector: 'a=b'}, describe: 'list pods', on404: 'not-installed'})))
      answers.forEach((a, i) => expect(a.ok && JSON.parse(a.body).path).toBe(`/api/v1/namespaces/ns-${i}/pods?labelSelector=a%3Db`))
    }
    let text = ''
    for await (const chunk of streamPodLogs(k, 'istio-system', 'ztunnel-a', {container: 'c'})) text += chunk
    expect(text).toBe(LOG)
    expect(handshakes).toBe(1)
    expect([...versions]).toEqual(['2.0'])
  })

  it('errors read as over HTTP/1.1: 403 is forbidden, no answer is a timeout', async () => {
    const k = await requester('cert.pem', 300)
    expect(await k.json({path: '/forbidden', describe: 'list things', on404: 'not-found'})).toMatchObject({ok: false, status: 'forbidden', reason: 'forbidden: cannot list things'})
    expect(await k.json({path: '/slow', describe: 'list things', on404: 'not-found'})).toMatchObject({ok: false, status: 'timeout', reason: 'timeout: list things: no answer within 300 ms'})
  })

  it('a server that never finishes the TLS handshake costs one request timeout, not two (ALPN probe, then HTTP/1.1)', async () => {
    const silent = net.createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const k = await requester('cert.pem', 300, `https://127.0.0.1:${(silent.address() as AddressInfo).port}`)
      const t0 = performance.now()
      expect(await k.json({path: '/api', describe: 'get api', on404: 'not-found'})).toMatchObject({ok: false, status: 'timeout'})
      expect(performance.now() - t0).toBeLessThan(550)
    } finally {
      silent.close()
    }
  })

  it('an untrusted server certificate still fails', async () => {
    const k = await requester('other-ca.pem')
    const a = await k.json({path: '/api/v1/namespaces', describe: 'list namespaces', on404: 'not-installed'})
    expect(a).toMatchObject({ok: false, status: 'unreachable'})
    expect(!a.ok && a.reason).toMatch(/TLS verification failed/)
  })
})
