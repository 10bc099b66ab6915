// The two engine steps behind the L7 line at ztunnel, tested against the engines' own tests:
// - istio/istio pilot/pkg/serviceregistry/ambient/authorization_test.go
//   TestConvertAuthorizationPolicyStatus (every case, same status message and hasEffectiveRules)
// - istio/ztunnel src/rbac.rs `mod tests` (rbac_empty_policy, rbac_nesting, the rbac_test! field
//   tables with plaintext_conn / tls_conn / tls_conn_alt).
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {
  convertAuthorizationPolicy,
  convertForZtunnel,
  emptyMatch,
  hasEffectiveRules,
  ztunnelMatches,
  type ZConnection,
  type ZMatch,
} from '../../src/layers/istio/ztunnel.js'

const rootns = 'istio-system'
const policy = (spec: Record<string, unknown>, ns = 'ns1', annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: {name: 'pol', namespace: ns, ...(annotations ? {annotations} : {})},
  spec,
})

const HTTP_PREFIX = 'In ambient mode you must use a waypoint proxy to enforce HTTP rules. '
const ALLOW_BP = 'Within an ALLOW policy, rules matching HTTP attributes are omitted. This will be more restrictive than requested.'
const DENY_NOOP =
  'After omitting unsupported HTTP attributes, this DENY policy has no enforceable rules at ztunnel and will have no effect. Deploy a waypoint proxy and use a targetRef to enforce this policy.'
const DENY_MIXED = 'DENY policy with HTTP attributes is enforced without the HTTP rules. This will be more restrictive than requested.'
const httpMsg = (found: string, bp: string) => `ztunnel does not support HTTP attributes (found: ${found}). ${HTTP_PREFIX}${bp}`

// authorization_test.go TestConvertAuthorizationPolicyStatus, case by case.
describe('istiod convertAuthorizationPolicy status (authorization_test.go TestConvertAuthorizationPolicyStatus)', () => {
  const l4Rule = {from: [{source: {principals: ['trust/ns/echo-1234/']}}], to: [{operation: {ports: ['http']}}]}
  const cases: Array<{name: string; spec: Record<string, unknown>; message?: string; effective?: boolean}> = [
    {name: 'no status - targetRef is not for ztunnel', spec: {targetRef: {kind: 'Service', name: 'test-svc'}, rules: []}},
    {name: 'no status - policy is fine', spec: {rules: [l4Rule]}},
    {name: 'unsupported AUDIT action', spec: {action: 'AUDIT', rules: [l4Rule]}, message: 'ztunnel does not support the AUDIT action'},
    {name: 'unsupported CUSTOM action', spec: {action: 'CUSTOM', rules: [l4Rule]}, message: 'ztunnel does not support the CUSTOM action'},
    {
      name: 'unsupported HTTP methods',
      spec: {
        rules: [
          {
            from: [{source: {requestPrincipals: ['example.com/sub-1']}}],
            to: [{operation: {methods: ['GET']}}],
            when: [{key: 'request.auth.presenter', values: ['presenter.example.com']}],
          },
        ],
      },
      message: httpMsg('methods, request.auth.presenter, requestPrincipals', ALLOW_BP),
    },
    {
      name: 'DENY policy with only L4 attributes - no status warning',
      spec: {action: 'DENY', rules: [{from: [{source: {principals: ['cluster.local/ns/foo/sa/bar']}}]}]},
    },
    {
      name: 'DENY policy with only L7 attributes results in no effect at ztunnel',
      spec: {action: 'DENY', rules: [{from: [{source: {notRequestPrincipals: ['example.com/sub-1']}}]}]},
      message: httpMsg('notRequestPrincipals', DENY_NOOP),
      effective: false,
    },
    {
      name: 'DENY policy with mixed L4 and L7 attributes is enforced without HTTP rules',
      spec: {action: 'DENY', rules: [{from: [{source: {principals: ['cluster.local/ns/foo/sa/bar'], notRequestPrincipals: ['example.com/sub-1']}}]}]},
      message: httpMsg('notRequestPrincipals', DENY_MIXED),
      effective: true,
    },
    {
      name: 'DENY policy with L7-only and separate L4 rule is still enforced',
      spec: {
        action: 'DENY',
        rules: [{from: [{source: {notRequestPrincipals: ['example.com/sub-1']}}]}, {from: [{source: {principals: ['cluster.local/ns/foo/sa/bar']}}]}],
      },
      message: httpMsg('notRequestPrincipals', DENY_MIXED),
      effective: true,
    },
    {
      name: 'DENY policy with empty catch-all rule and L7-only rule is still enforced',
      spec: {action: 'DENY', rules: [{}, {from: [{source: {notRequestPrincipals: ['example.com/sub-1']}}]}]},
      message: httpMsg('notRequestPrincipals', DENY_MIXED),
      effective: true,
    },
    {
      name: 'DENY policy with L4 From and L7 When is a no-op due to AND empty clause',
      spec: {
        action: 'DENY',
        rules: [{from: [{source: {principals: ['cluster.local/ns/foo/sa/bar']}}], when: [{key: 'request.headers[x-token]', values: ['secret']}]}],
      },
      message: httpMsg('request.headers[x-token]', DENY_NOOP),
      effective: false,
    },
    {
      name: 'DENY policy with L4 From and L7-only To methods is a no-op due to AND empty clause',
      spec: {action: 'DENY', rules: [{from: [{source: {principals: ['cluster.local/ns/foo/sa/bar']}}], to: [{operation: {methods: ['GET']}}]}]},
      message: httpMsg('methods', DENY_NOOP),
      effective: false,
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const conv = convertForZtunnel(policy(c.spec), rootns)
      expect(conv.status?.message).toBe(c.message)
      if (c.message) expect(conv.status?.reason).toBe('UnsupportedValue')
      if (c.effective !== undefined) {
        expect(conv.sent).toBe(true)
        expect(conv.effective).toBe(c.effective)
      }
    })
  }

  it('convertAuthorizationPolicy(rootns, obj) has istiod\'s shape: (policy or nothing, status)', () => {
    expect(convertAuthorizationPolicy(rootns, policy({targetRef: {kind: 'Service', name: 's'}}))).toEqual({authorization: undefined, status: undefined})
    const custom = convertAuthorizationPolicy(rootns, policy({action: 'CUSTOM', rules: [{}]}))
    expect(custom.authorization).toBeUndefined()
    expect(custom.status).toEqual({reason: 'UnsupportedValue', message: 'ztunnel does not support the CUSTOM action'})
    const deny = convertAuthorizationPolicy(rootns, policy({action: 'DENY', rules: [{to: [{operation: {paths: ['/a']}}]}]}))
    expect(deny.authorization).toMatchObject({action: 'DENY', scope: 'namespace', effective: false})
  })

  it('targetRefs, CUSTOM and AUDIT are not sent to ztunnel at all', () => {
    expect(convertForZtunnel(policy({targetRefs: [{kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'wp'}]}), rootns)).toMatchObject({sent: false, ignored: 'targetRefs'})
    expect(convertForZtunnel(policy({action: 'CUSTOM', provider: {name: 'opa'}, rules: [{}]}), rootns)).toMatchObject({sent: false, ignored: 'unsupported-action'})
    expect(convertForZtunnel(policy({action: 'AUDIT', rules: [{}]}), rootns)).toMatchObject({sent: false, ignored: 'unsupported-action'})
  })

  it('dry-run annotation: not sent while AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY is off (convertAuthorizationPolicy)', () => {
    const c = convertForZtunnel(policy({action: 'DENY', rules: [{}]}, 'ns1', {'istio.io/dry-run': 'true'}), rootns)
    expect(c).toMatchObject({sent: false, ignored: 'dry-run'})
    expect(c.status?.message).toBe(`found policy "ns1/pol" using dry-run annotation, but support for ambient dry-run authorizationPolicies isn't enabled`)
  })

  it('scope: no selector ⇒ namespace, in the root namespace ⇒ global, any selector ⇒ workload', () => {
    expect(convertForZtunnel(policy({}), rootns).scope).toBe('namespace')
    expect(convertForZtunnel(policy({}, rootns), rootns).scope).toBe('global')
    expect(convertForZtunnel(policy({selector: {}}, rootns), rootns).scope).toBe('workload')
  })

  it('ALLOW with HTTP rules: the rules are dropped (handleRule returns nil), other rules kept', () => {
    const c = convertForZtunnel(policy({rules: [{to: [{operation: {methods: ['GET']}}]}, {from: [{source: {namespaces: ['a']}}]}]}), rootns)
    expect(c.groups).toHaveLength(1)
    expect(c.groupRule).toEqual([1])
    expect(c.droppedRules).toEqual([{index: 0, attributes: ['methods']}])
  })

  it('DENY ports+paths keeps the numeric ports (enforced more restrictively); named ports are dropped (stringToPort)', () => {
    const numeric = convertForZtunnel(policy({action: 'DENY', rules: [{to: [{operation: {ports: ['8080'], paths: ['/admin']}}]}]}), rootns)
    expect(numeric.effective).toBe(true)
    expect(numeric.status?.message).toBe(httpMsg('paths', DENY_MIXED))
    expect(numeric.groups[0][0][0].destinationPorts).toEqual([8080])
    const named = convertForZtunnel(policy({action: 'DENY', rules: [{to: [{operation: {ports: ['http'], paths: ['/admin']}}]}]}), rootns)
    expect(named.effective).toBe(false)
    expect(named.status?.message).toBe(httpMsg('paths', DENY_NOOP))
  })

  it('remoteIpBlocks and notRemoteIpBlocks are HTTP attributes; ipBlocks are L4 (httpSources)', () => {
    expect(convertForZtunnel(policy({rules: [{from: [{source: {remoteIpBlocks: ['10.0.0.0/8']}}]}]}), rootns).droppedRules).toHaveLength(1)
    const ip = convertForZtunnel(policy({rules: [{from: [{source: {ipBlocks: ['10.0.0.0/8', 'bogus']}}]}]}), rootns)
    expect(ip.droppedRules).toHaveLength(0)
    expect(ip.groups[0][0][0].sourceIps).toEqual(['10.0.0.0/8']) // unparsable entries skipped (stringToIP)
  })

  it('L4 `when` keys become one clause each; values and notValues map to the positive/negative fields', () => {
    const c = convertForZtunnel(
      policy({rules: [{when: [{key: 'source.namespace', values: ['a*']}, {key: 'destination.port', notValues: ['9090']}, {key: 'source.principal', values: ['*']}]}]}),
      rootns,
    )
    expect(c.httpAttributes).toEqual([])
    expect(c.groups[0]).toHaveLength(3)
    expect(c.groups[0][0][0].namespaces).toEqual([{prefix: 'a'}])
    expect(c.groups[0][1][0].notDestinationPorts).toEqual([9090])
    expect(c.groups[0][2][0].principals).toEqual([{presence: true}])
  })

  it('serviceAccounts without a namespace take the policy namespace (stringToServiceAccountMatch)', () => {
    const c = convertForZtunnel(policy({rules: [{from: [{source: {serviceAccounts: ['sa1', 'other/sa2']}}]}]}), rootns)
    expect(c.groups[0][0][0].serviceAccounts).toEqual([
      {namespace: 'ns1', serviceAccount: 'sa1'},
      {namespace: 'other', serviceAccount: 'sa2'},
    ])
  })

  it('hasEffectiveRules: a group with no clauses is effective; a clause of only empty matches is not', () => {
    expect(hasEffectiveRules([])).toBe(false)
    expect(hasEffectiveRules([[]])).toBe(true)
    expect(hasEffectiveRules([[[emptyMatch()]]])).toBe(false)
    expect(hasEffectiveRules([[[emptyMatch(), {...emptyMatch(), destinationPorts: [80]}]]])).toBe(true)
  })
})

// ztunnel src/rbac.rs tests.
describe('ztunnel Authorization::matches (rbac.rs tests)', () => {
  const plaintext_conn: ZConnection = {sourceIp: '127.0.0.1', destinationIp: '127.0.0.2', destinationPort: 8080}
  const tls_conn: ZConnection = {...plaintext_conn, sourceIdentity: 'spiffe://td/ns/namespace/sa/account'}
  const tls_conn_alt: ZConnection = {sourceIdentity: 'spiffe://td-alt/ns/ns-alt/sa/sa=alt', sourceIp: '127.0.0.3', destinationIp: '127.0.0.4', destinationPort: 9090}
  const pol = (groups: ZMatch[][][]) => ({groups})
  const m = (fields: Partial<ZMatch>): ZMatch => ({...emptyMatch(), ...fields})
  const yes = (p: {groups: ZMatch[][][]}, c: ZConnection) => ztunnelMatches(p, c).match === 'yes'

  it('rbac_empty_policy: empty match never; empty clause / empty rule always; no rules never', () => {
    expect(yes(pol([[[emptyMatch()]]]), plaintext_conn)).toBe(false)
    expect(yes(pol([[[]]]), plaintext_conn)).toBe(true)
    expect(yes(pol([[]]), plaintext_conn)).toBe(true)
    expect(yes(pol([]), plaintext_conn)).toBe(false)
  })

  it('rbac_nesting: matches OR inside a clause, clauses AND', () => {
    const p = pol([[[m({namespaces: [{exact: 'a'}]}), m({namespaces: [{exact: 'b'}]})], [m({destinationPorts: [80]})]]])
    const conn = (ns: string, port: number): ZConnection => ({sourceIdentity: `spiffe://td/ns/${ns}/sa/x`, destinationPort: port})
    expect(yes(p, conn('a', 80))).toBe(true)
    expect(yes(p, conn('b', 80))).toBe(true)
    expect(yes(p, conn('c', 80))).toBe(false)
    expect(yes(p, conn('a', 81))).toBe(false)
  })

  const table: Array<[string, Partial<ZMatch>, [boolean, boolean, boolean]]> = [
    ['namespaces', {namespaces: [{exact: 'namespace'}]}, [false, true, false]],
    ['not_namespaces', {notNamespaces: [{exact: 'namespace'}]}, [true, false, true]],
    ['service_accounts', {serviceAccounts: [{namespace: 'namespace', serviceAccount: 'account'}]}, [false, true, false]],
    ['not_service_accounts', {notServiceAccounts: [{namespace: 'namespace', serviceAccount: 'account'}]}, [true, false, true]],
    ['principals', {principals: [{exact: 'td/ns/namespace/sa/account'}]}, [false, true, false]],
    ['not_principals', {notPrincipals: [{exact: 'td/ns/namespace/sa/account'}]}, [true, false, true]],
    ['source_ips', {sourceIps: ['127.0.0.1/32']}, [true, true, false]],
    ['not_source_ips', {notSourceIps: ['127.0.0.1/32']}, [false, false, true]],
    ['destination_ips', {destinationIps: ['127.0.0.2/32']}, [true, true, false]],
    ['not_destination_ips', {notDestinationIps: ['127.0.0.2/32']}, [false, false, true]],
    ['cidr_range', {destinationIps: ['127.0.0.1/24']}, [true, true, true]],
    ['destination_ports', {destinationPorts: [8080]}, [true, true, false]],
    ['not_destination_ports', {notDestinationPorts: [8080]}, [false, false, true]],
  ]
  for (const [name, fields, [plain, tls, alt]] of table) {
    it(`rbac_test!(${name})`, () => {
      const p = pol([[[m(fields)]]])
      expect([yes(p, plaintext_conn), yes(p, tls_conn), yes(p, tls_conn_alt)]).toEqual([plain, tls, alt])
    })
  }

  it('string matches: presence, prefix, suffix, exact on principals (spiffe:// stripped; plaintext never)', () => {
    const p = (sm: ZMatch['principals'][number]) => pol([[[m({principals: [sm]})]]])
    expect(yes(p({presence: true}), tls_conn)).toBe(true)
    expect(yes(p({presence: true}), plaintext_conn)).toBe(false)
    expect(yes(p({prefix: 'td/ns/namespace/'}), tls_conn)).toBe(true)
    expect(yes(p({prefix: 'spiffe://td'}), tls_conn)).toBe(false)
    expect(yes(p({suffix: '/sa/account'}), tls_conn)).toBe(true)
    expect(yes(p({suffix: '/sa/account'}), tls_conn_alt)).toBe(false)
  })

  it('an IP field is unknown (not true, not false) when the CLI does not know the address', () => {
    expect(ztunnelMatches(pol([[[m({sourceIps: ['10.0.0.0/8']})]]]), {destinationPort: 80}).match).toBe('unknown')
    // …but a field that already fails decides: AND with `no` is `no`.
    expect(ztunnelMatches(pol([[[m({sourceIps: ['10.0.0.0/8'], destinationPorts: [81]})]]]), {destinationPort: 80}).match).toBe('no')
  })
})
