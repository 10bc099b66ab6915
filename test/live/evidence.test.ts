// L7 evidence from ztunnel logs (istio-system, app=ztunnel, the pods on the pair's nodes,
// container istio-proxy), in ztunnel's IstioFormat: RBAC denials for a pair the policies allow
// contradict the evaluation and the datapath wins; completed connections only confirm it.
import {describe, expect, it} from 'vitest'
import type {RequestRecord} from '../../src/cluster/index.js'
import {evidencePods, logKey, ztunnelAllowed, ztunnelDenials, ztunnelPod} from './evidence-fixtures.js'
import {FakeCluster, NODE_A, NODE_B, seedDocs, serveWithNock} from './fake-cluster.js'
import {layer, run, useNock} from './run.js'

useNock()

describe('live L7 evidence from ztunnel logs', () => {
  it('RBAC denials for checkout → payments while the policies allow it: L7 DENY, "the datapath is the truth"', async () => {
    serveWithNock(await FakeCluster.create({
      docs: seedDocs(), extra: evidencePods(),
      // A's node saw an older completed connection; B's node rejected the latest one.
      logs: {[logKey.ztunnel(NODE_A)]: ztunnelAllowed(300), [logKey.ztunnel(NODE_B)]: ztunnelDenials(60)},
    }))
    const d = await run({evidence: true})
    const l7 = layer(d, 'l7')
    expect(l7.status).toBe('DENY')
    // One rejected connection, although ztunnel logged it twice (decision line + access log).
    expect(l7.summary).toBe('mesh denies the traffic; AuthorizationPolicy allow-to-3d68c7ca allows spiffe://cluster.local/ns/commerce/sa/checkout on port 8080; mesh logs: 1 RBAC denial (no allow policies matched)')
    expect(l7.evidence).toContainEqual(expect.objectContaining({kind: 'ZtunnelLog', source: 'ztunnel', detail: 'no allow policies matched'}))
    expect(d.warnings).toContain('ztunnel/waypoint logs show 1 authorization denial for this pair although the policies allow it: the datapath is the truth')
    expect(l7.warnings).toHaveLength(1)
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l7'})
    // Everything else still evaluated on the policies.
    expect(layer(d, 'l4').status).toBe('PASS')
  })

  it('completed connections only: L7 PASS with no warning', async () => {
    serveWithNock(await FakeCluster.create({
      docs: seedDocs(), extra: evidencePods(),
      logs: {[logKey.ztunnel(NODE_A)]: ztunnelAllowed(), [logKey.ztunnel(NODE_B)]: ''},
    }))
    const d = await run({evidence: true})
    expect(layer(d, 'l7').status).toBe('PASS')
    expect(layer(d, 'l7').summary).toBe('AuthorizationPolicy allow-to-3d68c7ca allows spiffe://cluster.local/ns/commerce/sa/checkout on port 8080')
    expect(layer(d, 'l7').warnings).toEqual([])
    // No Hubble Relay in this cluster: asked for, not read, so a warning (§10.14) — the only one.
    expect(d.warnings).toEqual(['hubble evidence unavailable: port-forward to kube-system/hubble-relay: not found: get services hubble-relay in namespace kube-system'])
    expect(d.evidenceSources?.map((s) => `${s.source}:${s.state}`)).toEqual(['hubble:unavailable', 'ztunnel:read', 'waypoint:not-asked', 'tetragon:read'])
    expect(d.result.status).toBe('ALLOWED')
  })

  it('reads only the ztunnels on the pair\'s nodes', async () => {
    const records: RequestRecord[] = []
    serveWithNock(await FakeCluster.create({
      docs: seedDocs(), extra: [...evidencePods(), ztunnelPod('worker-c')],
      logs: {[logKey.ztunnel('worker-c')]: ztunnelDenials(10)},
    }))
    const d = await run({evidence: true, records})
    const logs = records.filter((r) => r.path.includes('/pods/ztunnel-')).map((r) => r.path)
    expect(logs.sort()).toEqual(['/api/v1/namespaces/istio-system/pods/ztunnel-worker-a/log', '/api/v1/namespaces/istio-system/pods/ztunnel-worker-b/log'])
    expect(layer(d, 'l7').status).toBe('PASS')
  })
})
