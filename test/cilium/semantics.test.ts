// One test per Cilium policy semantic the L4 evaluator implements (LATTICE-SPEC §5.1, §10.10,
// §10.11). Each names the upstream source it follows (github.com/cilium/cilium):
// - pkg/policy/rule.go mergeIngress/mergeEgress ("short-circuit if no endpoint is selected",
//   "L3-only rule", "an empty slice of EndpointSelector indicates that the rule allows all at L3");
// - pkg/policy/utils RulesToPolicyEntries/mergeEndpointSelectors ("explicitly check for empty
//   non-nil slices, it should not result in any identity being selected");
// - pkg/policy/api ingress.go/egress.go (AllowsWildcarding, FromRequires/ToRequires);
// - pkg/k8s/apis/cilium.io/utils/utils.go getEndpointSelector (namespace scoping);
// - pkg/policy/l4.go toMapState ("nothing to be done for undefined named port");
// - cilium-cli/connectivity/builder/*.go and manifests/*.yaml (expected drops).
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {evaluateDirection, type L4Flow, type L4Peer, type PodPeer} from '../../src/layers/cilium/index.js'

const cnp = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name, namespace: ns}, spec})
const ccnp = (name: string, spec: Record<string, unknown>): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: {name}, spec})
const pod = (ns: string, app: string, extra: Partial<PodPeer> = {}): PodPeer => ({kind: 'pod', namespace: ns, labels: {app}, ...extra})
const tcp = (port: number, extra: Partial<L4Flow> = {}): L4Flow => ({port, protocol: 'TCP', ...extra})
const app = (name: string) => ({matchLabels: {'k8s:app': name}})
const ports = (...list: Array<number | string>) => [{ports: list.map((p) => ({port: String(p), protocol: 'TCP'}))}]

const client = pod('cilium-test', 'client')
const echo = pod('cilium-test', 'echo')
const world: L4Peer = {kind: 'world', ip: '1.1.1.1'}
const ingress = (policies: KubeObject[], from: L4Peer, to: PodPeer = echo, flow = tcp(8080)) => evaluateDirection(policies, 'ingress', to, from, flow)
const egress = (policies: KubeObject[], to: L4Peer, from: PodPeer = client, flow = tcp(8080)) => evaluateDirection(policies, 'egress', from, to, flow)

describe('rules without a peer (§10.10)', () => {
  // cilium-cli builder/all_ingress_deny.go + manifests/deny-all-ingress.yaml: pod-to-pod is
  // ResultDefaultDenyIngressDrop; mergeIngress adds no filter for a rule with no selector and no ports.
  it('CNP `ingress: [{}]` allows nothing: it only puts ingress into default-deny (all-ingress-deny)', () => {
    const p = [cnp('cilium-test', 'all-ingress-deny', {endpointSelector: {}, ingress: [{}]})]
    const v = ingress(p, client)
    expect(v).toMatchObject({inDefaultDeny: true, allowed: false, allows: [], undetermined: []})
    expect(v.inert).toEqual([{ref: {kind: 'CiliumNetworkPolicy', namespace: 'cilium-test', name: 'all-ingress-deny'}, reason: 'ingress: [{}] allows nothing'}])
    expect(ingress(p, world).allowed).toBe(false)
    expect(ingress(p, {kind: 'host'}).allowed).toBe(false)
    // Egress of the same pods is untouched (all_ingress_deny.go: egress to world works).
    expect(egress(p, world, echo)).toMatchObject({inDefaultDeny: false, allowed: true})
  })

  // cilium-cli builder/all_egress_deny.go + manifests/deny-all-egress.yaml: ResultDefaultDenyEgressDrop.
  it('CNP `egress: [{}]` allows nothing (all-egress-deny)', () => {
    const p = [cnp('cilium-test', 'all-egress-deny', {endpointSelector: {}, egress: [{}]})]
    expect(egress(p, echo)).toMatchObject({inDefaultDeny: true, allowed: false, allows: []})
    expect(egress(p, world).allowed).toBe(false)
    expect(ingress(p, client).inDefaultDeny).toBe(false)
  })

  // cilium-cli builder/all_ingress_deny_ccnp.go + manifests/deny-all-ingress-ccnp.yaml.
  it('CCNP `ingress: [{}]` / `egress: [{}]` allow nothing, in every namespace (all-ingress-deny-ccnp, all-egress-deny-ccnp)', () => {
    const inDeny = [ccnp('all-ingress-deny-ccnp', {endpointSelector: {}, ingress: [{}]})]
    expect(ingress(inDeny, pod('other', 'x'), pod('elsewhere', 'y'))).toMatchObject({inDefaultDeny: true, allowed: false})
    const outDeny = [ccnp('all-egress-deny-ccnp', {endpointSelector: {}, egress: [{}]})]
    expect(egress(outDeny, echo, pod('elsewhere', 'y'))).toMatchObject({inDefaultDeny: true, allowed: false})
  })

  // rule.go mergeIngress: `toPorts.Len() == 0 && icmp.Len() == 0 && len(fromEndpoints) > 0` is the
  // only L3-only case; `{toPorts: []}` has no selector either, so it adds nothing.
  it('a rule with no peer and `toPorts: []` or `icmps: []` is still the deny-all pattern', () => {
    expect(ingress([cnp('cilium-test', 'p', {endpointSelector: {}, ingress: [{toPorts: []}]})], client).allowed).toBe(false)
    expect(ingress([cnp('cilium-test', 'p', {endpointSelector: {}, ingress: [{icmps: []}]})], client).allowed).toBe(false)
  })

  // rule.go mergeIngress: with ports and no selector the rule uses WildcardEndpointSelector;
  // rule_test.go TestL4Policy (ingress toPorts without fromEndpoints → wildcardCachedSelector).
  it('a rule with toPorts and no peer allows any peer on those ports, and only on those', () => {
    const p = [cnp('cilium-test', 'l4-only', {endpointSelector: app('echo'), ingress: [{toPorts: ports(8080)}]})]
    for (const peer of [client, pod('other', 'stranger'), world, {kind: 'host'} as L4Peer]) {
      expect(ingress(p, peer)).toMatchObject({allowed: true, allowedBy: {broad: true}})
    }
    expect(ingress(p, client, echo, tcp(9090)).allowed).toBe(false)
    const out = [cnp('cilium-test', 'l4-only', {endpointSelector: app('client'), egress: [{toPorts: ports(53)}]})]
    expect(egress(out, world, client, tcp(53)).allowed).toBe(true)
    expect(egress(out, world, client, tcp(443)).allowed).toBe(false)
  })

  // pkg/policy/repository.go computePolicyEnforcementAndRules: a rule counts for a direction
  // only when it has ingress/ingressDeny (egress/egressDeny) rules; then enableDefaultDeny decides.
  it('enableDefaultDeny false turns `{}` into a no-op; an explicit true without a rule in that direction enforces nothing', () => {
    expect(ingress([cnp('cilium-test', 'p', {endpointSelector: {}, enableDefaultDeny: {ingress: false}, ingress: [{}]})], client)).toMatchObject({inDefaultDeny: false, allowed: true})
    expect(ingress([cnp('cilium-test', 'p', {endpointSelector: {}, enableDefaultDeny: {ingress: true}, egress: [{toEntities: ['world']}]})], client)).toMatchObject({inDefaultDeny: false, allowed: true})
    expect(ingress([cnp('cilium-test', 'p', {endpointSelector: {}, enableDefaultDeny: {ingress: true}, ingress: [{fromEntities: []}]})], client)).toMatchObject({inDefaultDeny: true, allowed: false})
  })

  it('`ingressDeny: [{}]` denies nothing but still puts ingress into default-deny', () => {
    const p = [
      cnp('cilium-test', 'deny', {endpointSelector: {}, ingressDeny: [{}]}),
      cnp('cilium-test', 'allow', {endpointSelector: {}, ingress: [{fromEndpoints: [app('client')]}]}),
    ]
    expect(ingress(p, client).allowed).toBe(true)
    const v = ingress([p[0]], client)
    expect(v).toMatchObject({inDefaultDeny: true, allowed: false})
    expect(v.deniedBy).toBeUndefined()
  })
})

describe('present-but-empty peer lists select nothing (pkg/policy/utils mergeEndpointSelectors)', () => {
  it.each(['fromEndpoints', 'fromEntities', 'fromCIDR', 'fromCIDRSet', 'fromNodes'])('`%s: []` selects nothing, even with toPorts', (field) => {
    const p = [cnp('cilium-test', 'p', {endpointSelector: app('echo'), ingress: [{[field]: [], toPorts: ports(8080)}]})]
    expect(ingress(p, client)).toMatchObject({inDefaultDeny: true, allowed: false})
    expect(ingress(p, world).allowed).toBe(false)
  })

  it.each(['toEndpoints', 'toEntities', 'toCIDR', 'toCIDRSet', 'toNodes'])('`%s: []` selects nothing, even with toPorts', (field) => {
    const p = [cnp('cilium-test', 'p', {endpointSelector: app('client'), egress: [{[field]: [], toPorts: ports(8080)}]})]
    expect(egress(p, echo).allowed).toBe(false)
    expect(egress(p, world).allowed).toBe(false)
  })

  it('an empty list in an egressDeny rule denies nothing', () => {
    const p = [cnp('cilium-test', 'p', {endpointSelector: app('client'), egressDeny: [{toEndpoints: []}], egress: [{toEndpoints: [{}]}]})]
    expect(egress(p, echo).allowed).toBe(true)
  })
})

describe('toPorts and icmps: absent vs empty vs present (rule.go mergeIngress, l4.go)', () => {
  const rule = (r: Record<string, unknown>) => [cnp('cilium-test', 'p', {endpointSelector: app('echo'), ingress: [{fromEndpoints: [app('client')], ...r}]})]

  it('`toPorts` absent or `[]` with a peer is an L3-only rule: every port', () => {
    expect(ingress(rule({}), client, echo, tcp(12345)).allowed).toBe(true)
    expect(ingress(rule({toPorts: []}), client, echo, tcp(12345)).allowed).toBe(true)
  })

  it('`ports: []` (or no `ports`) in a PortRule contributes no port', () => {
    expect(ingress(rule({toPorts: [{ports: []}]}), client).allowed).toBe(false)
    expect(ingress(rule({toPorts: [{}]}), client).allowed).toBe(false)
    expect(ingress(rule({toPorts: [{ports: []}, {ports: [{port: '8080'}]}]}), client).allowed).toBe(true)
  })

  it('`icmps` without toPorts allows ICMP only; `icmps: []` is the same as absent', () => {
    expect(ingress(rule({icmps: [{fields: [{type: 8}]}]}), client).allowed).toBe(false)
    expect(ingress(rule({icmps: []}), client).allowed).toBe(true)
    expect(ingress(rule({icmps: [{fields: [{type: 8}]}], toPorts: ports(8080)}), client).allowed).toBe(true)
  })
})

describe('requires and services (pkg/policy/api ingress.go/egress.go AllowsWildcarding; removed in 1.19, cilium/cilium#42615)', () => {
  const team = (t: string) => pod('cilium-test', 'client', {labels: {app: 'client', team: t}})
  const allow = cnp('cilium-test', 'allow', {endpointSelector: app('echo'), ingress: [{fromEndpoints: [app('client')]}]})
  const require = cnp('cilium-test', 'require', {endpointSelector: app('echo'), ingress: [{fromRequires: [{matchLabels: {'k8s:team': 'a'}}]}]})

  it('fromRequires narrows fromEndpoints across policies up to 1.18 and is gone in 1.19: decided only where both agree', () => {
    expect(ingress([allow, require], team('a'))).toMatchObject({allowed: true, undetermined: []})
    // ≤1.18 drops team b, ≥1.19 allows it: the verdict depends on the agent version.
    const v = ingress([allow, require], team('b'))
    expect(v.allowed).toBe(false)
    expect(v.undetermined).toEqual([expect.stringMatching(/fromRequires decides this flow, and Cilium 1\.19 removed fromRequires/)])
  })

  it('a requires-only rule grants nothing in either version; requires never narrow entities', () => {
    expect(ingress([require], team('a'))).toMatchObject({inDefaultDeny: true, allowed: false, undetermined: []})
    const entities = [require, cnp('cilium-test', 'ent', {endpointSelector: app('echo'), ingress: [{fromEntities: ['cluster']}]})]
    expect(ingress(entities, team('b'))).toMatchObject({allowed: true, undetermined: []})
  })

  it('a toRequires-only rule with toPorts is no wildcard up to 1.18 (a wildcard once the field is gone): undetermined', () => {
    const p = [cnp('cilium-test', 'p', {endpointSelector: app('client'), egress: [{toRequires: [app('echo')], toPorts: ports(8080)}]})]
    const v = egress(p, echo)
    expect(v.allowed).toBe(false)
    expect(v.undetermined.join()).toMatch(/toRequires/)
  })

  it('toServices is not evaluated: decisive → undetermined, never allowed', () => {
    const allow = [cnp('cilium-test', 'p', {endpointSelector: app('client'), egress: [{toServices: [{k8sService: {serviceName: 'echo', namespace: 'cilium-test'}}]}]})]
    const v = egress(allow, echo)
    expect(v.allowed).toBe(false)
    expect(v.undetermined.join('\n')).toMatch(/toServices/)
  })
})

describe('CIDRs, entities and endpoint scoping', () => {
  // api/cidr.go CIDRRule.ExceptCIDRs; cilium-cli manifests/client-egress-to-cidr-external-deny.yaml.
  it('toCIDRSet with except: inside the block allowed, inside an except dropped; CIDRs never select pods', () => {
    const p = [cnp('cilium-test', 'p', {endpointSelector: app('client'), egress: [{toCIDRSet: [{cidr: '1.0.0.0/8', except: ['1.1.1.0/24']}]}]})]
    expect(egress(p, {kind: 'world', ip: '1.0.0.1'}).allowed).toBe(true)
    expect(egress(p, {kind: 'world', ip: '1.1.1.1'}).allowed).toBe(false)
    expect(egress(p, {kind: 'world', ip: '8.8.8.8'}).allowed).toBe(false)
    const all = [cnp('cilium-test', 'p', {endpointSelector: app('client'), egress: [{toCIDR: ['0.0.0.0/0']}]})]
    expect(egress(all, echo).allowed).toBe(false)
  })

  // api/entity.go EntitySelectorMapping: cluster = host, remote-node, kube-apiserver, init,
  // health, unmanaged, ingress and every endpoint of the cluster; all = cluster + world.
  it.each([
    ['cluster', [client, {kind: 'host'}, {kind: 'remote-node'}, {kind: 'kube-apiserver'}, {kind: 'health'}, {kind: 'init'}], [world]],
    ['all', [client, world, {kind: 'host'}], []],
    ['world', [world], [client, {kind: 'host'}]],
    ['world-ipv4', [world], [{kind: 'world', ip: '2001:db8::1'}, client]],
    ['world-ipv6', [{kind: 'world', ip: '2001:db8::1'}], [world]],
    ['host', [{kind: 'host'}], [{kind: 'remote-node'}, client]],
    ['remote-node', [{kind: 'remote-node'}], [{kind: 'host'}]],
    ['kube-apiserver', [{kind: 'kube-apiserver'}], [{kind: 'host'}, world]],
    ['none', [], [client, world, {kind: 'host'}]],
  ] as Array<[string, L4Peer[], L4Peer[]]>)('entity %s', (entity, yes, no) => {
    const p = [cnp('cilium-test', 'p', {endpointSelector: app('echo'), ingress: [{fromEntities: [entity]}]})]
    for (const peer of yes) expect(ingress(p, peer).allowed, JSON.stringify(peer)).toBe(true)
    for (const peer of no) expect(ingress(p, peer).allowed, JSON.stringify(peer)).toBe(false)
  })

  // k8s/apis/cilium.io/utils/utils.go getEndpointSelector: no namespace match is added when the
  // selector names a `k8s:io.cilium.k8s.namespace.labels.*` key.
  it('a namespace-labels key lifts the implicit namespace scoping of a CNP peer selector', () => {
    const p = [cnp('cilium-test', 'p', {endpointSelector: app('echo'), ingress: [{fromEndpoints: [{matchLabels: {'k8s:io.cilium.k8s.namespace.labels.team': 'blue'}}]}]})]
    expect(ingress(p, pod('payments', 'x', {namespaceLabels: {team: 'blue'}})).allowed).toBe(true)
    expect(ingress(p, pod('payments', 'x', {namespaceLabels: {team: 'red'}})).allowed).toBe(false)
  })

  // getEndpointSelector: a CCNP peer selector gets `k8s:io.kubernetes.pod.namespace Exists`.
  it('`fromEndpoints: [{}]` is every pod of the namespace in a CNP, every pod of the cluster in a CCNP, never a reserved identity', () => {
    const inNs = [cnp('cilium-test', 'p', {endpointSelector: app('echo'), ingress: [{fromEndpoints: [{}]}]})]
    expect(ingress(inNs, pod('cilium-test', 'any')).allowed).toBe(true)
    expect(ingress(inNs, pod('other', 'any')).allowed).toBe(false)
    const cluster = [ccnp('p', {endpointSelector: app('echo'), ingress: [{fromEndpoints: [{}]}]})]
    expect(ingress(cluster, pod('other', 'any')).allowed).toBe(true)
    expect(ingress(cluster, world).allowed).toBe(false)
    expect(ingress(cluster, {kind: 'host'}).allowed).toBe(false)
  })

  it('endpointSelector vs nodeSelector: host policies never apply to pods', () => {
    expect(ingress([ccnp('host', {nodeSelector: {}, ingress: [{}]})], client).inDefaultDeny).toBe(false)
  })
})

describe('named ports (§10.11; l4.go toMapState, cilium-cli client-ingress-to-echo-named-port-deny)', () => {
  const echoPorts = [{name: 'http-8080', port: 8080, protocol: 'TCP'}]
  // manifests/client-egress-to-echo-named-port-deny.yaml on top of allow-all-ingress.
  const namedDeny = [
    cnp('cilium-test', 'allow-all-ingress', {endpointSelector: {}, ingress: [{fromEndpoints: [{matchExpressions: [{key: 'io.cilium.k8s.policy.cluster', operator: 'Exists'}]}]}]}),
    cnp('cilium-test', 'client-ingress-to-echo-named-port-deny', {
      endpointSelector: {matchLabels: {kind: 'echo'}},
      ingressDeny: [{toPorts: [{ports: [{port: 'http-8080', protocol: 'TCP'}]}], fromEndpoints: [{matchLabels: {'io.kubernetes.pod.namespace': 'cilium-test', name: 'client'}}]}],
    }),
  ]
  const echoKind = pod('cilium-test', 'echo', {labels: {kind: 'echo'}})
  const clientNamed = pod('cilium-test', 'client', {labels: {name: 'client'}})
  const client2 = pod('cilium-test', 'client2', {labels: {name: 'client2'}})

  it('resolved against the destination container ports: the named-port deny drops client → echo, client2 passes', () => {
    const v = ingress(namedDeny, clientNamed, echoKind, tcp(8080, {namedPorts: echoPorts}))
    expect(v).toMatchObject({allowed: false, undetermined: [], deniedBy: {section: 'ingressDeny', ruleIndex: 0, ref: {name: 'client-ingress-to-echo-named-port-deny'}}})
    expect(ingress(namedDeny, client2, echoKind, tcp(8080, {namedPorts: echoPorts})).allowed).toBe(true)
    // Another port of echo is not covered by the name.
    expect(ingress(namedDeny, clientNamed, echoKind, tcp(9090, {namedPorts: echoPorts})).allowed).toBe(true)
  })

  it('an undefined name (or one of another protocol) matches nothing: "nothing to be done for undefined named port"', () => {
    expect(ingress(namedDeny, clientNamed, echoKind, tcp(8080, {namedPorts: []})).allowed).toBe(true)
    expect(ingress(namedDeny, clientNamed, echoKind, tcp(8080, {namedPorts: [{name: 'http-8080', port: 8080, protocol: 'UDP'}]})).allowed).toBe(true)
  })

  it('unresolvable and decisive (a deny on a flow that would pass) → undetermined, never allowed', () => {
    const v = ingress(namedDeny, clientNamed, echoKind, tcp(8080, {destination: 'echo'}))
    expect(v.allowed).toBe(false)
    expect(v.deniedBy).toBeUndefined()
    expect(v.undetermined).toEqual([expect.stringMatching(/ingressDeny rule #0 of CiliumNetworkPolicy cilium-test\/client-ingress-to-echo-named-port-deny: named port "http-8080" cannot be resolved: the container ports of echo are not known/)])
  })

  it('unresolvable and decisive (the only allow names the port) → undetermined', () => {
    const p = [cnp('cilium-test', 'p', {endpointSelector: app('echo'), ingress: [{fromEndpoints: [app('client')], toPorts: ports('http')}]})]
    expect(ingress(p, client)).toMatchObject({allowed: false, undetermined: [expect.stringMatching(/named port "http"/)]})
    expect(ingress(p, client, echo, tcp(8080, {namedPorts: [{name: 'http', port: 8080, protocol: 'TCP'}]}))).toMatchObject({allowed: true, undetermined: []})
  })

  it('unresolvable but not decisive → the verdict stands', () => {
    // The flow is dropped by default-deny whatever the named deny says.
    const denied = [namedDeny[1]]
    expect(ingress(denied, clientNamed, echoKind, tcp(8080))).toMatchObject({allowed: false, undetermined: [], inDefaultDeny: true})
    // Another allow rule admits the flow whatever the named allow says.
    const allowed = [cnp('cilium-test', 'p', {endpointSelector: app('echo'), ingress: [{fromEndpoints: [app('client')], toPorts: ports('http')}, {fromEndpoints: [app('client')]}]})]
    expect(ingress(allowed, client)).toMatchObject({allowed: true, undetermined: []})
    // A deny matched on a numeric port wins whatever the named one says.
    const both = [cnp('cilium-test', 'p', {endpointSelector: app('echo'), ingressDeny: [{toPorts: ports('http')}, {toPorts: ports(8080)}]})]
    expect(ingress(both, client)).toMatchObject({allowed: false, undetermined: [], deniedBy: {ruleIndex: 1}})
  })
})

describe('the subject selector of a CNP (pkg/k8s/apis/cilium.io/utils/utils.go ParseToCiliumRule)', () => {
  it('a `k8s:io.kubernetes.pod.namespace` match naming another namespace is overwritten: the CNP still applies in its own namespace', () => {
    const p = [cnp('cilium-test', 'p', {endpointSelector: {matchLabels: {'k8s:io.kubernetes.pod.namespace': 'elsewhere', 'k8s:app': 'echo'}}, ingress: [{}]})]
    expect(ingress(p, client)).toMatchObject({inDefaultDeny: true, allowed: false})
    expect(ingress(p, client, pod('elsewhere', 'echo')).inDefaultDeny).toBe(false)
  })
})
