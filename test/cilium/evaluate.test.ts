import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {dnsNameMatches, evaluateDirection, evaluateL4, type L4Peer, type PodPeer} from '../../src/layers/cilium/index.js'

const cnp = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name, namespace: ns}, spec})
const ccnp = (name: string, spec: Record<string, unknown>): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: {name}, spec})
const pod = (ns: string, app: string, extra: Partial<PodPeer> = {}): PodPeer => ({kind: 'pod', namespace: ns, labels: {app}, ...extra})
const tcp = (port: number) => ({port, protocol: 'TCP'})
const onlyApp = (app: string) => ({matchLabels: {'k8s:app': app}})

const a = pod('shop', 'a')
const b = pod('shop', 'b')
const ingressTo = (policies: KubeObject[], from: L4Peer, to: PodPeer = b, flow = tcp(80)) => evaluateDirection(policies, 'ingress', to, from, flow)
const egressOf = (policies: KubeObject[], to: L4Peer, from: PodPeer = a, flow = tcp(80)) => evaluateDirection(policies, 'egress', from, to, flow)

describe('default-deny per direction (§5.1-2)', () => {
  it('no policy: both directions open', () => {
    const v = evaluateL4([], a, b, tcp(80))
    expect(v.allowed).toBe(true)
    expect(v.egress.inDefaultDeny).toBe(false)
    expect(v.ingress.inDefaultDeny).toBe(false)
  })

  it('rule presence puts only that direction in default-deny; deny sections count too', () => {
    const p = [cnp('shop', 'p', {endpointSelector: onlyApp('b'), ingress: [{fromEndpoints: [onlyApp('c')]}]})]
    const v = ingressTo(p, a)
    expect(v).toMatchObject({inDefaultDeny: true, allowed: false, defaultDenyBy: [{kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'p'}]})
    expect(egressOf(p, a, b).inDefaultDeny).toBe(false)
    const deny = [cnp('shop', 'd', {endpointSelector: onlyApp('b'), ingressDeny: [{fromEndpoints: [onlyApp('c')]}]})]
    expect(ingressTo(deny, a)).toMatchObject({inDefaultDeny: true, allowed: false})
  })

  it('empty sections are inert; enableDefaultDeny false keeps rules additive; any true wins', () => {
    expect(ingressTo([cnp('shop', 'p', {endpointSelector: onlyApp('b'), ingress: [], egress: []})], a).inDefaultDeny).toBe(false)
    const additive = cnp('shop', 'add', {endpointSelector: onlyApp('b'), enableDefaultDeny: {ingress: false, egress: false}, ingress: [{fromEndpoints: [onlyApp('c')]}]})
    expect(ingressTo([additive], a)).toMatchObject({inDefaultDeny: false, allowed: true})
    // An explicit true counts only with a rule in the direction (repository.go computePolicyEnforcementAndRules).
    const explicit = ccnp('dd', {endpointSelector: {}, enableDefaultDeny: {ingress: true}, ingress: [{fromEntities: []}]})
    expect(ingressTo([additive, explicit], a)).toMatchObject({inDefaultDeny: true, allowed: false, defaultDenyExplicit: [{kind: 'CiliumClusterwideNetworkPolicy', name: 'dd'}]})
    expect(ingressTo([additive, ccnp('dd', {endpointSelector: {}, enableDefaultDeny: {ingress: true}})], a)).toMatchObject({inDefaultDeny: false, allowed: true})
  })

  it('enforcement mode always denies without any policy; never allows even with deny rules', () => {
    expect(evaluateDirection([], 'egress', a, b, tcp(80), {enforcementMode: 'always'})).toMatchObject({inDefaultDeny: true, allowed: false, defaultDenyBy: ['enforcement mode always']})
    const deny = [cnp('shop', 'd', {endpointSelector: {}, egressDeny: [{}]})]
    expect(evaluateDirection(deny, 'egress', a, b, tcp(80), {enforcementMode: 'never'})).toMatchObject({allowed: true, inDefaultDeny: false})
    expect(evaluateDirection(deny, 'egress', a, b, tcp(80)).allowed).toBe(false)
  })

  it('non-pod subjects are not evaluated (nothing enforces on the world side)', () => {
    expect(evaluateDirection([ccnp('dd', {endpointSelector: {}, enableDefaultDeny: {egress: true}})], 'egress', {kind: 'world'}, b, tcp(80))).toMatchObject({evaluated: false, allowed: true})
  })
})

describe('selectors and label sources', () => {
  const allowFrom = (sel: Record<string, unknown>, ns = 'shop') => [cnp(ns, 'p', {endpointSelector: onlyApp('b'), ingress: [{fromEndpoints: [sel]}]})]

  it('matchExpressions In, NotIn (also when the key is absent), Exists, DoesNotExist', () => {
    const x = pod('shop', 'x', {labels: {app: 'x', tier: 'web'}})
    const expr = (operator: string, values?: string[]) => allowFrom({matchExpressions: [{key: 'k8s:tier', operator, ...(values ? {values} : {})}]})
    expect(ingressTo(expr('In', ['web', 'api']), x).allowed).toBe(true)
    expect(ingressTo(expr('In', ['api']), x).allowed).toBe(false)
    expect(ingressTo(expr('NotIn', ['web']), x).allowed).toBe(false)
    expect(ingressTo(expr('NotIn', ['web']), a).allowed).toBe(true)
    expect(ingressTo(expr('Exists'), x).allowed).toBe(true)
    expect(ingressTo(expr('Exists'), a).allowed).toBe(false)
    expect(ingressTo(expr('DoesNotExist'), a).allowed).toBe(true)
  })

  it('`k8s:` key does not match the same label from another source; unprefixed and `any:` do', () => {
    const fromContainer = pod('shop', 'ignored', {labels: {'container:role': 'client'}})
    expect(ingressTo(allowFrom({matchLabels: {'k8s:role': 'client'}}), fromContainer).allowed).toBe(false)
    expect(ingressTo(allowFrom({matchLabels: {role: 'client'}}), fromContainer).allowed).toBe(true)
    expect(ingressTo(allowFrom({matchLabels: {'any:role': 'client'}}), fromContainer).allowed).toBe(true)
  })

  it('implicit namespace scoping: a CNP peer selector without the namespace label stays in the CNP namespace', () => {
    const other = pod('other', 'c')
    // A naive label match would allow this.
    expect(ingressTo(allowFrom(onlyApp('c')), other).allowed).toBe(false)
    expect(ingressTo(allowFrom(onlyApp('c')), pod('shop', 'c')).allowed).toBe(true)
    expect(ingressTo(allowFrom({matchLabels: {'k8s:app': 'c', 'k8s:io.kubernetes.pod.namespace': 'other'}}), other).allowed).toBe(true)
    // Mentioning the namespace through an expression also lifts the scoping.
    expect(ingressTo(allowFrom({matchExpressions: [{key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists'}], matchLabels: {'k8s:app': 'c'}}), other).allowed).toBe(true)
  })

  it('an empty `{}` peer in a CNP is every pod of that namespace; in a CCNP every pod', () => {
    expect(ingressTo(allowFrom({}), pod('shop', 'z')).allowed).toBe(true)
    expect(ingressTo(allowFrom({}), pod('other', 'z')).allowed).toBe(false)
    const cluster = [ccnp('all', {endpointSelector: onlyApp('b'), ingress: [{fromEndpoints: [{}]}]})]
    expect(ingressTo(cluster, pod('other', 'z')).allowed).toBe(true)
    expect(ingressTo(cluster, {kind: 'host'}).allowed).toBe(false)
  })

  it('a CNP applies only in its own namespace, even with an empty endpointSelector; a CCNP anywhere', () => {
    const p = cnp('shop', 'dd', {endpointSelector: {}, ingress: [{fromEndpoints: [onlyApp('nobody')]}]})
    expect(ingressTo([p], a, pod('other', 'b')).inDefaultDeny).toBe(false)
    expect(ingressTo([p], a, pod('shop', 'q')).inDefaultDeny).toBe(true)
    expect(ingressTo([ccnp('dd', {endpointSelector: {}, ingress: [{fromEntities: []}]})], a, pod('other', 'b')).inDefaultDeny).toBe(true)
  })

  it('namespace labels and service account pseudo-labels', () => {
    const team = pod('payments', 'c', {namespaceLabels: {team: 'blue'}, serviceAccount: 'svc-c'})
    const byNsLabel = [ccnp('p', {endpointSelector: onlyApp('b'), ingress: [{fromEndpoints: [{matchLabels: {'k8s:io.cilium.k8s.namespace.labels.team': 'blue'}}]}]})]
    expect(ingressTo(byNsLabel, team).allowed).toBe(true)
    expect(ingressTo(byNsLabel, pod('payments', 'c', {namespaceLabels: {team: 'red'}})).allowed).toBe(false)
    const bySa = allowFrom({matchLabels: {'k8s:io.cilium.k8s.policy.serviceaccount': 'svc-c', 'k8s:io.kubernetes.pod.namespace': 'payments'}})
    expect(ingressTo(bySa, team).allowed).toBe(true)
    expect(ingressTo(bySa, pod('payments', 'c', {serviceAccount: 'other'})).allowed).toBe(false)
  })

  it('endpoint selectors reach reserved identities only when they name them', () => {
    expect(ingressTo(allowFrom({matchLabels: {'reserved:host': ''}}), {kind: 'host'}).allowed).toBe(true)
    expect(ingressTo(allowFrom({}), {kind: 'host'}).allowed).toBe(false)
  })

  it('rules with a nodeSelector (host policies) never apply to pods', () => {
    expect(ingressTo([ccnp('host', {nodeSelector: {}, ingress: [{fromEntities: ['world']}]})], a).inDefaultDeny).toBe(false)
  })
})

describe('peers: absent vs empty, entities, CIDRs, FQDNs', () => {
  const ingressRule = (rule: Record<string, unknown>) => [cnp('shop', 'p', {endpointSelector: onlyApp('b'), ingress: [rule]})]
  const egressRule = (rule: Record<string, unknown>, dns = true) =>
    [
      cnp('shop', 'p', {
        endpointSelector: onlyApp('a'),
        egress: [
          ...(dns ? [{toEndpoints: [{matchLabels: {'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns'}}], toPorts: [{ports: [{port: '53', protocol: 'UDP'}], rules: {dns: [{matchPattern: '*'}]}}]}] : []),
          rule,
        ],
      }),
    ]

  it('absent peer field = any peer; present-but-empty list = no peer', () => {
    expect(ingressTo(ingressRule({toPorts: [{ports: [{port: '80', protocol: 'TCP'}]}]}), {kind: 'world', ip: '8.8.8.8'})).toMatchObject({allowed: true, allowedBy: {broad: true}})
    expect(ingressTo(ingressRule({fromEndpoints: []}), a).allowed).toBe(false)
    expect(ingressTo(ingressRule({fromEntities: []}), {kind: 'world'}).allowed).toBe(false)
    // pkg/policy/utils mergeEndpointSelectors: any empty non-nil peer list makes the whole rule select nothing.
    expect(ingressTo(ingressRule({fromEndpoints: [], fromEntities: ['world']}), {kind: 'world'}).allowed).toBe(false)
  })

  it.each([
    ['cluster', {kind: 'pod', namespace: 'x', labels: {}}, true],
    ['cluster', {kind: 'host'}, true],
    ['cluster', {kind: 'remote-node'}, true],
    ['cluster', {kind: 'kube-apiserver'}, true],
    ['cluster', {kind: 'world', ip: '1.1.1.1'}, false],
    ['world', {kind: 'world', ip: '1.1.1.1'}, true],
    ['world', {kind: 'host'}, false],
    ['world-ipv4', {kind: 'world', ip: '1.1.1.1'}, true],
    ['world-ipv6', {kind: 'world', ip: '1.1.1.1'}, false],
    ['world-ipv6', {kind: 'world', ip: '2001:db8::1'}, true],
    ['host', {kind: 'host'}, true],
    ['host', {kind: 'remote-node'}, false],
    ['remote-node', {kind: 'remote-node'}, true],
    ['kube-apiserver', {kind: 'kube-apiserver'}, true],
    ['kube-apiserver', {kind: 'pod', namespace: 'x', labels: {}}, false],
    ['health', {kind: 'health'}, true],
    ['init', {kind: 'init'}, true],
    ['ingress', {kind: 'ingress'}, true],
    ['unmanaged', {kind: 'unmanaged'}, true],
    ['all', {kind: 'world'}, true],
    ['none', {kind: 'host'}, false],
  ] as Array<[string, L4Peer, boolean]>)('fromEntities [%s] vs %j → %s', (entity, peer, ok) => {
    expect(ingressTo(ingressRule({fromEntities: [entity]}), peer).allowed).toBe(ok)
  })

  it('CIDR and CIDRSet (with except) select world addresses, never pods', () => {
    expect(ingressTo(ingressRule({fromCIDR: ['10.0.0.0/8']}), {kind: 'world', ip: '10.1.2.3'}).allowed).toBe(true)
    expect(ingressTo(ingressRule({fromCIDR: ['10.0.0.0/8']}), {kind: 'world', ip: '11.1.2.3'}).allowed).toBe(false)
    expect(ingressTo(ingressRule({fromCIDR: ['10.0.0.0/8']}), pod('shop', 'a', {ip: '10.1.2.3'})).allowed).toBe(false)
    const set = {toCIDRSet: [{cidr: '10.0.0.0/8', except: ['10.9.0.0/16']}]}
    expect(egressOf(egressRule(set), {kind: 'world', ip: '10.1.0.1'}).allowed).toBe(true)
    expect(egressOf(egressRule(set), {kind: 'world', ip: '10.9.0.1'}).allowed).toBe(false)
    expect(egressOf(egressRule({toCIDR: ['2001:db8::/32']}), {kind: 'world', ip: '2001:db8::5'}).allowed).toBe(true)
  })

  it('toFQDNs needs a DNS rule allowing the lookup, and says so when it is missing', () => {
    const rule = {toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: [{ports: [{port: '443', protocol: 'TCP'}]}]}
    expect(egressOf(egressRule(rule), {kind: 'world', fqdn: 'api.stripe.com'}, a, tcp(443)).allowed).toBe(true)
    const v = egressOf(egressRule(rule, false), {kind: 'world', fqdn: 'api.stripe.com'}, a, tcp(443))
    expect(v.allowed).toBe(false)
    expect(v.notes.join('\n')).toMatch(/no DNS rule of this endpoint allows looking it up/)
    const noName = egressOf(egressRule(rule), {kind: 'world', ip: '3.3.3.3'}, a, tcp(443))
    expect(noName.notes.join('\n')).toMatch(/only IPs learned from DNS/)
  })

  it('flags a wildcard written into matchName (upstream §5.4.5) as matching nothing', () => {
    const rule = {toFQDNs: [{matchName: '*.s3.amazonaws.com'}], toPorts: [{ports: [{port: '443', protocol: 'TCP'}]}]}
    const v = egressOf(egressRule(rule), {kind: 'world', fqdn: 'bucket.s3.amazonaws.com'}, a, tcp(443))
    expect(v.allowed).toBe(false)
    expect(v.notes.join('\n')).toMatch(/is literal in Cilium/)
  })

  it('matchPattern wildcards', () => {
    const p = {matchPattern: '*.s3.amazonaws.com'}
    expect(dnsNameMatches(p, 'bucket.s3.amazonaws.com')).toBe(true)
    expect(dnsNameMatches(p, 'BUCKET.s3.amazonaws.com.')).toBe(true)
    expect(dnsNameMatches(p, 's3.amazonaws.com')).toBe(false)
    expect(dnsNameMatches(p, 'a.b.s3.amazonaws.com')).toBe(false)
    expect(dnsNameMatches({matchPattern: '**.cilium.io'}, 'a.b.cilium.io')).toBe(true)
    expect(dnsNameMatches({matchPattern: '**.cilium.io'}, 'cilium.io')).toBe(false)
    expect(dnsNameMatches({matchPattern: 'sub*.cilium.io'}, 'subdomain.cilium.io')).toBe(true)
    expect(dnsNameMatches({matchPattern: '*'}, 'anything.example')).toBe(true)
    // A `*` in matchName is literal (the upstream bug §5.4.5 flags).
    expect(dnsNameMatches({matchName: '*.s3.amazonaws.com'}, 'bucket.s3.amazonaws.com')).toBe(false)
  })
})

describe('toPorts', () => {
  const withPorts = (toPorts: unknown) => [cnp('shop', 'p', {endpointSelector: onlyApp('b'), ingress: [{fromEndpoints: [{}], toPorts}]})]
  const ok = (toPorts: unknown, flow: {port: number; protocol: string}) => ingressTo(withPorts(toPorts), a, b, flow).allowed

  it('protocol ANY/absent covers TCP, UDP and SCTP; a named protocol only itself (case-insensitive)', () => {
    expect(ok([{ports: [{port: '53', protocol: 'ANY'}]}], {port: 53, protocol: 'UDP'})).toBe(true)
    expect(ok([{ports: [{port: '53'}]}], {port: 53, protocol: 'SCTP'})).toBe(true)
    expect(ok([{ports: [{port: '53', protocol: 'TCP'}]}], {port: 53, protocol: 'UDP'})).toBe(false)
    expect(ok([{ports: [{port: '53', protocol: 'udp'}]}], {port: 53, protocol: 'UDP'})).toBe(true)
  })

  it('endPort ranges, port 0, absent or empty toPorts = all ports', () => {
    expect(ok([{ports: [{port: '8000', endPort: 8100, protocol: 'TCP'}]}], tcp(8080))).toBe(true)
    expect(ok([{ports: [{port: '8000', endPort: 8100, protocol: 'TCP'}]}], tcp(8101))).toBe(false)
    expect(ok([{ports: [{port: '0', protocol: 'TCP'}]}], tcp(1234))).toBe(true)
    expect(ok(undefined, tcp(1234))).toBe(true)
    expect(ok([], tcp(1234))).toBe(true)
  })

  it('a named port with unknown container ports is undetermined, and the note says so', () => {
    const v = ingressTo(withPorts([{ports: [{port: 'http', protocol: 'TCP'}]}]), a, b, tcp(8080))
    expect(v.allowed).toBe(false)
    expect(v.undetermined.join('\n')).toMatch(/named port "http" cannot be resolved/)
  })

  it('an ICMP-only rule does not allow TCP', () => {
    const p = [cnp('shop', 'p', {endpointSelector: onlyApp('b'), ingress: [{fromEndpoints: [{}], icmps: [{fields: [{type: 8}]}]}]})]
    expect(ingressTo(p, a).allowed).toBe(false)
  })
})

describe('deny precedence, both directions, reporting', () => {
  it('a matching deny beats any allow and is reported with its index', () => {
    const p = [
      ccnp('allow-all', {endpointSelector: {}, egress: [{toEntities: ['all']}]}),
      cnp('shop', 'deny-external-egress', {endpointSelector: {}, egressDeny: [{toEntities: ['world']}]}),
    ]
    const v = egressOf(p, {kind: 'world', ip: '1.1.1.1'})
    expect(v).toMatchObject({allowed: false, deniedBy: {ref: {name: 'deny-external-egress'}, ruleIndex: 0, section: 'egressDeny'}})
    expect(v.allows).toHaveLength(1)
    expect(egressOf(p, b).allowed).toBe(true)
  })

  it('evaluates the caller egress and the callee ingress independently', () => {
    const p = [
      cnp('shop', 'a-out', {endpointSelector: onlyApp('a'), egress: [{toEndpoints: [onlyApp('b')]}]}),
      cnp('shop', 'b-in', {endpointSelector: onlyApp('b'), ingress: [{fromEndpoints: [onlyApp('c')]}]}),
    ]
    const v = evaluateL4(p, a, b, tcp(80))
    expect(v.egress.allowed).toBe(true)
    expect(v.ingress.allowed).toBe(false)
    expect(v.allowed).toBe(false)
  })

  it('prefers an identity rule over a broad one for allowedBy, and flags broad matches', () => {
    const p = [
      cnp('shop', 'p', {endpointSelector: onlyApp('b'), ingress: [{fromEntities: ['cluster']}, {fromEndpoints: [onlyApp('a')]}]}),
    ]
    const v = ingressTo(p, a)
    expect(v.allowedBy).toMatchObject({ruleIndex: 1, broad: false})
    expect(v.allows.map((m) => m.broad)).toEqual([true, false])
  })

  it('understands the `specs` list form', () => {
    const obj: KubeObject = {apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name: 'multi', namespace: 'shop'}, specs: [{endpointSelector: onlyApp('x')}, {endpointSelector: onlyApp('b'), ingress: [{fromEndpoints: [onlyApp('a')]}]}]}
    expect(ingressTo([obj], a).allowedBy).toMatchObject({ref: {name: 'multi'}, ruleIndex: 0, specIndex: 1})
  })
})
