import {createInterface} from 'node:readline'
import type {Readable} from 'node:stream'
import nock from 'nock'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {ClusterReadError, type RequestRecord} from '../../src/cluster/index.js'
import {SERVER, status, testCluster} from './fixtures.js'

beforeEach(() => nock.disableNetConnect())
afterEach(() => {
  nock.cleanAll()
  nock.enableNetConnect()
})

async function lines(stream: Readable): Promise<string[]> {
  const out: string[] = []
  for await (const line of createInterface({input: stream, crlfDelay: Infinity})) out.push(line)
  return out
}

async function failureOf(stream: Readable): Promise<ClusterReadError> {
  try {
    await lines(stream)
  } catch (error) {
    expect(error).toBeInstanceOf(ClusterReadError)
    return error as ClusterReadError
  }
  throw new Error('expected the log stream to fail')
}

const ZTUNNEL = [
  '2025-05-01T10:00:01.000000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.1.17:41234 src.workload="checkout-7c9f8d6b5-abcde" src.namespace="shop" dst.addr=10.244.2.9:15008',
  '2025-05-01T10:00:02.000000Z\terror\taccess\tconnection complete\tsrc.addr=10.244.1.17:41236 error="connection closed due to policy rejection: explicitly denied by: istio-system/mesh-default-deny"',
]

describe('podLogs', () => {
  it('streams GET .../log with container, sinceSeconds and limitBytes on the server side', async () => {
    const records: RequestRecord[] = []
    nock(SERVER).get('/api/v1/namespaces/istio-system/pods/ztunnel-x7k2p/log')
      .query({container: 'istio-proxy', sinceSeconds: '900', limitBytes: '1048576'})
      .reply(200, `${ZTUNNEL.join('\n')}\n`, {'Content-Type': 'text/plain'})
    const cluster = await testCluster({records})
    const stream = cluster.podLogs('istio-system', 'ztunnel-x7k2p', {container: 'istio-proxy', sinceSeconds: 900, limitBytes: 1048576})
    expect(await lines(stream)).toEqual(ZTUNNEL)
    expect(records).toEqual([{method: 'GET', path: '/api/v1/namespaces/istio-system/pods/ztunnel-x7k2p/log', query: {container: 'istio-proxy', sinceSeconds: '900', limitBytes: '1048576'}}])
  })

  it('errors with a classified ClusterReadError: not-found, forbidden', async () => {
    nock(SERVER)
      .get('/api/v1/namespaces/kube-system/pods/tetragon-abc/log').query(true).reply(404, status(404, 'NotFound', 'pods "tetragon-abc" not found'))
      .get('/api/v1/namespaces/commerce/pods/commerce-waypoint-1/log').query(true).reply(403, status(403, 'Forbidden', 'forbidden'))
    const cluster = await testCluster()
    const missing = await failureOf(cluster.podLogs('kube-system', 'tetragon-abc', {container: 'export-stdout'}))
    expect(missing.status).toBe('not-found')
    expect(missing.message).toBe('not found: get pods/log tetragon-abc (container export-stdout) in namespace kube-system')
    const denied = await failureOf(cluster.podLogs('commerce', 'commerce-waypoint-1', {container: 'istio-proxy'}))
    expect(denied.status).toBe('forbidden')
  })

  it('times out a log whose body stalls, after the lines that did arrive', async () => {
    nock(SERVER).get('/api/v1/namespaces/istio-system/pods/ztunnel-slow/log').query(true)
      .delayBody(3000).reply(200, 'late line\n')
    const cluster = await testCluster({requestTimeoutMs: 200})
    const started = Date.now()
    const error = await failureOf(cluster.podLogs('istio-system', 'ztunnel-slow', {container: 'istio-proxy'}))
    expect(error.status).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(2000)
  })
})
