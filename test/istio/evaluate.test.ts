import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {evaluateAuthorization, evaluateIstio, type AuthzRequest, type PolicyTarget} from '../../src/layers/istio/index.js'
import {ap, P, pa} from './fixtures.js'

const ctx = {trustDomain: 'cluster.local'}
const payments: PolicyTarget = {at: 'ztunnel', namespace: 'commerce', podLabels: {'app.kubernetes.io/name': 'payments'}}
const waypoint: PolicyTarget = {at: 'waypoint', namespace: 'commerce', gateway: 'commerce-waypoint', services: [{namespace: 'commerce', name: 'payments'}]}
const fromCheckout: AuthzRequest = {at: 'ztunnel', sourceIdentity: `spiffe://${P.checkout}`, port: 8080}
const atWaypoint = (extra: Partial<AuthzRequest> = {}): AuthzRequest => ({at: 'waypoint', sourceIdentity: `spiffe://${P.checkout}`, port: 80, ...extra})

const meshDeny = ap('istio-system', 'mesh-default-deny', {})
const allowTo = (principals: string[], ports = ['8080'], extra: Record<string, unknown> = {}) =>
  ap('commerce', 'allow-to-3d68c7ca', {
    selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}},
    action: 'ALLOW',
    rules: [{from: [{source: {principals}}], to: [{operation: {ports}}]}],
    ...extra,
  })
const run = (objs: KubeObject[], req: AuthzRequest = fromCheckout, target: PolicyTarget = payments, c: Record<string, unknown> = ctx) =>
  evaluateAuthorization(objs, target, req, c as any)

describe('evaluateAuthorization: order and defaults', () => {
  it('no policy at all ⇒ allow (Istio default)', () => {
    expect(run([])).toMatchObject({verdict: 'allow', decidedBy: {kind: 'no-policy'}})
  })

  it('`spec: {}` in the root namespace is an ALLOW that matches nothing ⇒ default deny', () => {
    const d = run([meshDeny])
    expect(d.verdict).toBe('deny')
    expect(d.decidedBy).toEqual({kind: 'default-deny', ref: {kind: 'AuthorizationPolicy', namespace: 'istio-system', name: 'mesh-default-deny'}})
  })

  it('an ALLOW rule that matches wins over the default deny and names the rule', () => {
    const d = run([meshDeny, allowTo([P.checkout])])
    expect(d).toMatchObject({allowed: true, decidedBy: {kind: 'policy', action: 'ALLOW', ruleIndex: 0, ref: {name: 'allow-to-3d68c7ca'}}})
    expect(run([meshDeny, allowTo([P.checkout])], {...fromCheckout, port: 9090}).verdict).toBe('deny')
  })

  it('a DENY in the root namespace beats a matching ALLOW (naive principal match would allow)', () => {
    const deny = ap('istio-system', 'deny-checkout', {action: 'DENY', rules: [{from: [{source: {principals: [P.checkout]}}]}]})
    expect(run([meshDeny, allowTo([P.checkout]), deny]).decidedBy).toMatchObject({kind: 'policy', action: 'DENY', ref: {name: 'deny-checkout'}, ruleIndex: 0})
  })

  it('DENY with notPrincipals denies everyone else', () => {
    const deny = ap('commerce', 'only-payments', {action: 'DENY', rules: [{from: [{source: {notPrincipals: [P.payments]}}]}]})
    expect(run([allowTo([P.checkout]), deny]).verdict).toBe('deny')
    expect(run([allowTo([P.checkout]), deny], {...fromCheckout, sourceIdentity: P.payments}).verdict).toBe('deny') // not in allow-to
    expect(run([deny], {...fromCheckout, sourceIdentity: P.payments}).verdict).toBe('allow')
  })

  it('AUDIT never decides; CUSTOM is ignored by ztunnel and unknown at a waypoint', () => {
    const audit = ap('commerce', 'audit', {action: 'AUDIT', rules: [{}]})
    expect(run([audit])).toMatchObject({verdict: 'allow', decidedBy: {kind: 'no-policy'}})
    const custom = ap('commerce', 'ext', {action: 'CUSTOM', provider: {name: 'opa'}, targetRefs: [{group: '', kind: 'Service', name: 'payments'}], rules: [{}]})
    const customZt = ap('commerce', 'ext-zt', {action: 'CUSTOM', provider: {name: 'opa'}, rules: [{}]})
    expect(run([customZt]).verdict).toBe('allow')
    expect(run([customZt]).notes.join()).toMatch(/CUSTOM, which ztunnel does not enforce/)
    expect(run([custom], atWaypoint(), waypoint)).toMatchObject({verdict: 'unknown', decidedBy: {action: 'CUSTOM'}})
  })

  it('`rules: [{}]` matches every request', () => {
    expect(run([meshDeny, ap('commerce', 'all', {rules: [{}]})]).verdict).toBe('allow')
  })
})

describe('evaluateAuthorization: attachment', () => {
  it('namespace policies apply only in their namespace; root ones everywhere (selector included)', () => {
    const otherNs = ap('shop', 'allow-all', {rules: [{}]})
    expect(run([meshDeny, otherNs]).verdict).toBe('deny')
    const rootSelected = ap('istio-system', 'root-sel', {selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, action: 'DENY', rules: [{}]})
    expect(run([rootSelected]).verdict).toBe('deny')
    const rootOther = ap('istio-system', 'root-other', {selector: {matchLabels: {'app.kubernetes.io/name': 'cart'}}, action: 'DENY', rules: [{}]})
    expect(run([rootOther]).verdict).toBe('allow')
  })

  it('targetRefs policies never apply at ztunnel; selector policies never at a waypoint', () => {
    const wpForm = ap('commerce', 'wp', {targetRefs: [{group: '', kind: 'Service', name: 'payments'}], rules: [{}]})
    expect(run([wpForm]).decidedBy).toEqual({kind: 'no-policy'})
    expect(run([allowTo([P.checkout]), meshDeny], atWaypoint(), waypoint).decidedBy).toEqual({kind: 'no-policy'})
    expect(run([wpForm], atWaypoint(), waypoint).verdict).toBe('allow')
  })

  it('matches Service (group "" or core), Gateway and root GatewayClass refs; rejects wrong groups and non-root GatewayClass', () => {
    const denyAll = (ns: string, ref: Record<string, unknown>) => ap(ns, 'x', {action: 'DENY', targetRefs: [ref], rules: [{}]})
    const hit = (p: KubeObject) => run([p], atWaypoint(), waypoint).verdict === 'deny'
    expect(hit(denyAll('commerce', {group: '', kind: 'Service', name: 'payments'}))).toBe(true)
    expect(hit(denyAll('commerce', {kind: 'Service', name: 'payments'}))).toBe(true)
    expect(hit(denyAll('commerce', {group: 'core', kind: 'Service', name: 'payments'}))).toBe(true)
    expect(hit(denyAll('shop', {group: '', kind: 'Service', name: 'payments'}))).toBe(false)
    expect(hit(denyAll('commerce', {group: 'networking.istio.io', kind: 'Service', name: 'payments'}))).toBe(false)
    expect(hit(denyAll('commerce', {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'commerce-waypoint'}))).toBe(true)
    expect(hit(denyAll('commerce', {kind: 'Gateway', name: 'commerce-waypoint'}))).toBe(false)
    expect(hit(denyAll('istio-system', {group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint'}))).toBe(true)
    expect(hit(denyAll('commerce', {group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint'}))).toBe(false)
    expect(hit(denyAll('commerce', {group: 'networking.istio.io', kind: 'ServiceEntry', name: 'se-auto-b3a048a9'}))).toBe(false)
    const seTarget: PolicyTarget = {...waypoint, services: [], serviceEntries: [{namespace: 'commerce', name: 'se-auto-b3a048a9'}]} as PolicyTarget
    expect(run([denyAll('commerce', {group: 'networking.istio.io', kind: 'ServiceEntry', name: 'se-auto-b3a048a9'})], atWaypoint(), seTarget).verdict).toBe('deny')
  })

  it('waypoint-default-deny puts every waypoint into default deny', () => {
    const wdd = ap('istio-system', 'waypoint-default-deny', {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint'}]})
    expect(run([wdd], atWaypoint(), waypoint).decidedBy).toMatchObject({kind: 'default-deny', ref: {name: 'waypoint-default-deny'}})
  })
})

describe('evaluateAuthorization: sources, principals and trust domains', () => {
  it.each([
    ['exact', P.checkout, true],
    ['prefix', 'cluster.local/ns/commerce/*', true],
    ['suffix', '*/sa/checkout', true],
    ['any', '*', true],
    ['other sa', 'cluster.local/ns/commerce/sa/cart', false],
    ['prefix miss', 'cluster.local/ns/shop/*', false],
  ])('principal %s', (_l, principal, allowed) => {
    expect(run([meshDeny, allowTo([principal])]).allowed).toBe(allowed)
  })

  it('plaintext never matches principals (not even `*`) or namespaces, but satisfies not* fields', () => {
    const plain: AuthzRequest = {at: 'ztunnel', port: 8080}
    expect(run([meshDeny, allowTo(['*'])], plain).verdict).toBe('deny')
    expect(run([meshDeny, ap('commerce', 'ns', {rules: [{from: [{source: {namespaces: ['*']}}]}]})], plain).verdict).toBe('deny')
    expect(run([meshDeny, ap('commerce', 'nn', {rules: [{from: [{source: {notNamespaces: ['shop']}}]}]})], plain).verdict).toBe('allow')
  })

  it('namespaces / notNamespaces / serviceAccounts / trustDomains', () => {
    const allow = (source: Record<string, unknown>) => run([meshDeny, ap('commerce', 'p', {rules: [{from: [{source}]}]})]).allowed
    expect(allow({namespaces: ['commerce']})).toBe(true)
    expect(allow({namespaces: ['shop']})).toBe(false)
    expect(allow({notNamespaces: ['commerce']})).toBe(false)
    expect(allow({serviceAccounts: ['checkout']})).toBe(true) // policy namespace
    expect(allow({serviceAccounts: ['shop/checkout']})).toBe(false)
    // istiod has no ztunnel field for trustDomains and omits it silently: the source becomes an
    // empty match, which ztunnel skips (authorization.go handleRule; rbac.rs `mg.is_empty()`).
    expect(allow({trustDomains: ['cluster.local']})).toBe(false)
    const wpTd = ap('commerce', 'td', {targetRefs: [{group: '', kind: 'Service', name: 'payments'}], rules: [{from: [{source: {trustDomains: ['cluster.local']}}]}]})
    expect(run([wpTd], atWaypoint(), waypoint).allowed).toBe(true)
    expect(allow({principals: [P.checkout], namespaces: ['shop']})).toBe(false) // fields AND
  })

  it('reports a trust-domain mismatch instead of a plain miss (ztunnel compares literally)', () => {
    const d = run([meshDeny, allowTo(['lattice.prod.local/ns/commerce/sa/checkout'])])
    expect(d.verdict).toBe('deny')
    expect(d.trustDomainMismatch).toEqual({
      ref: {kind: 'AuthorizationPolicy', namespace: 'commerce', name: 'allow-to-3d68c7ca'},
      ruleIndex: 0,
      principal: 'lattice.prod.local/ns/commerce/sa/checkout',
      policyTrustDomain: 'lattice.prod.local',
      callerTrustDomain: 'cluster.local',
    })
    expect(run([meshDeny, allowTo(['lattice.prod.local/ns/commerce/sa/cart'])]).trustDomainMismatch).toBeUndefined()
  })

  it('at a waypoint, `cluster.local` and aliases stand for the mesh trust domain; ztunnel has no such rewrite', () => {
    const wpAllow = (principal: string) =>
      ap('commerce', 'wp', {targetRefs: [{group: '', kind: 'Service', name: 'payments'}], rules: [{from: [{source: {principals: [principal]}}]}]})
    const caller = 'spiffe://lattice.prod.local/ns/commerce/sa/checkout'
    const tdCtx = {trustDomain: 'lattice.prod.local', trustDomainAliases: ['old.local']}
    expect(run([wpAllow(P.checkout)], atWaypoint({sourceIdentity: caller}), waypoint, tdCtx).allowed).toBe(true)
    expect(run([wpAllow('old.local/ns/commerce/sa/checkout')], atWaypoint({sourceIdentity: caller}), waypoint, tdCtx).allowed).toBe(true)
    expect(run([wpAllow('other.td/ns/commerce/sa/checkout')], atWaypoint({sourceIdentity: caller}), waypoint, tdCtx).allowed).toBe(false)
    const zt = run([allowTo([P.checkout])], {...fromCheckout, sourceIdentity: caller}, payments, tdCtx)
    expect(zt.allowed).toBe(false)
    expect(zt.trustDomainMismatch?.policyTrustDomain).toBe('cluster.local')
  })

  it('ipBlocks are unknown without a source IP, decided with one', () => {
    const p = ap('commerce', 'ips', {rules: [{from: [{source: {ipBlocks: ['10.0.0.0/8']}}]}]})
    expect(run([meshDeny, p])).toMatchObject({verdict: 'unknown', unknownAttributes: ['source.ip']})
    expect(run([meshDeny, p], {...fromCheckout, sourceIp: '10.1.2.3'}).verdict).toBe('allow')
    expect(run([meshDeny, p], {...fromCheckout, sourceIp: '192.168.0.1'}).verdict).toBe('deny')
  })
})

describe('evaluateAuthorization: HTTP attributes at ztunnel vs waypoint', () => {
  const l7Allow = ap('commerce', 'get-only', {
    selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}},
    rules: [{from: [{source: {principals: [P.checkout]}}], to: [{operation: {methods: ['GET']}}]}],
  })

  it('an ALLOW rule with HTTP attributes matches nothing at ztunnel (naive match would allow)', () => {
    const d = run([meshDeny, l7Allow])
    expect(d.verdict).toBe('deny')
    expect(d.notes.join()).toMatch(/ztunnel dropped rule 0 \(HTTP attributes: methods\)/)
    expect(d.decidedBy).toMatchObject({kind: 'default-deny', ref: {name: 'get-only'}, droppedHttp: {ruleIndexes: [0], attributes: ['methods'], callerMatched: true}})
  })

  it('a DENY rule with HTTP attributes is enforced at ztunnel without them', () => {
    const deny = ap('commerce', 'deny-writes', {action: 'DENY', rules: [{from: [{source: {principals: [P.checkout]}}], to: [{operation: {methods: ['POST'], ports: ['8080']}}]}]})
    expect(run([deny]).decidedBy).toMatchObject({kind: 'policy', action: 'DENY', ignoredHttp: ['methods']})
    expect(run([deny], {...fromCheckout, port: 9090}).verdict).toBe('allow') // the L4 part still counts
    expect(run([deny]).notes.join()).toMatch(/enforced at ztunnel without its HTTP attributes \(methods\)/)
    // An HTTP-only `when` becomes an empty clause: the whole rule matches nothing (authorization.go).
    const withWhen = ap('commerce', 'deny-writes', {action: 'DENY', rules: [{from: [{source: {principals: [P.checkout]}}], when: [{key: 'request.headers[x-env]', values: ['qa']}]}]})
    expect(run([withWhen]).decidedBy).toEqual({kind: 'no-policy'})
  })

  it('methods/paths decide at the waypoint when known, else the verdict is unknown', () => {
    const p = ap('commerce', 'wp', {
      targetRefs: [{group: '', kind: 'Service', name: 'payments'}],
      rules: [{from: [{source: {principals: [P.checkout]}}], to: [{operation: {ports: ['80'], methods: ['GET', 'POST'], paths: ['/v1/charges', '/v1/refunds/*', '/v2/{*}/x']}}]}],
    })
    expect(run([p], atWaypoint({method: 'GET', path: '/v1/charges'}), waypoint).verdict).toBe('allow')
    expect(run([p], atWaypoint({method: 'POST', path: '/v1/refunds/42'}), waypoint).verdict).toBe('allow')
    expect(run([p], atWaypoint({method: 'GET', path: '/v2/abc/x'}), waypoint).verdict).toBe('allow')
    expect(run([p], atWaypoint({method: 'DELETE', path: '/v1/charges'}), waypoint).verdict).toBe('deny')
    expect(run([p], atWaypoint({method: 'GET', path: '/v1/other'}), waypoint).verdict).toBe('deny')
    const unknown = run([p], atWaypoint(), waypoint)
    expect(unknown.verdict).toBe('unknown')
    expect(unknown.unknownAttributes.sort()).toEqual(['methods', 'paths'])
  })

  it('evaluates L4 `when` keys; other keys are unknown at a waypoint and make an ALLOW match nothing at ztunnel', () => {
    const when = (w: Record<string, unknown>) => ap('commerce', 'w', {rules: [{when: [w]}]})
    expect(run([meshDeny, when({key: 'source.namespace', values: ['commerce']})]).verdict).toBe('allow')
    expect(run([meshDeny, when({key: 'destination.port', notValues: ['8080']})]).verdict).toBe('deny')
    expect(run([meshDeny, when({key: 'source.principal', values: [P.checkout]})]).verdict).toBe('allow')
    expect(run([meshDeny, when({key: 'request.auth.claims[iss]', values: ['x']})]).verdict).toBe('deny')
    const wpWhen = ap('commerce', 'w', {targetRefs: [{group: '', kind: 'Service', name: 'payments'}], rules: [{when: [{key: 'request.auth.claims[iss]', values: ['x']}]}]})
    expect(run([wpWhen], atWaypoint(), waypoint).verdict).toBe('unknown')
  })
})

describe('evaluateIstio: PeerAuthentication (workload > namespace > root, portLevelMtls)', () => {
  const plain: AuthzRequest = {at: 'ztunnel', port: 8080}
  const wl = (spec: Record<string, unknown>) => pa('commerce', 'wl', {selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, ...spec})
  const mode = (objs: KubeObject[], port = 8080) => evaluateIstio(objs, payments, {...plain, port}, ctx).mtls

  it('defaults to PERMISSIVE without any PeerAuthentication', () => {
    expect(mode([])).toEqual({mode: 'PERMISSIVE', acceptsPlaintext: true, portLevel: false})
  })

  it('mesh STRICT rejects plaintext before any AuthorizationPolicy', () => {
    const d = evaluateIstio([pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}), ap('commerce', 'all', {rules: [{}]})], payments, plain, ctx)
    expect(d).toMatchObject({verdict: 'deny', decidedBy: {kind: 'mtls', ref: {name: 'default', namespace: 'istio-system'}}})
  })

  it('namespace overrides mesh, workload overrides namespace, UNSET inherits', () => {
    const mesh = pa('istio-system', 'default', {mtls: {mode: 'STRICT'}})
    const ns = pa('commerce', 'ns', {mtls: {mode: 'PERMISSIVE'}})
    expect(mode([mesh, ns])?.mode).toBe('PERMISSIVE')
    expect(mode([mesh, ns, wl({mtls: {mode: 'STRICT'}})])?.mode).toBe('STRICT')
    expect(mode([mesh, ns, wl({mtls: {mode: 'UNSET'}})])?.mode).toBe('PERMISSIVE')
    expect(mode([mesh, pa('commerce', 'ns', {})])?.mode).toBe('STRICT')
  })

  it('portLevelMtls applies to the matching target port only', () => {
    const objs = [pa('istio-system', 'default', {mtls: {mode: 'STRICT'}}), wl({mtls: {mode: 'STRICT'}, portLevelMtls: {'9443': {mode: 'PERMISSIVE'}}})]
    expect(mode(objs, 9443)).toMatchObject({mode: 'PERMISSIVE', portLevel: true, ref: {name: 'wl'}})
    expect(mode(objs, 8080)).toMatchObject({mode: 'STRICT', portLevel: false})
  })

  it('ignores selector policies in the root namespace and other workloads; oldest wins per level', () => {
    const mesh = pa('istio-system', 'default', {mtls: {mode: 'STRICT'}})
    const rootSel = pa('istio-system', 'sel', {selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, mtls: {mode: 'PERMISSIVE'}})
    const other = pa('commerce', 'cart', {selector: {matchLabels: {'app.kubernetes.io/name': 'cart'}}, mtls: {mode: 'PERMISSIVE'}})
    expect(mode([mesh, rootSel, other])?.mode).toBe('STRICT')
    const newer = pa('commerce', 'a-newer', {mtls: {mode: 'PERMISSIVE'}}, '2025-02-01T00:00:00Z')
    const older = pa('commerce', 'z-older', {mtls: {mode: 'STRICT'}}, '2025-01-01T00:00:00Z')
    expect(mode([newer, older])).toMatchObject({mode: 'STRICT', ref: {name: 'z-older'}})
  })

  it('DISABLE accepts plaintext (ambient cannot turn HBONE off)', () => {
    expect(mode([wl({mtls: {mode: 'DISABLE'}})])).toMatchObject({mode: 'DISABLE', acceptsPlaintext: true})
  })
})
