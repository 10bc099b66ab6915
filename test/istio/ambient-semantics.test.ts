// One test per semantic of Istio ambient authorization, as the engines define it. Each names
// the upstream source it follows:
//   [conv]  istio/istio pilot/pkg/serviceregistry/ambient/authorization.go (+ authorization_test.go)
//   [rbac]  istio/ztunnel src/rbac.rs, src/state.rs assert_rbac (+ tests)
//   [attach] istio/istio pilot/pkg/serviceregistry/ambient/workloads.go (policy selection),
//            pilot/pkg/model/policyattachment.go ShouldAttachPolicy (waypoint targetRefs)
//   [envoy] istio/istio pilot/pkg/security/authz/model/generator.go, trustdomain/bundle.go
//   [it]    istio/istio tests/integration/ambient/baseline_test.go
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {evaluateAuthorization, evaluateIstio, l7Layer, type AuthzRequest, type PolicyTarget} from '../../src/layers/istio/index.js'
import {ap, P, pa, query, seedPair, waypointOf} from './fixtures.js'

const ctx = {trustDomain: 'cluster.local'}
const SEL = {selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}}
const payments: PolicyTarget = {at: 'ztunnel', namespace: 'commerce', podLabels: {'app.kubernetes.io/name': 'payments'}}
const waypoint: PolicyTarget = {
  at: 'waypoint',
  namespace: 'commerce',
  gateway: 'commerce-waypoint',
  gatewayClass: 'istio-waypoint',
  services: [{namespace: 'commerce', name: 'payments'}],
}
const zt = (extra: Partial<AuthzRequest> = {}): AuthzRequest => ({at: 'ztunnel', sourceIdentity: `spiffe://${P.checkout}`, port: 8080, ...extra})
const wp = (extra: Partial<AuthzRequest> = {}): AuthzRequest => ({at: 'waypoint', sourceIdentity: `spiffe://${P.checkout}`, port: 80, ...extra})
const run = (objs: KubeObject[], req: AuthzRequest = zt(), target: PolicyTarget = payments, c: Record<string, unknown> = ctx) =>
  evaluateAuthorization(objs, target, req, c as any)
const meshDeny = ap('istio-system', 'mesh-default-deny', {})
const allowCheckout = ap('commerce', 'allow-checkout', {...SEL, rules: [{from: [{source: {principals: [P.checkout]}}]}]})
const svcRef = {targetRefs: [{group: '', kind: 'Service', name: 'payments'}]}

describe('ztunnel conversion cases (§10.12) [conv] [rbac]', () => {
  it('ALLOW + methods: the rule is dropped at ztunnel ⇒ default deny, naming that ALLOW [conv handleRule: "L7 policies never match for ALLOW"]', () => {
    const p = ap('commerce', 'get-only', {...SEL, rules: [{from: [{source: {principals: [P.checkout]}}], to: [{operation: {methods: ['GET']}}]}]})
    const d = run([meshDeny, p])
    expect(d.verdict).toBe('deny')
    expect(d.decidedBy).toEqual({
      kind: 'default-deny',
      ref: {kind: 'AuthorizationPolicy', namespace: 'commerce', name: 'get-only'},
      droppedHttp: {ruleIndexes: [0], attributes: ['methods'], callerMatched: true},
    })
    // Without the mesh default deny the dropped ALLOW alone still puts payments in default deny.
    expect(run([p]).verdict).toBe('deny')
  })

  it('an ALLOW HTTP rule for another caller is not blamed: the default deny names the rule-less root policy [conv handleRule]', () => {
    const forShop = ap('commerce', 'shop-get', {...SEL, rules: [{from: [{source: {namespaces: ['shop']}}], to: [{operation: {methods: ['GET']}}]}]})
    const d = run([meshDeny, forShop])
    expect(d.decidedBy).toEqual({kind: 'default-deny', ref: {kind: 'AuthorizationPolicy', namespace: 'istio-system', name: 'mesh-default-deny'}})
    expect(d.notes.join()).toMatch(/shop-get: ztunnel dropped rule 0/)
  })

  it('DENY + paths only: no effect at ztunnel [conv "DENY policy with only L7 attributes results in no effect"]', () => {
    const deny = ap('commerce', 'deny-admin', {...SEL, action: 'DENY', rules: [{to: [{operation: {paths: ['/admin']}}]}]})
    const d = run([allowCheckout, deny])
    expect(d).toMatchObject({verdict: 'allow', decidedBy: {kind: 'policy', action: 'ALLOW', ref: {name: 'allow-checkout'}}})
    expect(d.ineffectiveDenies).toEqual([{ref: {kind: 'AuthorizationPolicy', namespace: 'commerce', name: 'deny-admin'}, attributes: ['paths']}])
  })

  it('DENY principals + methods: no effect (the `to` clause is left empty) [conv "L4 From and L7-only To methods is a no-op"]', () => {
    const deny = ap('commerce', 'deny-post', {...SEL, action: 'DENY', rules: [{from: [{source: {principals: [P.checkout]}}], to: [{operation: {methods: ['POST']}}]}]})
    expect(run([allowCheckout, deny]).verdict).toBe('allow')
    expect(run([deny]).decidedBy).toEqual({kind: 'no-policy'})
  })

  it('DENY ports + paths: the numeric ports stay ⇒ enforced on that port for every request (more restrictive) [conv handleRule keeps DestinationPorts]', () => {
    const deny = ap('commerce', 'deny-admin-8080', {...SEL, action: 'DENY', rules: [{to: [{operation: {ports: ['8080'], paths: ['/admin']}}]}]})
    expect(run([allowCheckout, deny]).decidedBy).toMatchObject({kind: 'policy', action: 'DENY', ruleIndex: 0, ignoredHttp: ['paths'], ref: {name: 'deny-admin-8080'}})
    expect(run([allowCheckout, deny], zt({port: 9090})).verdict).toBe('allow')
    // A named port is not a number: stringToPort drops it and the DENY has no effect.
    const named = ap('commerce', 'deny-admin-http', {...SEL, action: 'DENY', rules: [{to: [{operation: {ports: ['http'], paths: ['/admin']}}]}]})
    expect(run([allowCheckout, named]).verdict).toBe('allow')
  })

  it('DENY with an L4 `from` and an HTTP `when`: no effect [conv "L4 From and L7 When is a no-op due to AND empty clause"]', () => {
    const deny = ap('commerce', 'deny-hdr', {action: 'DENY', rules: [{from: [{source: {principals: [P.checkout]}}], when: [{key: 'request.headers[x-token]', values: ['secret']}]}]})
    expect(run([deny]).verdict).toBe('allow')
  })

  it('DENY with notRequestPrincipals next to principals: enforced without the JWT part [conv "mixed L4 and L7 attributes"]', () => {
    const deny = ap('commerce', 'deny-mixed', {action: 'DENY', rules: [{from: [{source: {principals: [P.checkout], notRequestPrincipals: ['*']}}]}]})
    expect(run([deny]).decidedBy).toMatchObject({kind: 'policy', action: 'DENY', ignoredHttp: ['notRequestPrincipals']})
    expect(run([deny], zt({sourceIdentity: P.payments})).verdict).toBe('allow')
  })

  it('DENY `rules: [{}]` next to an L7-only rule still denies everything [conv "empty catch-all rule and L7-only rule is still enforced"]', () => {
    const deny = ap('commerce', 'deny-all', {action: 'DENY', rules: [{}, {to: [{operation: {paths: ['/x']}}]}]})
    expect(run([allowCheckout, deny]).decidedBy).toMatchObject({kind: 'policy', action: 'DENY', ruleIndex: 0})
  })

  it('CUSTOM and AUDIT are ignored by ztunnel [conv "unsupported CUSTOM/AUDIT action"]', () => {
    const custom = ap('commerce', 'ext', {...SEL, action: 'CUSTOM', provider: {name: 'opa'}, rules: [{}]})
    const audit = ap('commerce', 'audit', {...SEL, action: 'AUDIT', rules: [{}]})
    const d = run([custom, audit])
    expect(d).toMatchObject({verdict: 'allow', decidedBy: {kind: 'no-policy'}, applicable: []})
    expect(d.notes.join('\n')).toMatch(/ext has action CUSTOM, which ztunnel does not enforce \(istiod: "ztunnel does not support the CUSTOM action"\)/)
    expect(d.notes.join('\n')).toMatch(/audit has action AUDIT/)
  })

  it('targetRefs policies are waypoint-only: ignored at ztunnel, applied at the waypoint [conv "targetRef is not for ztunnel"] [attach]', () => {
    const deny = ap('commerce', 'deny-svc', {...svcRef, action: 'DENY', rules: [{}]})
    expect(run([deny]).decidedBy).toEqual({kind: 'no-policy'})
    expect(run([deny], wp(), waypoint).decidedBy).toMatchObject({kind: 'policy', action: 'DENY', ref: {name: 'deny-svc'}})
  })

  it('remoteIpBlocks is an HTTP attribute at ztunnel (ALLOW rule dropped); ipBlocks is L4 [conv httpSources]', () => {
    const remote = ap('commerce', 'remote', {...SEL, rules: [{from: [{source: {remoteIpBlocks: ['10.0.0.0/8']}}]}]})
    expect(run([remote], zt({sourceIp: '10.1.1.1'})).decidedBy).toMatchObject({kind: 'default-deny', droppedHttp: {attributes: ['remoteIpBlocks']}})
    const direct = ap('commerce', 'direct', {...SEL, rules: [{from: [{source: {ipBlocks: ['10.0.0.0/8']}}]}]})
    expect(run([direct], zt({sourceIp: '10.1.1.1'})).verdict).toBe('allow')
    expect(run([direct], zt({sourceIp: '192.168.1.1'})).verdict).toBe('deny')
    // At the waypoint both are real: ipBlocks is the direct peer, remoteIpBlocks the original client.
    const wpRemote = ap('commerce', 'remote-wp', {...svcRef, rules: [{from: [{source: {remoteIpBlocks: ['10.0.0.0/8']}}]}]})
    expect(run([wpRemote], wp({sourceIp: '10.1.1.1'}), waypoint).verdict).toBe('allow')
  })
})

describe('policy shapes and defaults [rbac] [conv]', () => {
  it('ALLOW with no rules denies all ("ALLOW exists, nothing matches"); DENY with no rules matches nothing [rbac "empty rules"]', () => {
    expect(run([ap('commerce', 'allow-nothing', {...SEL})]).verdict).toBe('deny')
    expect(run([ap('commerce', 'deny-nothing', {...SEL, action: 'DENY'})]).verdict).toBe('allow')
  })

  it('`rules: [{}]` matches everything: ALLOW allows all, DENY denies all [rbac_empty_policy vec![vec![]]]', () => {
    expect(run([meshDeny, ap('commerce', 'a', {...SEL, rules: [{}]})], zt({sourceIdentity: undefined})).verdict).toBe('allow')
    expect(run([ap('commerce', 'd', {...SEL, action: 'DENY', rules: [{}]})]).verdict).toBe('deny')
  })

  it('`action` defaults to ALLOW [conv switch pol.Action]', () => {
    expect(run([ap('commerce', 'p', {...SEL, rules: [{from: [{source: {principals: [P.payments]}}]}]})]).verdict).toBe('deny')
  })

  it('an empty source/operation (or an unparsable port) is an empty match: the ALLOW rule matches nothing [rbac "empty clause" skip]', () => {
    expect(run([ap('commerce', 'p', {...SEL, rules: [{to: [{operation: {ports: ['http']}}]}]})]).verdict).toBe('deny')
    expect(run([ap('commerce', 'p', {...SEL, rules: [{from: [{source: {}}]}]})]).verdict).toBe('deny')
  })

  it('deny before allow; no ALLOW attached ⇒ allow [rbac state.rs assert_rbac, assert_rbac_logic_deny_allow]', () => {
    const deny = ap('commerce', 'd', {...SEL, action: 'DENY', rules: [{from: [{source: {principals: [P.checkout]}}]}]})
    expect(run([allowCheckout, deny]).decidedBy).toMatchObject({action: 'DENY'})
    expect(run([ap('commerce', 'd2', {...SEL, action: 'DENY', rules: [{from: [{source: {principals: [P.payments]}}]}]})]).decidedBy).toEqual({kind: 'no-policy'})
  })

  it('dry-run policies never decide at ztunnel or at the waypoint [conv dry-run annotation]', () => {
    const dry = (extra: Record<string, unknown>) => ({...ap('commerce', 'dry', {action: 'DENY', rules: [{}], ...extra}), metadata: {name: 'dry', namespace: 'commerce', annotations: {'istio.io/dry-run': 'true'}}})
    expect(run([dry({})]).verdict).toBe('allow')
    expect(run([dry(svcRef)], wp(), waypoint).verdict).toBe('allow')
    expect(run([dry({})]).notes.join()).toMatch(/dry-run/)
  })
})

describe('attachment [attach]', () => {
  it('root-namespace policies apply mesh-wide; the root namespace follows the mesh config (rootNamespace) [conv Scope_GLOBAL]', () => {
    const rootDeny = (ns: string) => ap(ns, 'deny-all', {action: 'DENY', rules: [{}]})
    expect(run([rootDeny('istio-system')]).verdict).toBe('deny')
    expect(run([rootDeny('mesh-root')]).verdict).toBe('allow')
    expect(run([rootDeny('mesh-root')], zt(), payments, {...ctx, rootNamespace: 'mesh-root'}).verdict).toBe('deny')
    expect(run([rootDeny('istio-system')], zt(), payments, {...ctx, rootNamespace: 'mesh-root'}).verdict).toBe('allow')
  })

  it('a selector-less policy applies to every workload of its namespace only [conv Scope_NAMESPACE]', () => {
    expect(run([ap('commerce', 'ns-deny', {action: 'DENY', rules: [{}]})]).verdict).toBe('deny')
    expect(run([ap('shop', 'ns-deny', {action: 'DENY', rules: [{}]})]).verdict).toBe('allow')
  })

  it('`selector: {}` (no matchLabels) is workload-scoped with no labels: istiod attaches it to no workload; `matchLabels: {}` selects all [attach workloads.go GetLabelSelector() != nil]', () => {
    expect(run([ap('commerce', 'empty-sel', {selector: {}, action: 'DENY', rules: [{}]})]).verdict).toBe('allow')
    expect(run([ap('commerce', 'empty-labels', {selector: {matchLabels: {}}, action: 'DENY', rules: [{}]})]).verdict).toBe('deny')
    expect(run([ap('commerce', 'other', {selector: {matchLabels: {app: 'cart'}}, action: 'DENY', rules: [{}]})]).verdict).toBe('allow')
  })

  it('waypoint: targetRefs Service / ServiceEntry (policy namespace), Gateway (by name), GatewayClass istio-waypoint from the root namespace only [attach ShouldAttachPolicy]', () => {
    const deny = (ns: string, ref: Record<string, unknown>) => ap(ns, 'd', {targetRefs: [ref], action: 'DENY', rules: [{}]})
    const at = (p: KubeObject, t: PolicyTarget = waypoint) => run([p], wp(), t).verdict
    expect(at(deny('commerce', {group: '', kind: 'Service', name: 'payments'}))).toBe('deny')
    expect(at(deny('commerce', {group: 'core', kind: 'Service', name: 'payments'}))).toBe('deny')
    expect(at(deny('shop', {group: '', kind: 'Service', name: 'payments'}))).toBe('allow')
    expect(at(deny('commerce', {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'commerce-waypoint'}))).toBe('deny')
    expect(at(deny('commerce', {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'other-waypoint'}))).toBe('allow')
    expect(at(deny('istio-system', {group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint'}))).toBe('deny')
    expect(at(deny('commerce', {group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint'}))).toBe('allow')
    const seTarget: PolicyTarget = {...waypoint, services: [], serviceEntries: [{namespace: 'commerce', name: 'se-auto-1'}]} as PolicyTarget
    expect(at(deny('commerce', {group: 'networking.istio.io', kind: 'ServiceEntry', name: 'se-auto-1'}), seTarget)).toBe('deny')
  })

  it('a Service-bound policy applies only to requests for that Service; a Gateway-bound one to all traffic through the waypoint [attach] [it TestAuthorizationServiceAttached/Gateway]', () => {
    const svcDeny = ap('commerce', 'deny-payments', {...svcRef, action: 'DENY', rules: [{}]})
    const gwDeny = ap('commerce', 'deny-gw', {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'commerce-waypoint'}], action: 'DENY', rules: [{}]})
    const toCart: PolicyTarget = {...waypoint, services: [{namespace: 'commerce', name: 'cart'}]} as PolicyTarget
    expect(run([svcDeny], wp(), toCart).verdict).toBe('allow')
    expect(run([gwDeny], wp(), toCart).verdict).toBe('deny')
  })

  it('selector and selector-less policies never attach to a waypoint [attach "Ignoring workload-scoped … because it has no targetRef"]', () => {
    expect(run([ap('commerce', 'ns-deny', {action: 'DENY', rules: [{}]}), meshDeny], wp(), waypoint).decidedBy).toEqual({kind: 'no-policy'})
  })
})

describe('sources [rbac] [envoy]', () => {
  it('principals `*` = any authenticated peer (plaintext never); prefix and suffix forms [conv stringToMatch, rbac matches_principal]', () => {
    const allow = (principals: string[]) => ap('commerce', 'p', {...SEL, rules: [{from: [{source: {principals}}]}]})
    expect(run([allow(['*'])]).verdict).toBe('allow')
    expect(run([allow(['*'])], zt({sourceIdentity: undefined})).verdict).toBe('deny')
    expect(run([allow(['cluster.local/ns/commerce/*'])]).verdict).toBe('allow')
    expect(run([allow(['*/sa/checkout'])]).verdict).toBe('allow')
    expect(run([allow(['*/sa/cart'])]).verdict).toBe('deny')
    expect(run([allow(['*'])], wp(), waypoint).verdict).toBe('allow') // no such policy at the waypoint
  })

  it('`source.namespace` in `when` and `namespaces` in `from` agree at ztunnel and at the waypoint [conv whenMatch] [envoy srcNamespaceGenerator]', () => {
    for (const [target, req, attach] of [
      [payments, zt(), SEL],
      [waypoint, wp(), svcRef],
    ] as const) {
      const viaFrom = (ns: string) => ap('commerce', 'p', {...attach, rules: [{from: [{source: {namespaces: [ns]}}]}]})
      const viaWhen = (ns: string) => ap('commerce', 'p', {...attach, rules: [{when: [{key: 'source.namespace', values: [ns]}]}]})
      for (const ns of ['commerce', 'comm*', '*', 'shop']) {
        const expected = ns === 'shop' ? 'deny' : 'allow'
        expect(run([viaFrom(ns)], req, target).verdict, `${target.at} namespaces ${ns}`).toBe(expected)
        expect(run([viaWhen(ns)], req, target).verdict, `${target.at} when ${ns}`).toBe(expected)
      }
    }
  })

  it('trust-domain aliases widen policy principals at the waypoint only; ztunnel compares literally [envoy trustdomain.Bundle]', () => {
    const c = {trustDomain: 'new.td', trustDomainAliases: ['old.td']}
    const caller = 'spiffe://new.td/ns/commerce/sa/checkout'
    const atWp = ap('commerce', 'p', {...svcRef, rules: [{from: [{source: {principals: ['old.td/ns/commerce/sa/checkout']}}]}]})
    const atZt = ap('commerce', 'p', {...SEL, rules: [{from: [{source: {principals: ['old.td/ns/commerce/sa/checkout']}}]}]})
    expect(run([atWp], wp({sourceIdentity: caller}), waypoint, c).verdict).toBe('allow')
    expect(run([atZt], zt({sourceIdentity: caller}), payments, c).verdict).toBe('deny')
    const td = ap('commerce', 't', {...svcRef, rules: [{from: [{source: {trustDomains: ['old.td']}}]}]})
    expect(run([td], wp({sourceIdentity: caller}), waypoint, c).verdict).toBe('allow') // ExpandTrustDomainAliases
  })

  it('trustDomains has no ztunnel field: istiod omits it without a status, so a source with only trustDomains never matches at ztunnel; next to principals it is ignored [conv handleRule Source fields]', () => {
    const only = ap('commerce', 'td', {...SEL, rules: [{from: [{source: {trustDomains: ['cluster.local']}}]}]})
    const d = run([only])
    expect(d.verdict).toBe('deny')
    expect(d.notes.join()).toMatch(/uses trustDomains, which istiod does not send to ztunnel/)
    const withPrincipal = ap('commerce', 'td2', {...SEL, rules: [{from: [{source: {principals: [P.checkout], trustDomains: ['other.td']}}]}]})
    expect(run([withPrincipal]).verdict).toBe('allow')
    expect(run([withPrincipal], wp(), waypoint).verdict).toBe('allow') // not attached at the waypoint
    const atWp = ap('commerce', 'td3', {...svcRef, rules: [{from: [{source: {principals: [P.checkout], trustDomains: ['other.td']}}]}]})
    expect(run([atWp], wp(), waypoint).verdict).toBe('deny') // Envoy enforces it
  })

  it('notPrincipals / notNamespaces match plaintext (nothing to exclude) [rbac_test!(not_principals)]', () => {
    const deny = ap('commerce', 'd', {...SEL, action: 'DENY', rules: [{from: [{source: {notNamespaces: ['commerce']}}]}]})
    expect(run([deny], zt({sourceIdentity: undefined})).verdict).toBe('deny')
    expect(run([deny]).verdict).toBe('allow')
  })
})

describe('waypoint HTTP matching [envoy] [it TestAuthorizationL7]', () => {
  // The policy of TestAuthorizationL7, bound to the waypoint Gateway, plus its deny-policy.
  const rules = [
    {to: [{operation: {paths: ['/allowed'], methods: ['GET']}}]},
    {from: [{source: {principals: [P.checkout]}}], to: [{operation: {paths: ['/allowed-identity'], methods: ['GET']}}]},
    {from: [{source: {principals: ['cluster.local/ns/commerce/sa/someone-else']}}], to: [{operation: {paths: ['/denied-identity'], methods: ['GET']}}]},
    {to: [{operation: {methods: ['GET'], paths: ['/allowed-wildcard*']}}]},
    {to: [{operation: {methods: ['GET'], paths: ['/headers']}}], when: [{key: 'request.headers[x-test-header]', values: ['match'], notValues: ['do-not-match']}]},
    {to: [{operation: {methods: ['POST']}}]},
  ]
  const gw = {targetRefs: [{kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'commerce-waypoint'}]}
  const policyWaypoint = ap('commerce', 'policy-waypoint', {...gw, rules})
  const denyWaypoint = ap('commerce', 'deny-policy-waypoint', {...gw, action: 'DENY', rules: [{to: [{operation: {paths: ['/explicit-deny']}}]}]})
  const policyZt = ap('commerce', 'policy', {...SEL, rules})
  const denyZt = ap('commerce', 'deny-policy', {...SEL, action: 'DENY', rules: [{to: [{operation: {paths: ['/explicit-deny']}}]}]})
  const objs = [policyWaypoint, denyWaypoint, policyZt, denyZt]
  const at = (method: string, path: string) => run(objs, wp({method, path}), waypoint).verdict

  it('simple deny / simple allow / identity deny / identity allow / explicit deny / wildcard allow at the waypoint', () => {
    expect(at('GET', '/deny')).toBe('deny')
    expect(at('GET', '/allowed')).toBe('allow')
    expect(at('GET', '/denied-identity')).toBe('deny')
    expect(at('GET', '/allowed-identity')).toBe('allow')
    expect(at('POST', '/explicit-deny')).toBe('deny')
    expect(at('GET', '/allowed-wildcardtest')).toBe('allow')
  })

  it('without a waypoint every case is denied at ztunnel ("Only waypoint proxy can handle L7 policies"): all ALLOW rules dropped, the DENY is a no-op', () => {
    const d = run(objs)
    expect(d.verdict).toBe('deny')
    expect(d.decidedBy).toMatchObject({kind: 'default-deny', ref: {name: 'policy'}, droppedHttp: {ruleIndexes: [0, 1, 3, 4, 5]}})
    expect(d.ineffectiveDenies?.map((x) => x.ref.name)).toEqual(['deny-policy'])
  })

  it('header conditions are unknown to the CLI (no header input): never a silent allow', () => {
    expect(at('GET', '/headers')).toBe('unknown')
  })

  it('notMethods / notPaths / hosts at the waypoint', () => {
    const p = ap('commerce', 'p', {...svcRef, rules: [{to: [{operation: {notMethods: ['DELETE'], notPaths: ['/admin*'], hosts: ['payments.commerce.svc.cluster.local', '*.example.com']}}]}]})
    expect(run([p], wp({method: 'GET', path: '/x', host: 'payments.commerce.svc.cluster.local'}), waypoint).verdict).toBe('allow')
    expect(run([p], wp({method: 'GET', path: '/x', host: 'API.example.com'}), waypoint).verdict).toBe('allow')
    expect(run([p], wp({method: 'DELETE', path: '/x', host: 'a.example.com'}), waypoint).verdict).toBe('deny')
    expect(run([p], wp({method: 'GET', path: '/admin/1', host: 'a.example.com'}), waypoint).verdict).toBe('deny')
  })

  it('ports: the Service port at the waypoint, the target port at ztunnel', () => {
    const wpPorts = ap('commerce', 'p', {...svcRef, rules: [{to: [{operation: {ports: ['80']}}]}]})
    expect(run([wpPorts], wp({port: 80}), waypoint).verdict).toBe('allow')
    expect(run([wpPorts], wp({port: 8080}), waypoint).verdict).toBe('deny')
    const ztPorts = ap('commerce', 'p', {...SEL, rules: [{to: [{operation: {ports: ['8080']}}]}]})
    expect(run([ztPorts], zt({port: 8080})).verdict).toBe('allow')
    expect(run([ztPorts], zt({port: 80})).verdict).toBe('deny')
  })

  it('CUSTOM at the waypoint: the external answer is unknown, so the verdict cannot be allow; a DENY or failing ALLOW still denies [envoy ext_authz before RBAC]', () => {
    const custom = ap('commerce', 'ext', {...svcRef, action: 'CUSTOM', provider: {name: 'opa'}, rules: [{to: [{operation: {paths: ['/api*']}}]}]})
    const allowAll = ap('commerce', 'all', {...svcRef, rules: [{}]})
    expect(run([custom, allowAll], wp({method: 'GET', path: '/api/1'}), waypoint)).toMatchObject({verdict: 'unknown', decidedBy: {action: 'CUSTOM', ref: {name: 'ext'}}})
    expect(run([custom, allowAll], wp({method: 'GET', path: '/other'}), waypoint).verdict).toBe('allow') // CUSTOM rule does not match
    const denyAll = ap('commerce', 'deny', {...svcRef, action: 'DENY', rules: [{}]})
    expect(run([custom, denyAll], wp({method: 'GET', path: '/api/1'}), waypoint).verdict).toBe('deny')
  })
})

describe('PeerAuthentication at ztunnel [conv convertedSelectorPeerAuthentications, convertPeerAuthentication] [it TestPeerAuthentication]', () => {
  const plain: AuthzRequest = {at: 'ztunnel', port: 18080}
  const all = ap('commerce', 'allow-all', {rules: [{}]})
  const wl = (spec: Record<string, unknown>) => pa('commerce', 'local', {selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, ...spec})
  const accepts = (objs: KubeObject[], port = 18080) => evaluateIstio([...objs, all], payments, {...plain, port}, ctx).mtls!.acceptsPlaintext
  const rootStrict = pa('istio-system', 'global-strict', {mtls: {mode: 'STRICT'}})
  const rootPermissive = pa('istio-system', 'global-permissive', {mtls: {mode: 'PERMISSIVE'}})

  it('global-permissive accepts plaintext; global-strict rejects it', () => {
    expect(accepts([rootPermissive])).toBe(true)
    expect(accepts([rootStrict])).toBe(false)
    expect(evaluateIstio([rootStrict, all], payments, plain, ctx).decidedBy).toEqual({kind: 'mtls', ref: {kind: 'PeerAuthentication', namespace: 'istio-system', name: 'global-strict'}})
  })

  it('strict-permissive-ports: workload STRICT with PERMISSIVE ports accepts plaintext on those ports only', () => {
    const p = wl({mtls: {mode: 'STRICT'}, portLevelMtls: {18080: {mode: 'PERMISSIVE'}, 19090: {mode: 'PERMISSIVE'}}})
    expect(accepts([p], 18080)).toBe(true)
    expect(accepts([p], 19090)).toBe(true)
    expect(accepts([p], 8080)).toBe(false)
  })

  it('global-strict-permissive-workload-ports: root STRICT, workload UNSET with PERMISSIVE ports', () => {
    const p = wl({portLevelMtls: {18080: {mode: 'PERMISSIVE'}, 19090: {mode: 'PERMISSIVE'}}})
    expect(accepts([rootStrict, p], 18080)).toBe(true)
    expect(accepts([rootStrict, p], 8080)).toBe(false)
  })

  it('global-permissive-strict-workload-ports: root PERMISSIVE, workload UNSET with STRICT ports', () => {
    const p = wl({portLevelMtls: {18080: {mode: 'STRICT'}}})
    expect(accepts([rootPermissive, p], 18080)).toBe(false)
    expect(accepts([rootPermissive, p], 8080)).toBe(true)
  })

  it('precedence: workload selector > namespace > root; UNSET inherits; a root policy with a selector is ignored', () => {
    const ns = (mode?: string) => pa('commerce', 'ns', mode ? {mtls: {mode}} : {})
    expect(accepts([rootStrict, ns('PERMISSIVE')])).toBe(true)
    expect(accepts([rootStrict, ns()])).toBe(false)
    expect(accepts([rootPermissive, ns('STRICT'), wl({mtls: {mode: 'PERMISSIVE'}})])).toBe(true)
    expect(accepts([rootPermissive, wl({mtls: {mode: 'STRICT'}})])).toBe(false)
    expect(accepts([rootStrict, pa('istio-system', 'sel', {selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, mtls: {mode: 'PERMISSIVE'}})])).toBe(false)
  })

  it('a port DISABLE under an UNSET workload mode does not exempt the port from an inherited STRICT (only PERMISSIVE does in istiod)', () => {
    expect(accepts([rootStrict, wl({portLevelMtls: {18080: {mode: 'DISABLE'}}})])).toBe(false)
    expect(accepts([rootStrict, wl({mtls: {mode: 'STRICT'}, portLevelMtls: {18080: {mode: 'DISABLE'}}})])).toBe(true)
  })

  it('no PeerAuthentication at all: PERMISSIVE (Istio default)', () => {
    expect(accepts([])).toBe(true)
  })
})

describe('the L7 line names the deciding policy and what ztunnel dropped', () => {
  const CHECKOUT = `spiffe://${P.checkout}`
  const pair = () => {
    const {checkout, payments: pay} = seedPair()
    return {q: query(checkout, pay)}
  }
  const base = [meshDeny, pa('istio-system', 'default', {mtls: {mode: 'STRICT'}})]

  it('ALLOW + methods at ztunnel: DENY naming that ALLOW and its dropped HTTP rule', () => {
    const {q} = pair()
    const p = ap('commerce', 'get-only', {...SEL, rules: [{from: [{source: {principals: [P.checkout]}}], to: [{operation: {ports: ['8080'], methods: ['GET']}}]}]})
    const r = l7Layer(q, [...base, p])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe(
      `AuthorizationPolicy commerce/get-only (ALLOW) would allow ${CHECKOUT}, but ztunnel dropped its rule 0 (HTTP attributes: methods); no ALLOW matches on payments port 8080 (default deny)`,
    )
    expect(r.evidence[0]).toMatchObject({kind: 'AuthorizationPolicy', namespace: 'commerce', name: 'get-only', detail: 'rule 0 dropped at ztunnel (HTTP attributes: methods)'})
    expect(r.reasons.join('\n')).toMatch(/enforce this policy at a waypoint/)
  })

  it('DENY + paths only at ztunnel: PASS (traffic flows), with a warning that the DENY has no effect', () => {
    const {q} = pair()
    const allow = ap('commerce', 'allow-to', {...SEL, rules: [{from: [{source: {principals: [P.checkout]}}], to: [{operation: {ports: ['8080']}}]}]})
    const deny = ap('commerce', 'deny-admin', {...SEL, action: 'DENY', rules: [{to: [{operation: {paths: ['/admin']}}]}]})
    const r = l7Layer(q, [...base, allow, deny])
    expect(r.status).toBe('PASS')
    expect(r.summary).toBe(`AuthorizationPolicy allow-to allows ${CHECKOUT} on port 8080`)
    expect(r.warnings.join('\n')).toMatch(/commerce\/deny-admin \(DENY\) has no effect at ztunnel: istiod omits its HTTP attributes \(paths\)/)
  })

  it('DENY ports + paths at ztunnel: DENY, saying the rule was enforced without its HTTP attributes', () => {
    const {q} = pair()
    const allow = ap('commerce', 'allow-to', {...SEL, rules: [{}]})
    const deny = ap('commerce', 'deny-admin', {...SEL, action: 'DENY', rules: [{to: [{operation: {ports: ['8080'], paths: ['/admin']}}]}]})
    expect(l7Layer(q, [...base, allow, deny]).summary).toBe('denied by AuthorizationPolicy commerce/deny-admin rule 0 (enforced at ztunnel without its HTTP attributes: paths)')
  })

  it('CUSTOM at the waypoint: UNKNOWN naming the provider, never PASS', () => {
    const {checkout, payments: pay} = seedPair()
    const q = query(checkout, pay, {waypoint: waypointOf('commerce', true), method: 'GET', path: '/'})
    const objs = [
      ...base,
      ap('commerce', 'allow-wp', {...SEL, rules: [{from: [{source: {principals: ['cluster.local/ns/commerce/sa/commerce-waypoint']}}]}]}),
      ap('commerce', 'ext', {...svcRef, action: 'CUSTOM', provider: {name: 'opa'}, rules: [{}]}),
      ap('commerce', 'allow-all-wp', {...svcRef, rules: [{}]}),
    ]
    const r = l7Layer(q, objs)
    expect(r.status).toBe('UNKNOWN')
    expect(r.summary).toBe('AuthorizationPolicy commerce/ext rule 0 (CUSTOM) sends the request to external authorizer opa; its answer is unknown to the CLI, so L7 cannot pass')
  })
})

describe('waypoint in the path, end to end through the L7 line [it TestAuthorizationWaypointDefaultDeny, TestAuthorizationL4]', () => {
  const {checkout, payments: pay} = seedPair()
  const q = query(checkout, pay, {waypoint: waypointOf('commerce', true)})
  const allowNothing = ap('istio-system', 'allow-nothing', {})
  const allowFromWaypoint = ap('commerce', 'allow-from-waypoint', {action: 'ALLOW', rules: [{from: [{source: {principals: ['cluster.local/ns/commerce/sa/commerce-waypoint']}}]}]})
  const allowNothingWaypoint = ap('istio-system', 'allow-nothing-waypoint', {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint'}]})

  it('allow-nothing: denied (ztunnel does not admit the waypoint identity)', () => {
    expect(l7Layer(q, [allowNothing]).status).toBe('DENY')
  })
  it('workload-allow-from-waypoint: allowed (no waypoint policy; ztunnel admits the waypoint)', () => {
    expect(l7Layer(q, [allowNothing, allowFromWaypoint]).status).not.toBe('DENY')
  })
  it('allow-nothing-waypoint: denied at the waypoint by the GatewayClass policy from the root namespace', () => {
    const r = l7Layer(q, [allowNothing, allowFromWaypoint, allowNothingWaypoint])
    expect(r.status).toBe('DENY')
    expect(r.summary).toMatch(/default deny from AuthorizationPolicy istio-system\/allow-nothing-waypoint/)
  })
  it('TestAuthorizationL4 "allow"/"not allow": the same principals policy bound to the Service (waypoint) and by selector (ztunnel)', () => {
    const spec = (principals: string[]) => ({rules: [{from: [{source: {principals}}]}]})
    const both = (principals: string[]) => [
      pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}),
      ap('commerce', 'policy-waypoint', {...svcRef, ...spec(principals)}),
      ap('commerce', 'policy', {...SEL, ...spec(principals)}),
    ]
    expect(l7Layer(q, both([P.checkout, 'cluster.local/ns/commerce/sa/commerce-waypoint'])).status).toBe('PASS')
    expect(l7Layer(q, both(['cluster.local/ns/something/sa/else'])).status).toBe('DENY')
  })
})
