// The "can A reach B" cases Istio's own tests assert, replayed against our evaluator. Each test
// names the upstream file and test it mirrors (istio/istio @86c9f01, istio/ztunnel @62d8265):
//   authorization_test.go = pilot/pkg/serviceregistry/ambient/authorization_test.go
//   baseline_test.go      = tests/integration/ambient/baseline_test.go
//   waypoint_test.go      = tests/integration/ambient/waypoint_test.go
//   bundle_test.go        = pilot/pkg/security/trustdomain/bundle_test.go
//   builder.go / model.go = pilot/pkg/security/authz/{builder/builder.go,model/model.go}
// ztunnel's verdict is what istiod sends it (authorization.go) under src/state.rs assert_rbac;
// the waypoint's is Envoy RBAC as pilot/pkg/security/authz builds it.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {evaluateAuthorization, l7Layer, type AuthzRequest, type PolicyTarget} from '../../src/layers/istio/index.js'
import {expandTrustDomains} from '../../src/layers/istio/principals.js'
import {convertForZtunnel} from '../../src/layers/istio/ztunnel.js'
import {ap, P, pa, query, seedPair, waypointOf} from './fixtures.js'

const ctx = {trustDomain: 'cluster.local'}
const LABELS = {'app.kubernetes.io/name': 'payments'}
const SEL = {selector: {matchLabels: LABELS}}
const ztunnel: PolicyTarget = {at: 'ztunnel', namespace: 'commerce', podLabels: LABELS}
const waypoint: PolicyTarget = {
  at: 'waypoint',
  namespace: 'commerce',
  gateway: 'commerce-waypoint',
  gatewayClass: 'istio-waypoint',
  services: [{namespace: 'commerce', name: 'payments'}],
}
const FOO_BAR = 'cluster.local/ns/foo/sa/bar'
const zt = (principal: string | undefined = P.checkout, extra: Partial<AuthzRequest> = {}): AuthzRequest => ({
  at: 'ztunnel',
  ...(principal ? {sourceIdentity: `spiffe://${principal}`} : {}),
  port: 8080,
  ...extra,
})
const wp = (extra: Partial<AuthzRequest> = {}, principal = P.checkout): AuthzRequest => ({at: 'waypoint', sourceIdentity: `spiffe://${principal}`, port: 80, ...extra})
const verdict = (objs: KubeObject[], req: AuthzRequest, target: PolicyTarget = req.at === 'ztunnel' ? ztunnel : waypoint, c: object = ctx) =>
  evaluateAuthorization(objs, target, req, c as any).verdict
const svcRef = (name = 'payments') => ({targetRefs: [{group: '', kind: 'Service', name}]})
const gwRef = {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'commerce-waypoint'}]}
const from = (source: Record<string, unknown>) => ({from: [{source}]})
// Mesh-wide STRICT, as the integration suite runs: otherwise an allowed pair is a WARN (plaintext accepted).
const strict = pa('istio-system', 'default', {mtls: {mode: 'STRICT'}})

describe('authorization_test.go TestConvertAuthorizationPolicyStatus: the verdict each converted policy gives at ztunnel', () => {
  it('"no status - targetRef is not for ztunnel": a singular targetRef policy is waypoint-only', () => {
    const p = ap('commerce', 'svc-only', {targetRef: {kind: 'Service', name: 'payments'}}) // ALLOW, no rules
    expect(verdict([p], zt())).toBe('allow')
    expect(verdict([p], wp())).toBe('deny')
  })
  it('"no status - policy is fine": a named port ("http") is omitted, so the ALLOW rule can never match (ztunnel) and is skipped (waypoint)', () => {
    const p = ap('commerce', 'named-port', {...SEL, rules: [{...from({principals: [P.checkout]}), to: [{operation: {ports: ['http']}}]}]})
    expect(verdict([p], zt())).toBe('deny')
    expect(verdict([ap('commerce', 'named-port', {...gwRef, rules: p.spec!.rules})], wp())).toBe('deny')
  })
  it('"unsupported AUDIT action" / "unsupported CUSTOM action": not sent to ztunnel, so they neither allow nor deny there', () => {
    for (const action of ['AUDIT', 'CUSTOM']) {
      const p = ap('commerce', 'x', {...SEL, action, provider: {name: 'opa'}, rules: [from({principals: [P.checkout]})]})
      expect(verdict([p], zt())).toBe('allow')
      expect(verdict([p, ap('istio-system', 'deny-all', {})], zt())).toBe('deny')
    }
  })
  it('"unsupported HTTP methods": the ALLOW rule (requestPrincipals, methods, when request.auth.presenter) is dropped ⇒ default deny at ztunnel; unknown at the waypoint (JWT)', () => {
    const rules = [{...from({requestPrincipals: ['example.com/sub-1']}), to: [{operation: {methods: ['GET']}}], when: [{key: 'request.auth.presenter', values: ['x']}]}]
    expect(verdict([ap('commerce', 'jwt', {...SEL, rules})], zt())).toBe('deny')
    expect(verdict([ap('commerce', 'jwt', {...gwRef, rules})], wp({method: 'GET'}))).toBe('unknown')
  })
  it('"DENY policy with only L4 attributes": denies that principal, nobody else', () => {
    const p = ap('commerce', 'deny', {...SEL, action: 'DENY', rules: [from({principals: [FOO_BAR]})]})
    expect(verdict([p], zt(FOO_BAR))).toBe('deny')
    expect(verdict([p], zt())).toBe('allow')
  })
  it('"DENY policy with only L7 attributes results in no effect at ztunnel" (notRequestPrincipals): no effect at ztunnel, unknown at the waypoint', () => {
    const rules = [from({notRequestPrincipals: ['example.com/sub-1']})]
    expect(verdict([ap('commerce', 'deny', {...SEL, action: 'DENY', rules})], zt())).toBe('allow')
    expect(verdict([ap('commerce', 'deny', {...gwRef, action: 'DENY', rules})], wp())).toBe('unknown')
  })
  it('"DENY policy with mixed L4 and L7 attributes is enforced without HTTP rules": denies the principal whatever its JWT', () => {
    const p = ap('commerce', 'deny', {...SEL, action: 'DENY', rules: [from({principals: [FOO_BAR], notRequestPrincipals: ['example.com/sub-1']})]})
    expect(verdict([p], zt(FOO_BAR))).toBe('deny')
    expect(verdict([p], zt())).toBe('allow')
  })
  it('"DENY policy with L7-only and separate L4 rule is still enforced": the L4 rule denies', () => {
    const p = ap('commerce', 'deny', {...SEL, action: 'DENY', rules: [from({notRequestPrincipals: ['example.com/sub-1']}), from({principals: [FOO_BAR]})]})
    expect(verdict([p], zt(FOO_BAR))).toBe('deny')
    expect(verdict([p], zt())).toBe('allow')
  })
  it('"DENY policy with empty catch-all rule and L7-only rule is still enforced": everyone is denied', () => {
    const p = ap('commerce', 'deny', {...SEL, action: 'DENY', rules: [from({notRequestPrincipals: ['example.com/sub-1']}), {}]})
    expect(verdict([p], zt())).toBe('deny')
    expect(verdict([p], zt(undefined))).toBe('deny')
  })
  it('"DENY policy with L4 From and L7 When is a no-op due to AND empty clause": ztunnel allows the principal; the waypoint cannot know the header', () => {
    const rules = [{...from({principals: [FOO_BAR]}), when: [{key: 'request.headers[x-token]', values: ['admin']}]}]
    expect(verdict([ap('commerce', 'deny', {...SEL, action: 'DENY', rules})], zt(FOO_BAR))).toBe('allow')
    expect(verdict([ap('commerce', 'deny', {...gwRef, action: 'DENY', rules})], wp({}, FOO_BAR))).toBe('unknown')
    expect(verdict([ap('commerce', 'deny', {...gwRef, action: 'DENY', rules})], wp())).toBe('allow')
  })
  it('"DENY policy with L4 From and L7-only To methods is a no-op due to AND empty clause": ztunnel allows; the waypoint denies the method', () => {
    const rules = [{...from({principals: [FOO_BAR]}), to: [{operation: {methods: ['GET']}}]}]
    expect(verdict([ap('commerce', 'deny', {...SEL, action: 'DENY', rules})], zt(FOO_BAR))).toBe('allow')
    expect(verdict([ap('commerce', 'deny', {...gwRef, action: 'DENY', rules})], wp({method: 'GET'}, FOO_BAR))).toBe('deny')
    expect(verdict([ap('commerce', 'deny', {...gwRef, action: 'DENY', rules})], wp({method: 'POST'}, FOO_BAR))).toBe('allow')
  })
})

describe('baseline_test.go TestAuthorizationL4 (selector policy for ztunnel, Service policy for the waypoint)', () => {
  const {checkout, payments} = seedPair()
  const spec = (principals: string[]) => ({rules: [from({principals})]})
  const objs = (principals: string[]) => [strict, ap('commerce', 'policy-waypoint', {...svcRef(), ...spec(principals)}), ap('commerce', 'policy', {...SEL, ...spec(principals)})]
  it('"allow" without a waypoint: PASS; "not allow": DENY', () => {
    expect(l7Layer(query(checkout, payments), objs([P.checkout])).status).toBe('PASS')
    expect(l7Layer(query(checkout, payments), objs(['cluster.local/ns/something/sa/else'])).status).toBe('DENY')
  })
  it('"allow" with a waypoint needs the waypoint principal too (the destination ztunnel sees the waypoint)', () => {
    const q = query(checkout, payments, {waypoint: waypointOf('commerce', true)})
    expect(l7Layer(q, objs([P.checkout])).status).toBe('DENY')
    expect(l7Layer(q, objs([P.checkout, 'cluster.local/ns/commerce/sa/commerce-waypoint'])).status).toBe('PASS')
  })
  it('overrideCheck "src without proxy → deny": an uncaptured caller has no identity, so a principals ALLOW denies it', () => {
    const q = query(checkout, payments)
    q.source = {...q.source, ambient: false}
    expect(l7Layer(q, objs([P.checkout])).status).toBe('DENY')
  })
})

describe('baseline_test.go TestAuthorizationServiceAttached', () => {
  const deny = ap('commerce', 'policy-waypoint', {...svcRef(), rules: [from({principals: ['cluster.local/ns/something/sa/else']})]})
  it('"principal": "authz target deny" for the attached Service; "non-authz target allow" for another Service on the same waypoint', () => {
    expect(verdict([deny], wp())).toBe('deny')
    expect(verdict([deny], wp(), {...waypoint, services: [{namespace: 'commerce', name: 'ledger'}]})).toBe('allow')
  })
  it('"header": the ALLOW depends on request.headers[x-foo], which the CLI cannot see: never allowed, never denied', () => {
    const header = ap('commerce', 'policy-header-match', {...svcRef(), action: 'ALLOW', rules: [{when: [{key: 'request.headers[x-foo]', values: ['x-bar']}]}]})
    const d = evaluateAuthorization([header], waypoint, wp({method: 'GET', path: '/'}), ctx)
    expect(d.verdict).toBe('unknown')
    expect(d.unknownAttributes).toEqual(['request.headers[x-foo]'])
  })
})

describe('baseline_test.go TestAuthorizationGateway (ingress gateway → workload, ports are workload ports)', () => {
  const ingress = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'
  const policy = ap('commerce', 'policy', {
    ...SEL,
    rules: [
      {...from({principals: [ingress]}), to: [{operation: {ports: ['8080']}}]},
      {...from({principals: ['cluster.local/ns/commerce/sa/someone-else']}), to: [{operation: {ports: ['8090']}}]},
    ],
  })
  it('"simple allow" on the allowed workload port; "simple deny" on the other', () => {
    expect(verdict([policy], zt(ingress, {port: 8080}))).toBe('allow')
    expect(verdict([policy], zt(ingress, {port: 8090}))).toBe('deny')
  })
})

describe('baseline_test.go TestAuthorizationWaypointDefaultDeny', () => {
  const {checkout, payments} = seedPair()
  const q = query(checkout, payments, {waypoint: waypointOf('commerce', true)})
  const allowNothing = ap('istio-system', 'allow-nothing', {})
  const fromWaypoint = ap('commerce', 'allow-from-waypoint', {action: 'ALLOW', rules: [from({principals: ['cluster.local/ns/commerce/sa/commerce-waypoint']})]})
  const allowNothingWaypoint = ap('istio-system', 'allow-nothing-waypoint', {
    targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint'}],
  })
  it('"allow-nothing" DENY, "workload-allow-from-waypoint" not DENY, "allow-nothing-waypoint" DENY', () => {
    expect(l7Layer(q, [allowNothing]).status).toBe('DENY')
    expect(l7Layer(q, [allowNothing, fromWaypoint]).status).not.toBe('DENY')
    expect(l7Layer(q, [allowNothing, fromWaypoint, allowNothingWaypoint]).status).toBe('DENY')
  })
})

describe('baseline_test.go TestAuthorizationL7 (policy + deny-policy on the workload, policy-waypoint + deny-policy-waypoint on the Gateway)', () => {
  const WAYPOINT = 'cluster.local/ns/commerce/sa/commerce-waypoint'
  const rules = [
    {to: [{operation: {paths: ['/allowed'], methods: ['GET']}}]},
    {...from({principals: [P.checkout]}), to: [{operation: {paths: ['/allowed-identity'], methods: ['GET']}}]},
    {...from({principals: ['cluster.local/ns/commerce/sa/someone-else']}), to: [{operation: {paths: ['/denied-identity'], methods: ['GET']}}]},
    {to: [{operation: {methods: ['GET'], paths: ['/allowed-wildcard*']}}]},
    {to: [{operation: {methods: ['GET'], paths: ['/headers']}}], when: [{key: 'request.headers[x-test-header]', values: ['match'], notValues: ['do-not-match']}]},
    {to: [{operation: {methods: ['POST']}}]},
  ]
  const denyRules = [{to: [{operation: {paths: ['/explicit-deny']}}]}]
  const withWaypoint = [
    strict,
    ap('commerce', 'policy', {...SEL, rules: [from({principals: [WAYPOINT]})]}),
    ap('commerce', 'policy-waypoint', {...gwRef, rules}),
    ap('commerce', 'deny-policy', {...SEL, action: 'DENY', rules: denyRules}),
    ap('commerce', 'deny-policy-waypoint', {...gwRef, action: 'DENY', rules: denyRules}),
  ]
  const withoutWaypoint = [ap('commerce', 'policy', {...SEL, rules}), ap('commerce', 'deny-policy', {...SEL, action: 'DENY', rules: denyRules})]
  const {checkout, payments} = seedPair()
  const viaWaypoint = (method: string, path: string) => l7Layer(query(checkout, payments, {waypoint: waypointOf('commerce', true), method, path}), withWaypoint).status
  const direct = (method: string, path: string) => l7Layer(query(checkout, payments, {method, path}), withoutWaypoint).status

  const cases: Array<[string, string, string, 'PASS' | 'DENY' | 'UNKNOWN']> = [
    ['simple deny', 'GET', '/deny', 'DENY'],
    ['simple allow', 'GET', '/allowed', 'PASS'],
    ['identity deny', 'GET', '/denied-identity', 'DENY'],
    ['identity allow', 'GET', '/allowed-identity', 'PASS'],
    ['explicit deny', 'POST', '/explicit-deny', 'DENY'],
    ['wildcard allow', 'GET', '/allowed-wildcardtest', 'PASS'],
    // The header decides; the CLI has no header input, so these can be neither PASS nor DENY.
    ['headers allow', 'GET', '/headers', 'UNKNOWN'],
    ['headers deny', 'GET', '/headers', 'UNKNOWN'],
  ]
  for (const [name, method, path, status] of cases) {
    it(`"${name}" through the waypoint: ${status}`, () => expect(viaWaypoint(method, path)).toBe(status))
  }
  it('every case without a waypoint is DENY ("Only waypoint proxy can handle L7 policies")', () => {
    for (const [, method, path] of cases) expect(direct(method, path)).toBe('DENY')
  })
  it('the request path is matched without its query string and after dot-segment normalization (Envoy PathMatcher, normalize_path)', () => {
    expect(viaWaypoint('GET', '/allowed?debug=1')).toBe('PASS')
    expect(viaWaypoint('POST', '/explicit-deny?x=1')).toBe('DENY')
    expect(viaWaypoint('POST', '/public/../explicit-deny')).toBe('DENY')
    expect(viaWaypoint('POST', '/./explicit-deny#top')).toBe('DENY')
    // RFC 3986 normalization decodes unreserved characters first: %2e%2e is `..`, %65 is `e`.
    expect(viaWaypoint('POST', '/x/%2e%2e/%65xplicit-deny')).toBe('DENY')
  })
})

describe('baseline_test.go TestL7JWT (waypoint-jwt.yaml.tmpl: requestPrincipals OR paths /healthz)', () => {
  const jwt = ap('commerce', 'authz-gateway', {
    ...gwRef,
    rules: [{from: [{source: {requestPrincipals: ['test-issuer-1@istio.io/sub-1']}}, {source: {requestPrincipals: ['test-issuer-3@istio.io/sub-1']}}]}, {to: [{operation: {paths: ['/healthz']}}]}],
  })
  it('"allow healthz": allowed whatever the token; any other path depends on the token: unknown, never allowed', () => {
    expect(verdict([jwt], wp({method: 'GET', path: '/healthz'}))).toBe('allow')
    const d = evaluateAuthorization([jwt], waypoint, wp({method: 'GET', path: '/'}), ctx)
    expect(d.verdict).toBe('unknown')
    expect(d.unknownAttributes).toContain('requestPrincipals')
  })
})

describe('waypoint_test.go', () => {
  it('TestWaypointAsEgressGateway "authz on service allow": ServiceEntry-bound ALLOW methods GET: POST 403, GET OK', () => {
    const onlyGet = ap('commerce', 'only-get', {targetRefs: [{kind: 'ServiceEntry', group: 'networking.istio.io', name: 'external'}], action: 'ALLOW', rules: [{to: [{operation: {methods: ['GET']}}]}]})
    const egress: PolicyTarget = {...waypoint, services: [], serviceEntries: [{namespace: 'commerce', name: 'external'}]}
    expect(verdict([onlyGet], wp({method: 'POST', path: '/'}), egress)).toBe('deny')
    expect(verdict([onlyGet], wp({method: 'GET', path: '/'}), egress)).toBe('allow')
  })
  it('TestIngressToWaypoint: a rule-less Gateway-bound policy (deny-all-waypoint) denies what crosses the waypoint', () => {
    const denyAll = ap('commerce', 'deny-all-waypoint', gwRef)
    expect(verdict([denyAll], wp({method: 'GET', path: '/'}, 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'))).toBe('deny')
    // …and is never applied by ztunnel (TestIngressToWaypoint "sidecar-service": bypassing the waypoint succeeds).
    expect(verdict([denyAll], zt())).toBe('allow')
  })
})

describe('waypoint RBAC as builder.go builds it (where an ALLOW and a DENY differ)', () => {
  it('an ALLOW rule with a value istiod cannot convert (port "http", IP "10.0.0.0/33") is skipped whole: never allows (rule.checkError)', () => {
    const allow = (op: Record<string, unknown>, src: Record<string, unknown> = {}) =>
      ap('commerce', 'allow', {...gwRef, rules: [{...(Object.keys(src).length ? from(src) : {}), to: [{operation: op}]}]})
    expect(verdict([allow({ports: ['80']})], wp())).toBe('allow')
    expect(verdict([allow({ports: ['080']})], wp())).toBe('allow') // convertToPort: a number, not a string
    expect(verdict([ap('commerce', 'allow', {...gwRef, rules: [{when: [{key: 'destination.port', values: ['080']}]}]})], wp())).toBe('allow')
    expect(verdict([allow({ports: ['80', 'http']})], wp())).toBe('deny')
    expect(verdict([allow({ports: ['80']}, {ipBlocks: ['10.0.0.0/33', '10.0.0.0/8']})], wp({sourceIp: '10.1.1.1'}))).toBe('deny')
    const d = evaluateAuthorization([allow({ports: ['80', 'http']})], waypoint, wp(), ctx)
    expect(d.notes.join('\n')).toMatch(/rule 0 is left out of the waypoint's RBAC by istiod \(invalid value ports "http"\)/)
  })
  it('a DENY rule drops just that value: `ports: ["http"]` alone leaves a rule that denies every port (a wider deny)', () => {
    const deny = (ports: string[]) => ap('commerce', 'deny', {...gwRef, action: 'DENY', rules: [{to: [{operation: {ports}}]}]})
    expect(verdict([deny(['http'])], wp())).toBe('deny')
    expect(verdict([deny(['8080', 'http'])], wp())).toBe('allow')
    expect(verdict([deny(['8080', 'http'])], wp({port: 8080}))).toBe('deny')
  })
  it('a `when` key model.go does not know fails the rule for every action (skipped: the ALLOW allows nothing, the DENY denies nothing)', () => {
    const rule = {when: [{key: 'request.regex.headers[x]', values: ['y']}]}
    expect(verdict([ap('commerce', 'allow', {...gwRef, rules: [rule]})], wp())).toBe('deny')
    expect(verdict([ap('commerce', 'deny', {...gwRef, action: 'DENY', rules: [rule]})], wp())).toBe('allow')
  })
  it('`when` source.serviceAccount / source.trustDomain / source.principal are peer attributes the CLI knows', () => {
    const allowWhen = (key: string, values: string[]) => ap('commerce', 'allow', {...gwRef, rules: [{when: [{key, values}]}]})
    expect(verdict([allowWhen('source.serviceAccount', ['checkout'])], wp())).toBe('allow')
    expect(verdict([allowWhen('source.serviceAccount', ['commerce/ledger'])], wp())).toBe('deny')
    expect(verdict([allowWhen('source.trustDomain', ['cluster.local'])], wp())).toBe('allow')
    expect(verdict([allowWhen('source.trustDomain', ['other.td'])], wp())).toBe('deny')
    // source.principal gets the same trust-domain rewrite as `principals` (MigrateTrustDomain).
    const aliasCtx = {trustDomain: 'new.td', trustDomainAliases: ['cluster.local']}
    expect(verdict([allowWhen('source.principal', [P.checkout])], wp({}, 'new.td/ns/commerce/sa/checkout'), waypoint, aliasCtx)).toBe('allow')
  })
  it('IPv6 ipBlocks are CIDR-matched (ztunnel IpNet, Envoy CidrRange)', () => {
    const deny = ap('commerce', 'deny', {...SEL, action: 'DENY', rules: [from({ipBlocks: ['fd00:10::/32']})]})
    expect(verdict([deny], zt(P.checkout, {sourceIp: 'fd00:10::7'}))).toBe('deny')
    expect(verdict([deny], zt(P.checkout, {sourceIp: 'fd00:11::7'}))).toBe('allow')
    expect(verdict([deny], zt(P.checkout, {sourceIp: '10.0.0.7'}))).toBe('allow')
  })
  it('a principal written with spiffe:// never matches (ztunnel strips the peer prefix; the waypoint adds it): explained, not called a trust-domain mismatch', () => {
    const allow = ap('commerce', 'allow', {...SEL, rules: [from({principals: [`spiffe://${P.checkout}`]})]})
    const d = evaluateAuthorization([allow], ztunnel, zt(), ctx)
    expect(d.verdict).toBe('deny')
    expect(d.trustDomainMismatch).toBeUndefined()
    expect(d.notes.join('\n')).toMatch(/principal spiffe:\/\/cluster.local\/ns\/commerce\/sa\/checkout starts with spiffe:\/\/; .* never matches/)
    expect(verdict([ap('commerce', 'allow', {...gwRef, rules: allow.spec!.rules})], wp())).toBe('deny')
  })
})

describe('bundle_test.go TestReplaceTrustDomainAliases (the waypoint principal rewrite)', () => {
  const cases: Array<[string, string, string[], string[], string[]]> = [
    ['No trust domain aliases (no change in trust domain)', 'cluster.local', [], ['cluster.local/ns/foo/sa/bar'], ['cluster.local/ns/foo/sa/bar']],
    ['Principal with *', 'cluster.local', [], ['*'], ['*']],
    ['Principal with * prefix', 'cluster.local', [], ['*/ns/foo/sa/bar'], ['*/ns/foo/sa/bar']],
    ['One trust domain alias, one principal', 'td2', ['td1'], ['td1/ns/foo/sa/bar'], ['td2/ns/foo/sa/bar', 'td1/ns/foo/sa/bar']],
    ['One trust domain alias, principals with * as-is', 'td1', ['cluster.local'], ['*/ns/foo/sa/bar', '*sa/zzz', '*'], ['*/ns/foo/sa/bar', '*sa/zzz', '*']],
    [
      'Two trust domain aliases, two principals',
      'td2',
      ['td1', 'cluster.local'],
      ['cluster.local/ns/foo/sa/bar', 'td1/ns/yyy/sa/zzz'],
      ['td2/ns/foo/sa/bar', 'td1/ns/foo/sa/bar', 'cluster.local/ns/foo/sa/bar', 'td2/ns/yyy/sa/zzz', 'td1/ns/yyy/sa/zzz', 'cluster.local/ns/yyy/sa/zzz'],
    ],
    ['Two trust domain aliases with * prefix in trust domain', 'td2', ['foo-td1', 'cluster.local'], ['*-td1/ns/foo/sa/bar'], ['td2/ns/foo/sa/bar', '*-td1/ns/foo/sa/bar', 'cluster.local/ns/foo/sa/bar']],
    ['Principals not match any trust domains', 'td1', ['td2'], ['some-td/ns/foo/sa/bar'], ['some-td/ns/foo/sa/bar']],
    ['Principals match one alias', 'td1', ['td2', 'some-td'], ['some-td/ns/foo/sa/bar'], ['td1/ns/foo/sa/bar', 'td2/ns/foo/sa/bar', 'some-td/ns/foo/sa/bar']],
    ['Trust domain is empty string', 'new-td', ['td2', 'td3'], ['/ns/some-ns/sa/some-sa'], ['/ns/some-ns/sa/some-sa']],
    ['No duplicated principals for prefix', 'new-td', ['old-td'], ['*-td/ns/some-ns/sa/some-sa'], ['*-td/ns/some-ns/sa/some-sa']],
    ['spiffe:// prefix is not a principal shape (TestReplaceTrustDomainInPrincipal)', 'td1', ['cluster.local'], ['spiffe://cluster.local/ns/foo/sa/bar'], ['spiffe://cluster.local/ns/foo/sa/bar']],
  ]
  for (const [name, td, aliases, principals, expected] of cases) {
    it(name, () => expect(principals.flatMap((p) => expandTrustDomains(p, td, aliases))).toEqual(expected))
  }
  it('the rewrite decides at the waypoint only: a `*-td1` principal admits the mesh trust domain there, never at ztunnel', () => {
    const c = {trustDomain: 'td2', trustDomainAliases: ['foo-td1']}
    const rules = [from({principals: ['*-td1/ns/commerce/sa/checkout']})]
    expect(verdict([ap('commerce', 'allow', {...gwRef, rules})], wp({}, 'td2/ns/commerce/sa/checkout'), waypoint, c)).toBe('allow')
    expect(verdict([ap('commerce', 'allow', {...SEL, rules})], zt('td2/ns/commerce/sa/checkout'), ztunnel, c)).toBe('deny')
  })
})

describe('PeerAuthentication before authorization (baseline_test.go TestPeerAuthentication, overrideCheck for uncaptured callers)', () => {
  it('mesh STRICT: an uncaptured caller is refused even where an ALLOW with only ports would admit plaintext', () => {
    const {checkout, payments} = seedPair()
    const q = query(checkout, payments)
    q.source = {...q.source, ambient: false}
    const allowPorts = ap('commerce', 'allow-ports', {...SEL, rules: [{to: [{operation: {ports: ['8080']}}]}]})
    expect(l7Layer({...q, port: {...q.port!, targetPort: 8080}}, [allowPorts]).status).not.toBe('DENY')
    expect(l7Layer({...q, port: {...q.port!, targetPort: 8080}}, [allowPorts, pa('istio-system', 'default', {mtls: {mode: 'STRICT'}})]).status).toBe('DENY')
  })
})

describe('the waypoint applies the policies of the Service the request is for (TestAuthorizationServiceAttached, builder.go CUSTOM dry-run)', () => {
  const {checkout, payments} = seedPair()
  const q = query(checkout, payments, {waypoint: waypointOf('commerce', true), method: 'GET', path: '/'})
  const service = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name, namespace: 'commerce'},
    spec: {selector: {...LABELS}, ports: [{port: 80}]},
  })
  const fromWaypoint = ap('commerce', 'allow-waypoint', {...SEL, rules: [from({principals: ['cluster.local/ns/commerce/sa/commerce-waypoint']})]})
  it('two Services select the pods: the other Service\'s ALLOW does not admit a caller of payments', () => {
    const onlyLedger = ap('commerce', 'only-ledger', {...svcRef('payments'), rules: [from({principals: ['cluster.local/ns/commerce/sa/ledger']})]})
    const openAdmin = ap('commerce', 'open-admin', {...svcRef('payments-admin'), rules: [{}]})
    const objs = [strict, service('payments'), service('payments-admin'), onlyLedger, openAdmin, fromWaypoint]
    expect(l7Layer(q, objs).status).toBe('DENY')
  })
  it('a dry-run CUSTOM policy still reaches the external authorizer at the waypoint: UNKNOWN, not PASS', () => {
    const ext: KubeObject = {
      ...ap('commerce', 'ext', {...gwRef, action: 'CUSTOM', provider: {name: 'opa'}, rules: [{to: [{operation: {paths: ['/']}}]}]}),
      metadata: {name: 'ext', namespace: 'commerce', annotations: {'istio.io/dry-run': 'true'}},
    }
    const open = ap('commerce', 'wp-open', {...gwRef, rules: [{}]})
    expect(l7Layer(q, [strict, fromWaypoint, open]).status).toBe('PASS')
    const r = l7Layer(q, [strict, fromWaypoint, open, ext])
    expect(r.status).toBe('UNKNOWN')
    expect(r.reasons.join('\n')).toMatch(/CUSTOM and dry-run/)
    // A dry-run DENY stays a shadow rule.
    const dryDeny: KubeObject = {...ap('commerce', 'dry-deny', {...gwRef, action: 'DENY', rules: [{}]}), metadata: {name: 'dry-deny', namespace: 'commerce', annotations: {'istio.io/dry-run': 'true'}}}
    expect(l7Layer(q, [strict, fromWaypoint, open, dryDeny]).status).toBe('PASS')
  })
})

describe('a waypoint serving a TCP Service port builds its RBAC for TCP (builder.go BuildTCP, generator.go "is HTTP only")', () => {
  const tcp = wp({method: 'GET', path: '/health', protocol: 'tcp'})
  it('an ALLOW rule with HTTP attributes is skipped: it never allows, even for a matching method and path', () => {
    const allow = ap('commerce', 'allow', {...gwRef, rules: [{...from({principals: [P.checkout]}), to: [{operation: {methods: ['GET']}}]}]})
    expect(verdict([allow], wp({method: 'GET'}))).toBe('allow')
    expect(verdict([allow], tcp)).toBe('deny')
    expect(verdict([ap('commerce', 'allow', {...gwRef, rules: [from({principals: [P.checkout]})]})], tcp)).toBe('allow')
  })
  it('a DENY rule loses its HTTP attributes and matches more widely: `paths` alone denies every connection', () => {
    const deny = ap('commerce', 'deny', {...gwRef, action: 'DENY', rules: [{to: [{operation: {paths: ['/admin']}}]}]})
    expect(verdict([deny], wp({method: 'GET', path: '/health'}))).toBe('allow')
    expect(verdict([deny], tcp)).toBe('deny')
    const jwt = ap('commerce', 'deny', {...gwRef, action: 'DENY', rules: [{...from({notRequestPrincipals: ['*']}), when: [{key: 'request.headers[x]', values: ['y']}]}]})
    expect(verdict([jwt], tcp)).toBe('deny')
  })
  it('the L7 line reads the protocol from the Service port (appProtocol, else the name prefix; ConvertProtocol)', () => {
    const {checkout, payments} = seedPair()
    const q = query(checkout, payments, {waypoint: waypointOf('commerce', true), method: 'GET', path: '/'})
    const svc = (port: Record<string, unknown>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name: 'payments', namespace: 'commerce'},
      spec: {selector: {...LABELS}, ports: [{port: q.port!.servicePort, ...port}]},
    })
    const objs = [
      strict,
      ap('commerce', 'allow-waypoint', {...SEL, rules: [from({principals: ['cluster.local/ns/commerce/sa/commerce-waypoint']})]}),
      ap('commerce', 'get-only', {...gwRef, rules: [{to: [{operation: {methods: ['GET']}}]}]}),
    ]
    expect(l7Layer(q, [...objs, svc({name: 'http-api'})]).status).toBe('PASS')
    expect(l7Layer(q, [...objs, svc({name: 'tcp-api'})]).status).toBe('DENY')
    expect(l7Layer(q, [...objs, svc({name: 'http-api', appProtocol: 'tls'})]).status).toBe('DENY')
    expect(l7Layer(q, [...objs, svc({name: 'api'})]).status).toBe('PASS') // sniffed: HTTP when the client speaks HTTP
  })
})

describe('policyattachment.go ShouldAttachPolicy (waypoint targetRefs)', () => {
  it('the root-namespace GatewayClass istio-waypoint policy attaches to every waypoint proxy, whatever its own class', () => {
    const p = ap('istio-system', 'all-waypoints', {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint'}]})
    expect(verdict([p], wp(), {...waypoint, gatewayClass: 'custom-waypoint-class'})).toBe('deny')
    expect(verdict([ap('commerce', 'not-root', p.spec!)], wp())).toBe('allow')
  })
  it('a Service ref attaches by name in the policy namespace (its `namespace` field is not compared); a Gateway ref to another namespace never attaches', () => {
    const svc = ap('commerce', 'svc', {targetRefs: [{group: '', kind: 'Service', name: 'payments', namespace: 'commerce'}]})
    expect(verdict([svc], wp())).toBe('deny')
    const gw = ap('commerce', 'gw', {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'commerce-waypoint', namespace: 'other'}]})
    expect(verdict([gw], wp())).toBe('allow')
  })
})

describe('ambientindex_test.go TestRBACConvert (testdata allow-groups, deny-groups, allow-full): what ztunnel receives, and its verdict', () => {
  const rules = [
    {from: [{source: {principals: ['from-mix-principal'], requestPrincipals: ['from-mix-requestPrincipals'], namespaces: ['from-mix-ns']}}], to: [{operation: {ports: ['80']}}]},
    {from: [{source: {principals: ['to-mix-principal'], namespaces: ['to-mix-ns']}}], to: [{operation: {ports: ['80'], methods: ['to-mix-method']}}]},
    {from: [{source: {principals: ['only-l4-principals'], namespaces: ['only-l4-ns']}}], to: [{operation: {ports: ['80']}}]},
    {from: [{source: {requestPrincipals: ['l7-principal']}}], to: [{operation: {paths: ['/l7-foo'], methods: ['l7-method']}}]},
    {when: [{key: 'source.namespace', values: ['when-l4-l7-ns']}, {key: 'connection.sni', values: ['when-l4-l7-sni']}]},
    {when: [{key: 'source.namespace', values: ['when-l4-ns']}, {key: 'source.ip', values: ['10.10.10.10'], notValues: ['20.20.20.20']}]},
    {when: [{key: 'connection.sni', values: ['when-l7-sni']}, {key: 'request.headers[X-header]', values: ['when-l7-header']}]},
  ]
  const conn = (ns: string, sourceIp = '10.10.10.10', port = 80): AuthzRequest => ({at: 'ztunnel', sourceIdentity: `spiffe://cluster.local/ns/${ns}/sa/x`, sourceIp, port})
  it('allow-groups: only the L4-only rules reach ztunnel (connection.sni counts as HTTP)', () => {
    const c = convertForZtunnel({metadata: {namespace: 'cfg'}, spec: {rules}}, 'istio-system')
    expect(c.groupRule).toEqual([2, 5])
    expect(c.httpAttributes).toEqual(['connection.sni', 'methods', 'paths', 'request.headers[X-header]', 'requestPrincipals'])
    const allow = ap('commerce', 'groups', {rules})
    expect(verdict([allow], conn('when-l4-ns'))).toBe('allow')
    expect(verdict([allow], conn('when-l4-l7-ns'))).toBe('deny') // its rule had connection.sni: dropped
    expect(verdict([allow], conn('to-mix-ns'))).toBe('deny')
  })
  it('deny-groups: every rule is kept without its HTTP parts; a rule left with an empty clause never denies', () => {
    const c = convertForZtunnel({metadata: {namespace: 'cfg'}, spec: {action: 'DENY', rules}}, 'istio-system')
    expect(c.groupRule).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(c.effective).toBe(true)
    const deny = ap('commerce', 'groups-deny', {action: 'DENY', rules})
    expect(verdict([deny], conn('when-l4-ns'))).toBe('deny')
    expect(verdict([deny], conn('when-l4-ns', '20.20.20.20'))).toBe('allow')
    expect(verdict([deny], conn('when-l4-l7-ns'))).toBe('allow') // the connection.sni clause is empty: no effect
  })
  it('allow-full: ten of the twenty-three rules reach ztunnel (principals, serviceAccounts, namespaces, ipBlocks, ports, source.ip, source.namespace, source.principal, destination.ip, destination.port)', () => {
    const full = [
      {from: [{source: {principals: ['principal']}}]},
      {from: [{source: {serviceAccounts: ['ns/sa', 'sa-only']}}]},
      {from: [{source: {requestPrincipals: ['r']}}]},
      {from: [{source: {namespaces: ['ns']}}]},
      {from: [{source: {ipBlocks: ['1.2.3.4']}}]},
      {from: [{source: {remoteIpBlocks: ['1.2.3.4']}}]},
      {to: [{operation: {methods: ['GET']}}]},
      {to: [{operation: {hosts: ['exact.com']}}]},
      {to: [{operation: {ports: ['80', '90'], notPorts: ['800', '900']}}]},
      {to: [{operation: {paths: ['/exact']}}]},
      ...['request.headers[X-header]', 'source.ip', 'remote.ip', 'source.namespace', 'source.principal', 'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter', 'request.auth.claims[iss]'].map((key) => ({
        when: [{key, values: [key.includes('ip') ? '10.10.10.10' : 'x']}],
      })),
      {when: [{key: 'destination.ip', values: ['10.10.10.10']}]},
      {when: [{key: 'destination.port', values: ['91', '92']}]},
      {when: [{key: 'connection.sni', values: ['exact.com']}]},
      {when: [{key: 'experimental.envoy.filters.a.b[c]', values: ['exact']}]},
    ]
    const c = convertForZtunnel({metadata: {namespace: 'cfg'}, spec: {action: 'ALLOW', rules: full}}, 'istio-system')
    expect(c.groupRule).toEqual([0, 1, 3, 4, 8, 11, 13, 14, 19, 20])
    expect(c.groups[1][0][0].serviceAccounts).toEqual([
      {namespace: 'ns', serviceAccount: 'sa'},
      {namespace: 'cfg', serviceAccount: 'sa-only'},
    ])
  })
})

describe('ztunnel src/state.rs assert_rbac_logic_deny_allow, ambientindex_test.go TestAuthorizationPolicyRevisionFiltering', () => {
  const allow = ap('commerce', 'foo', {rules: [from({principals: ['cluster.local/ns/default/sa/defaultacct']})]})
  const deny = ap('commerce', 'deny', {action: 'DENY', rules: [from({principals: ['cluster.local/ns/default/sa/denyacct']})]})
  const dry = (action: string): KubeObject => ({...ap('commerce', `wildcard-${action}`, {action, rules: [{}]}), metadata: {name: `wildcard-${action}`, namespace: 'commerce', annotations: {'istio.io/dry-run': 'true'}}})
  const objs = [dry('ALLOW'), dry('DENY'), allow, deny]
  it('no policy in the namespace allows; a matching ALLOW allows; no matching ALLOW denies; a matching DENY denies; dry-run has no effect', () => {
    expect(verdict(objs, zt('cluster.local/ns/default/sa/not-defaultacct'), {...ztunnel, namespace: 'other'})).toBe('allow')
    expect(verdict(objs, zt('cluster.local/ns/default/sa/defaultacct'))).toBe('allow')
    expect(verdict(objs, zt('cluster.local/ns/default/sa/not-defaultacct'))).toBe('deny')
    const d = evaluateAuthorization(objs, ztunnel, zt('cluster.local/ns/default/sa/denyacct'), ctx)
    expect(d.decidedBy).toMatchObject({kind: 'policy', action: 'DENY', ref: {name: 'deny'}})
  })
  it('a policy labelled istio.io/rev is evaluated, with a note that only that revision of istiod applies it', () => {
    const rev = {...deny, metadata: {...deny.metadata, labels: {'istio.io/rev': 'canary'}}}
    expect(evaluateAuthorization([rev], ztunnel, zt(), ctx).notes.join('\n')).toMatch(/istio.io\/rev=canary: only an istiod of that revision applies it/)
  })
})
