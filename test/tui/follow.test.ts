// The log followers of watch mode: pod logs asked with follow=true and sinceTime (the
// watch's start), on the pair's nodes only; denials for the pair become records.
import {PassThrough, Readable} from 'node:stream'
import {describe, expect, it} from 'vitest'
import type {PodLogOptions} from '../../src/cluster/pod-logs.js'
import type {LivePair} from '../../src/diagnose/live.js'
import {followMeshLogs, followTetragon} from '../../src/diagnose/watch-live.js'
import type {WatchRecord} from '../../src/diagnose/watch.js'
import {IP_A, IP_B, NODE_A, NODE_B, pod, POD_A, POD_B} from '../live/fake-cluster.js'
import {tetragonKill, tetragonPod, ztunnelDenials, ztunnelPod} from '../live/evidence-fixtures.js'

function pairWith(logs: Record<string, string>, asked: Array<{pod: string; opts: PodLogOptions}>): LivePair {
  const cluster = {
    pods: async (ns: string) => ({ok: true, items: ns === 'istio-system' ? [ztunnelPod(NODE_A), ztunnelPod(NODE_B), ztunnelPod('worker-c')] : [tetragonPod(NODE_A), tetragonPod(NODE_B)]}),
    podLogs: (_ns: string, name: string, opts: PodLogOptions): Readable => {
      asked.push({pod: name, opts})
      const s = new PassThrough()
      s.end(logs[name] ?? '')
      return s
    },
  }
  return {
    cluster: cluster as never, source: 'commerce/checkout', target: 'commerce/payments', namespaces: ['commerce'],
    podsA: [pod(POD_A, 'checkout', {ip: IP_A, node: NODE_A})], podsB: [pod(POD_B, 'payments', {ip: IP_B, node: NODE_B})],
    srcIdentity: 'spiffe://cluster.local/ns/commerce/sa/checkout', dstIdentity: 'spiffe://cluster.local/ns/commerce/sa/payments',
  }
}

describe('watch followers over pod logs', () => {
  it('ztunnel: follow=true with sinceTime, only the pair\'s nodes, denials become records', async () => {
    const asked: Array<{pod: string; opts: PodLogOptions}> = []
    const records: WatchRecord[] = []
    const since = new Date('2026-12-04T10:00:00Z')
    await followMeshLogs(pairWith({[`ztunnel-${NODE_B}`]: ztunnelDenials(1)}, asked), since, {record: (r) => records.push(r), failed: () => {}}, new AbortController().signal)
    expect(asked.map((a) => a.pod).sort()).toEqual([`ztunnel-${NODE_A}`, `ztunnel-${NODE_B}`])
    for (const a of asked) expect(a.opts).toMatchObject({container: 'istio-proxy', follow: true, sinceTime: '2026-12-04T10:00:00.000Z'})
    expect(records.length).toBeGreaterThanOrEqual(1)
    expect(records.every((r) => r.source === 'ztunnel' && r.verdict === 'denied')).toBe(true)
  })

  it('Tetragon (export-stdout): SIGKILLs in the pair\'s pods', async () => {
    const asked: Array<{pod: string; opts: PodLogOptions}> = []
    const records: WatchRecord[] = []
    await followTetragon(pairWith({[`tetragon-${NODE_A}`]: tetragonKill('/usr/bin/wget')}, asked), {timeoutMs: 1000}, {a: new Set([POD_A]), b: new Set([POD_B])}, new Date(), {record: (r) => records.push(r), failed: () => {}}, new AbortController().signal)
    expect(asked.every((a) => a.opts.follow === true && a.opts.container === 'export-stdout')).toBe(true)
    expect(records).toEqual([expect.objectContaining({source: 'tetragon', verdict: 'SIGKILL', direction: 'A→B'})])
    expect(records[0].summary).toContain('/usr/bin/wget')
  })
})

describe('pod logs in follow mode (src/cluster/pod-logs.ts)', () => {
  it('sends follow=true and sinceTime on the GET', async () => {
    const nock = (await import('nock')).default
    const {connect} = await import('../../src/cluster/index.js')
    const {FakeCluster, serveWithNock, kubeconfigFor, SERVER, seedDocs} = await import('../live/fake-cluster.js')
    nock.disableNetConnect()
    try {
      serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: [ztunnelPod(NODE_B)], logs: {[`istio-system/ztunnel-${NODE_B}/istio-proxy`]: ztunnelDenials(1)}}))
      const sent: Array<{path: string; query: Record<string, string>}> = []
      const cluster = await connect({kubeconfig: kubeconfigFor(SERVER), recorder: (r) => sent.push(r)})
      const chunks: string[] = []
      for await (const c of cluster.podLogs('istio-system', `ztunnel-${NODE_B}`, {container: 'istio-proxy', follow: true, sinceTime: '2026-12-04T10:00:00Z'})) chunks.push(String(c))
      expect(chunks.join('')).toContain('policy rejection')
      const log = sent.find((r) => r.path.endsWith('/log'))!
      expect(log.query).toMatchObject({container: 'istio-proxy', follow: 'true', sinceTime: '2026-12-04T10:00:00Z'})
    } finally {
      nock.cleanAll()
      nock.enableNetConnect()
    }
  })
})
