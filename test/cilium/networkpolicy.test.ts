// Kubernetes NetworkPolicy at L4, judged as Cilium judges it: translated into Cilium rules
// (pkg/k8s/network_policy.go ParseNetworkPolicy) and merged with CNPs/CCNPs in one
// repository. Scenarios follow pkg/k8s/network_policy_test.go (named per test) and the
// cilium-cli `*-knp` connectivity tests.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {evaluateDirection, evaluateL4, type L4Flow, type L4Peer, type PodPeer} from '../../src/layers/cilium/index.js'

const knp = (spec: Record<string, unknown>, name = 'np', ns = 'default'): KubeObject => ({apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name, namespace: ns}, spec})
const cnp = (spec: Record<string, unknown>, name = 'cnp', ns = 'default'): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name, namespace: ns}, spec})
const tcp = (port = 80, extra: Partial<L4Flow> = {}): L4Flow => ({port, protocol: 'TCP', ...extra})
const id = (labels: Record<string, string>, ns = 'default', nsLabels?: Record<string, string>): PodPeer => ({kind: 'pod', namespace: ns, labels, ...(nsLabels ? {namespaceLabels: nsLabels} : {})})
// The identities of network_policy_test.go.
const A = id({id: 'a'})
const B = id({id1: 'b', id2: 'c'})
const C = id({id: 'c'})
const OTHER = id({id: 'other'}, 'other')
const sel = (labels: Record<string, string>) => ({matchLabels: labels})
const flows = (ps: KubeObject[], from: PodPeer, to: PodPeer, flow = tcp()) => evaluateL4(ps, from, to, flow).allowed

describe('NetworkPolicy semantics (pkg/k8s/network_policy.go ParseNetworkPolicy)', () => {
  it('TestParseNetworkPolicyMultipleSelectors: podSelector+namespaceSelector in one peer vs podSelector alone', () => {
    const np = knp({
      podSelector: sel({id: 'a'}),
      egress: [{ports: [{protocol: 'TCP', port: 80}], to: [{podSelector: sel({id1: 'b'})}, {podSelector: sel({id: 'c'})}]}],
      ingress: [{from: [{podSelector: sel({id: 'other'}), namespaceSelector: sel({'kubernetes.io/metadata.name': 'other'})}, {podSelector: sel({id: 'c'})}]}],
    })
    for (const [from, to] of [[A, B], [A, C], [C, A], [OTHER, A]]) expect(flows([np], from, to), `${from.labels} → ${to.labels}`).toBe(true)
    expect(flows([np], B, A)).toBe(false)
    expect(flows([np], A, OTHER)).toBe(false)
  })

  it('TestParseNetworkPolicyEgress: ports restrict the egress rule; other pods and ports are dropped', () => {
    const np = knp({podSelector: sel({id: 'a'}), egress: [{to: [{podSelector: sel({id1: 'b'})}], ports: [{port: 80}]}]})
    expect(flows([np], A, B)).toBe(true)
    expect(flows([np], A, B, tcp(81))).toBe(false)
    expect(flows([np], A, C)).toBe(false)
    expect(flows([np], A, OTHER)).toBe(false)
  })

  it('TestParseNetworkPolicyEgressAllowAll: `to: []` allows every destination; policyTypes [Egress] with no rule allows nothing; types default to Ingress', () => {
    const ps = [knp({podSelector: sel({id: 'a'}), egress: [{to: []}]}, 'a'), knp({podSelector: sel({id1: 'b'}), policyTypes: ['Egress']}, 'b')]
    expect(flows(ps, A, B)).toBe(true)
    expect(flows(ps, A, C)).toBe(true)
    expect(flows(ps, B, A)).toBe(false) // B's egress: deny-all
    expect(flows(ps, OTHER, A)).toBe(false) // A's ingress: policyTypes defaulted to Ingress, no ingress rule
    expect(evaluateDirection(ps, 'egress', B, A, tcp()).inert).toEqual([{ref: {kind: 'NetworkPolicy', namespace: 'default', name: 'b'}, reason: 'policyTypes Egress with no egress rule allows nothing'}])
  })

  it('policyTypes [Ingress] alone (or absent) with no rules = ingress deny-all; [Egress] alone leaves ingress open (all-ingress-deny-knp)', () => {
    expect(evaluateDirection([knp({podSelector: {}, policyTypes: ['Ingress']})], 'ingress', A, C, tcp())).toMatchObject({inDefaultDeny: true, allowed: false})
    expect(evaluateDirection([knp({podSelector: {}})], 'ingress', A, C, tcp())).toMatchObject({inDefaultDeny: true, allowed: false})
    expect(evaluateDirection([knp({podSelector: {}, policyTypes: ['Egress']})], 'ingress', A, C, tcp())).toMatchObject({inDefaultDeny: false, allowed: true})
    // `egress: []` is no egress section: egress stays open unless the types name Egress.
    expect(evaluateDirection([knp({podSelector: {}, egress: []})], 'egress', A, C, tcp())).toMatchObject({inDefaultDeny: false})
  })

  it('an empty podSelector selects every pod of the policy namespace, and only there', () => {
    const np = knp({podSelector: {}, policyTypes: ['Ingress']})
    expect(evaluateDirection([np], 'ingress', C, A, tcp()).inDefaultDeny).toBe(true)
    expect(evaluateDirection([np], 'ingress', OTHER, A, tcp()).inDefaultDeny).toBe(false)
  })

  it('"ingress only port": `from` absent = every source (world too) on the listed ports', () => {
    const np = knp({podSelector: sel({id: 'a'}), ingress: [{ports: [{port: 80}]}]})
    const world: L4Peer = {kind: 'world', ip: '8.8.8.8'}
    expect(evaluateDirection([np], 'ingress', A, world, tcp()).allowed).toBe(true)
    expect(evaluateDirection([np], 'ingress', A, OTHER, tcp()).allowed).toBe(true)
    expect(evaluateDirection([np], 'ingress', A, OTHER, tcp(81)).allowed).toBe(false)
  })

  it('namespaceSelector {} = every namespace; namespaceSelector by label; podSelector alone stays in the namespace', () => {
    const anyNs = knp({podSelector: sel({id: 'a'}), ingress: [{from: [{namespaceSelector: {}, podSelector: sel({id: 'other'})}]}]})
    expect(evaluateDirection([anyNs], 'ingress', A, OTHER, tcp()).allowed).toBe(true)
    expect(evaluateDirection([anyNs], 'ingress', A, {kind: 'host'}, tcp()).allowed).toBe(false)
    const team = knp({podSelector: sel({id: 'a'}), ingress: [{from: [{namespaceSelector: sel({team: 'blue'})}]}]})
    expect(evaluateDirection([team], 'ingress', A, id({x: '1'}, 'blue-ns', {team: 'blue'}), tcp()).allowed).toBe(true)
    expect(evaluateDirection([team], 'ingress', A, id({x: '1'}, 'red-ns', {team: 'red'}), tcp()).allowed).toBe(false)
    const local = knp({podSelector: sel({id: 'a'}), ingress: [{from: [{podSelector: sel({id: 'other'})}]}]})
    expect(evaluateDirection([local], 'ingress', A, OTHER, tcp()).allowed).toBe(false)
    expect(evaluateDirection([local], 'ingress', A, id({id: 'other'}), tcp()).allowed).toBe(true)
  })

  it('TestParseNetworkPolicyNoSelectors: ipBlock with except is a CIDR set (world addresses only)', () => {
    const np = knp({podSelector: sel({role: 'backend'}), ingress: [{from: [{ipBlock: {cidr: '10.0.0.0/8', except: ['10.96.0.0/12']}}]}]}, 'ingress-cidr-test', 'myns')
    const backend = id({role: 'backend'}, 'myns')
    expect(evaluateDirection([np], 'ingress', backend, {kind: 'world', ip: '10.1.2.3'}, tcp()).allowed).toBe(true)
    expect(evaluateDirection([np], 'ingress', backend, {kind: 'world', ip: '10.96.0.5'}, tcp()).allowed).toBe(false)
    expect(evaluateDirection([np], 'ingress', backend, id({x: 'y'}, 'myns'), tcp()).allowed).toBe(false)
  })

  it('ports: protocol defaults to TCP, endPort ranges, named ports resolved against the destination', () => {
    const np = (ports: unknown[]) => [knp({podSelector: sel({id: 'a'}), ingress: [{ports}]})]
    expect(evaluateDirection(np([{port: 53}]), 'ingress', A, C, {port: 53, protocol: 'UDP'}).allowed).toBe(false)
    // endPort: cilium/cilium#28684 (ignored up to 1.14), #28704 (rejected in 1.15), #32807 (1.16 ranges).
    expect(evaluateDirection(np([{port: 8080, endPort: 8090}]), 'ingress', A, C, tcp(8080)).allowed).toBe(true)
    expect(evaluateDirection(np([{port: 8080, endPort: 8090}]), 'ingress', A, C, tcp(8085))).toMatchObject({allowed: false, undetermined: [expect.stringMatching(/endPort 8080-8090: Cilium up to 1.14 opens only port 8080/)]})
    expect(evaluateDirection(np([{port: 8080, endPort: 8090}]), 'ingress', A, C, tcp(8091)).allowed).toBe(false)
    expect(evaluateDirection(np([{protocol: 'UDP'}]), 'ingress', A, C, {port: 5000, protocol: 'UDP'}).allowed).toBe(true)
    const http = [{name: 'http', port: 8080, protocol: 'TCP'}]
    expect(evaluateDirection(np([{port: 'http'}]), 'ingress', A, C, tcp(8080, {namedPorts: http})).allowed).toBe(true)
    expect(evaluateDirection(np([{port: 'http'}]), 'ingress', A, C, tcp(8080)).undetermined).not.toEqual([])
  })

  it('NetworkPolicies and CNPs add up in one repository: an allow from either admits the flow', () => {
    const np = knp({podSelector: sel({id: 'a'}), ingress: [{from: [{podSelector: sel({id: 'c'})}]}]})
    const c = cnp({endpointSelector: {matchLabels: {'k8s:id': 'a'}}, ingress: [{fromEndpoints: [{matchLabels: {'k8s:id1': 'b'}}]}]})
    expect(flows([np, c], C, A)).toBe(true)
    expect(flows([np, c], B, A)).toBe(true)
    expect(flows([np, c], OTHER, A)).toBe(false)
    // A CNP deny still wins over a NetworkPolicy allow.
    const deny = cnp({endpointSelector: {}, ingressDeny: [{fromEndpoints: [{matchLabels: {'k8s:id': 'c'}}]}]}, 'deny')
    expect(evaluateDirection([np, deny], 'ingress', A, C, tcp()).deniedBy?.ref.name).toBe('deny')
  })

  it('ignores objects that only look like NetworkPolicies (other API groups)', () => {
    const fake: KubeObject = {apiVersion: 'example.com/v1', kind: 'NetworkPolicy', metadata: {name: 'x', namespace: 'default'}, spec: {podSelector: {}}}
    expect(evaluateDirection([fake], 'ingress', A, C, tcp()).inDefaultDeny).toBe(false)
  })
})

describe('NetworkPolicies on the L4 line and in --policies dumps', () => {
  it('a --policies dump routes NetworkPolicies to L4 (they are never drift-compared)', async () => {
    const {dumpView} = await import('../../src/diagnose/offline.js')
    const np = knp({podSelector: {}, policyTypes: ['Ingress']})
    expect(dumpView([np]).l4).toEqual([np])
  })

  it('the L4 line names the NetworkPolicy that put ingress into default-deny', async () => {
    const {l4Layer} = await import('../../src/layers/cilium/index.js')
    const port = {name: 'http', servicePort: 8080, targetPort: 8080, protocol: 'TCP'}
    const w = (name: string) => ({namespace: 'default', name, kind: 'LatticeService' as const, serviceAccount: name, podLabels: {app: name}, ambient: false, ports: [port]})
    const r = l4Layer({source: w('client'), target: w('echo'), port, trustDomain: 'cluster.local'}, [knp({podSelector: {}, policyTypes: ['Ingress']}, 'deny-all-ingress')])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('no ingress rule on echo from client for echo:8080; ingress default-deny from NetworkPolicy default/deny-all-ingress (policyTypes Ingress with no ingress rule allows nothing)')
  })
})
