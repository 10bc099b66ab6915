import {describe, expect, it} from 'vitest'
import {defaultCompileOptions, type Profile} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import type {ConnectivityQuery, PortRef, Waypoint, Workload} from '../../src/core/query.js'
import {BROAD_HBONE_WARNING, ciliumBaseline, compileCilium, l4Layer} from '../../src/layers/cilium/index.js'
import type {ServiceGraph} from '../../src/graph/model.js'
import {graph, node} from '../helpers/graph.js'
import {commerceGraph} from './fixtures.js'

const http: PortRef = {name: 'http', servicePort: 8080, targetPort: 8080, protocol: 'TCP'}

function workload(ns: string, name: string, ambient = true, ports: PortRef[] = [http]): Workload {
  return {namespace: ns, name, kind: 'LatticeService', serviceAccount: name, podLabels: {'app.kubernetes.io/name': name}, ambient, ports}
}

function query(extra: Partial<ConnectivityQuery> = {}): ConnectivityQuery {
  return {source: workload('commerce', 'checkout'), target: workload('commerce', 'payments'), port: http, trustDomain: 'cluster.local', ...extra}
}

function policies(g: ServiceGraph, profile: Profile = 'seed'): KubeObject[] {
  const opts = defaultCompileOptions({profile})
  return [...ciliumBaseline(opts), ...compileCilium(g, opts)]
}

const oneSided = () => graph([node({ns: 'commerce', name: 'checkout'}), node({ns: 'commerce', name: 'payments'})], [])

describe('l4Layer wording (§9.3)', () => {
  it('PASS names the egress and ingress rules, logical and wire port, with rule evidence', () => {
    const r = l4Layer(query(), policies(commerceGraph()))
    expect(r.layer).toBe('l4')
    expect(r.status).toBe('PASS')
    expect(r.summary).toBe('CiliumNetworkPolicy cnp-mesh-e79249a6 allows egress to payments:8080 (wire: HBONE 15008); cnp-mesh-3d68c7ca allows ingress from checkout')
    expect(r.evidence).toEqual([
      {kind: 'CiliumNetworkPolicy', namespace: 'commerce', name: 'cnp-mesh-e79249a6', detail: 'egress rule #1', source: 'policy'},
      {kind: 'CiliumNetworkPolicy', namespace: 'commerce', name: 'cnp-mesh-3d68c7ca', detail: 'ingress rule #0', source: 'policy'},
    ])
    expect(r.warnings).toEqual([])
  })

  it('DENY without an egress rule names the policy that put egress into default-deny', () => {
    const r = l4Layer(query(), policies(oneSided()))
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('no egress rule on checkout for payments:8080 (wire: HBONE 15008); egress default-deny from CiliumClusterwideNetworkPolicy default-deny')
    expect(r.reasons[0]).toBe('no ingress rule on payments from checkout for payments:8080 (wire: HBONE 15008); ingress default-deny from CiliumClusterwideNetworkPolicy default-deny')
    expect(r.evidence).toContainEqual({kind: 'CiliumClusterwideNetworkPolicy', name: 'default-deny', detail: 'egress default-deny', source: 'policy'})
  })

  it('DENY on the callee side when only the caller has its rule', () => {
    const callerSide = compileCilium(commerceGraph(), defaultCompileOptions()).filter((o) => o.metadata.name === 'cnp-mesh-e79249a6')
    const calleeSide = compileCilium(oneSided(), defaultCompileOptions()).filter((o) => o.metadata.name === 'cnp-mesh-3d68c7ca')
    const r = l4Layer(query(), [...ciliumBaseline(defaultCompileOptions()), ...callerSide, ...calleeSide])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('no ingress rule on payments from checkout for payments:8080 (wire: HBONE 15008); ingress default-deny from CiliumClusterwideNetworkPolicy default-deny')
  })

  it('an explicit deny rule is named with its index', () => {
    const deny: KubeObject = {apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name: 'deny-external-egress', namespace: 'commerce'}, spec: {endpointSelector: {}, egressDeny: [{toEntities: ['cluster']}]}}
    const r = l4Layer(query(), [...policies(commerceGraph()), deny])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('egressDeny rule #0 of CiliumNetworkPolicy commerce/deny-external-egress drops checkout → payments:8080 (wire: HBONE 15008)')
    expect(r.evidence).toContainEqual({kind: 'CiliumNetworkPolicy', namespace: 'commerce', name: 'deny-external-egress', detail: 'egressDeny rule #0', source: 'policy'})
  })

  it('DENY when a policy opens only the application port of an ambient pair', () => {
    const appPort = (name: string, spec: Record<string, unknown>): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name, namespace: 'commerce'}, spec})
    const p = [
      ...ciliumBaseline(defaultCompileOptions()),
      appPort('checkout-egress', {endpointSelector: {matchLabels: {'k8s:app.kubernetes.io/name': 'checkout'}}, egress: [{toEndpoints: [{matchLabels: {'k8s:app.kubernetes.io/name': 'payments'}}], toPorts: [{ports: [{port: '8080', protocol: 'TCP'}]}]}]}),
    ]
    const r = l4Layer(query(), p)
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe(
      'egress rule #0 of CiliumNetworkPolicy commerce/checkout-egress opens only the application port 8080/TCP for egress of checkout, not HBONE 15008: ambient traffic is carried on 15008, so this policy silently breaks ambient',
    )
  })

  it('upstream profile: one-sided declaration passes L4 as WARN (ingress not in default-deny) with the identity warning', () => {
    const r = l4Layer(query(), policies(oneSided(), 'upstream'))
    expect(r.status).toBe('WARN')
    expect(r.summary).toBe('CiliumNetworkPolicy cnp-mesh-e79249a6 allows egress to payments:8080 (wire: HBONE 15008); ingress of payments is not in default-deny (any source accepted)')
    expect(r.warnings).toEqual([BROAD_HBONE_WARNING])
  })

  it('upstream profile with callers: PASS through broad HBONE rules, with the identity warning', () => {
    const r = l4Layer(query(), policies(commerceGraph(), 'upstream'))
    expect(r.status).toBe('PASS')
    expect(r.warnings).toEqual([BROAD_HBONE_WARNING])
    expect(r.evidence.map((e) => e.detail)).toEqual(['egress rule #1 (broad)', 'ingress rule #0 (broad)'])
  })

  it('non-ambient pair: the wire is the target port, no HBONE', () => {
    const db = node({ns: 'commerce', name: 'payments', ambient: false, ports: [{name: 'pg', port: 5432, peerAuth: 'Strict'}]})
    const g = graph([node({ns: 'commerce', name: 'checkout', ambient: false}), db], [['commerce/checkout', 'commerce/payments']])
    const pg: PortRef = {name: 'pg', servicePort: 5432, targetPort: 5432, protocol: 'TCP'}
    const q = query({source: workload('commerce', 'checkout', false), target: workload('commerce', 'payments', false, [pg]), port: pg})
    const r = l4Layer(q, policies(g))
    expect(r.summary).toBe('CiliumNetworkPolicy cnp-mesh-e79249a6 allows egress to payments:5432; cnp-mesh-3d68c7ca allows ingress from checkout')
    // A HBONE-only rule does not admit the plaintext port.
    const hboneOnly = policies(graph([node({ns: 'commerce', name: 'checkout', ambient: false}), node({ns: 'commerce', name: 'payments'})], [['commerce/checkout', 'commerce/payments']]))
    expect(l4Layer(q, hboneOnly).status).toBe('DENY')
  })

  it('cross-namespace names are ns/name', () => {
    const g = graph([node({ns: 'frontend', name: 'web'}), node({ns: 'backend', name: 'api'})], [['frontend/web', 'backend/api']])
    const q = query({source: workload('frontend', 'web'), target: workload('backend', 'api')})
    expect(l4Layer(q, policies(g)).summary).toMatch(/allows egress to backend\/api:8080 .*allows ingress from frontend\/web$/)
  })

  it('no ports → DENY "<B> exposes no ports"', () => {
    const r = l4Layer(query({target: workload('commerce', 'payments', true, []), port: undefined}), policies(commerceGraph()))
    expect(r).toMatchObject({status: 'DENY', summary: 'payments exposes no ports'})
  })

  it('a target outside default-deny (exempt namespace) is WARN, not PASS', () => {
    const g = graph([node({ns: 'commerce', name: 'checkout'}), node({ns: 'kube-system', name: 'metrics'})], [['commerce/checkout', 'kube-system/metrics']])
    const q = query({target: workload('kube-system', 'metrics')})
    const r = l4Layer(q, policies(g, 'seed').filter((o) => o.metadata.namespace !== 'kube-system'))
    expect(r.status).toBe('WARN')
    expect(r.summary).toContain('ingress of kube-system/metrics is not in default-deny')
  })

  it('enforcement mode always denies with no policy at all; never is WARN', () => {
    expect(l4Layer(query(), [], {enforcementMode: 'always'}).summary).toBe('no egress rule on checkout for payments:8080 (wire: HBONE 15008); egress default-deny from enforcement mode always')
    expect(l4Layer(query(), policies(oneSided()), {enforcementMode: 'never'}).status).toBe('WARN')
  })
})

describe('waypoint in the path: two hops (§10.2)', () => {
  const waypoint: Waypoint = {namespace: 'commerce', name: 'commerce-waypoint', podLabels: {'gateway.networking.k8s.io/gateway-name': 'commerce-waypoint'}, serviceAccount: 'commerce-waypoint'}
  const enforced = () => graph([node({ns: 'commerce', name: 'checkout'}), node({ns: 'commerce', name: 'payments'})], [{from: 'commerce/checkout', to: 'commerce/payments', l7: {methods: ['POST']}}])

  it('PASS names both hops', () => {
    const r = l4Layer(query({waypoint}), policies(enforced()))
    expect(r.status).toBe('PASS')
    expect(r.summary).toBe(
      'checkout → commerce-waypoint: CiliumNetworkPolicy cnp-mesh-e79249a6 allows egress to commerce-waypoint:15008 (HBONE); CiliumClusterwideNetworkPolicy mesh-proxy-ingress allows ingress from checkout; ' +
        'commerce-waypoint → payments: mesh-proxy-egress allows egress to payments:8080 (wire: HBONE 15008); CiliumNetworkPolicy cnp-mesh-3d68c7ca allows ingress from commerce-waypoint',
    )
    expect(r.evidence.map((e) => `${e.name} ${e.detail}`)).toEqual([
      'cnp-mesh-e79249a6 egress rule #2',
      'mesh-proxy-ingress ingress rule #0 (broad)',
      'mesh-proxy-egress egress rule #2 (broad)',
      'cnp-mesh-3d68c7ca ingress rule #1',
    ])
  })

  it('either hop failing blocks, and the line says which hop', () => {
    // The callee's CNP compiled without waypoint enforcement has no waypoint → pod rule.
    const p = policies(enforced()).filter((o) => o.metadata.name !== 'cnp-mesh-3d68c7ca')
    const plain = compileCilium(graph([node({ns: 'commerce', name: 'checkout'}), node({ns: 'commerce', name: 'payments'})], [['commerce/checkout', 'commerce/payments']]), defaultCompileOptions())
    const r = l4Layer(query({waypoint}), [...p, ...plain.filter((o) => o.metadata.name === 'cnp-mesh-3d68c7ca')])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('commerce-waypoint → payments: no ingress rule on payments from commerce-waypoint for payments:8080 (wire: HBONE 15008); ingress default-deny from CiliumClusterwideNetworkPolicy default-deny')
    // Without the waypoint rule on the caller, the first hop fails instead.
    const noHop1 = l4Layer(query({waypoint}), policies(commerceGraph()))
    expect(noHop1.summary).toMatch(/^checkout → commerce-waypoint: no egress rule on checkout for commerce-waypoint:15008 \(HBONE\)/)
  })
})
