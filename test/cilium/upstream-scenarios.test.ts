// cilium-cli `connectivity test` scenarios (github.com/cilium/cilium, cilium-cli/connectivity/
// builder/<scenario>.go for the expected result, manifests/<policy>.yaml for the policy),
// replayed on the L4 evaluator: the same policy objects, the same pods, the verdict the
// builder's WithExpectations asserts (ResultOK = allow; ResultDrop*/ResultDefaultDeny*/
// ResultPolicyDeny* = deny; ResultDropCurlHTTPError = the L7 proxy's 403 = deny). Where the
// outcome depends on something the query does not carry (no HTTP request given, a header),
// the evaluator must say "undetermined", never allow.
// Pods as the scenarios deploy them in `cilium-test`: client (kind=client, name=client),
// client2 (kind=client, other=client, name=client2), echo-same-node (kind=echo, other=echo),
// echo-other-node (kind=echo, first=echo), kube-dns in kube-system.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import type {ConnectivityQuery, PortRef, Workload} from '../../src/core/query.js'
import type {ExternalQuery} from '../../src/core/external.js'
import {evaluateL4, l4ExternalLayer, l4Layer, type L4Flow, type L4Peer, type PodPeer} from '../../src/layers/cilium/index.js'

const NS = 'cilium-test'
const cnp = (name: string, spec: Record<string, unknown>, ns = NS): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name, namespace: ns}, spec})
const ccnp = (name: string, spec: Record<string, unknown>): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: {name}, spec})
const knp = (name: string, spec: Record<string, unknown>, ns = NS): KubeObject => ({apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name, namespace: ns}, spec})
const pod = (labels: Record<string, string>, serviceAccount: string, ns = NS): PodPeer => ({kind: 'pod', namespace: ns, labels, serviceAccount})

const client = pod({kind: 'client', name: 'client'}, 'client')
const client2 = pod({kind: 'client', other: 'client', name: 'client2'}, 'client2')
const echoSame = pod({kind: 'echo', other: 'echo', name: 'echo-same-node'}, 'echo-same-node')
const echoOther = pod({kind: 'echo', first: 'echo', name: 'echo-other-node'}, 'echo-other-node')
const kubeDns = pod({'k8s-app': 'kube-dns'}, 'coredns', 'kube-system')
const world: L4Peer = {kind: 'world', ip: '1.1.1.1'}
const oneOneOneOne: L4Peer = {kind: 'world', ip: '1.1.1.1', fqdn: 'one.one.one.one'}

const tcp = (port: number, extra: Partial<L4Flow> = {}): L4Flow => ({port, protocol: 'TCP', ...extra})
const get = (path: string, port = 8080, extra: Partial<L4Flow> = {}) => tcp(port, {request: {method: 'GET', path}, ...extra})
const post = (path: string, port = 8080) => tcp(port, {request: {method: 'POST', path}})

type Outcome = 'allow' | 'deny' | 'undetermined'
/** The connection's fate as layer.ts words it: a definite drop on either side wins, then undetermined. */
function outcome(policies: KubeObject[], from: L4Peer, to: L4Peer, flow: L4Flow): Outcome {
  const v = evaluateL4(policies, from, to, flow)
  const sides = [v.egress, v.ingress]
  if (sides.some((s) => !s.allowed && s.undetermined.length === 0)) return 'deny'
  if (sides.some((s) => !s.allowed)) return 'undetermined'
  return 'allow'
}

// manifests/client-egress-only-dns.yaml
const onlyDns = cnp('client-egress-only-dns', {
  endpointSelector: {matchLabels: {kind: 'client'}},
  egress: [
    {
      toPorts: [{ports: [{port: '53', protocol: 'ANY'}], rules: {dns: [{matchPattern: '*'}]}}],
      toEndpoints: [
        {matchLabels: {'io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns'}},
        {matchLabels: {'io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'coredns'}},
      ],
    },
  ],
})
const getSlash = {http: [{method: 'GET', path: '/'}]}
// manifests/client-egress-l7-http.yaml
const l7Http = cnp('client-egress-l7-http', {
  endpointSelector: {matchLabels: {other: 'client'}},
  egress: [
    {toEndpoints: [{matchLabels: {kind: 'echo'}}], toPorts: [{ports: [{port: '8080', protocol: 'TCP'}], rules: getSlash}]},
    {toFQDNs: [{matchName: 'one.one.one.one'}], toPorts: [{ports: [{port: '80', protocol: 'TCP'}], rules: getSlash}]},
  ],
})

describe('client-egress-l7 (builder/client_egress_l7.go, manifests/client-egress-l7-http.yaml + client-egress-only-dns.yaml)', () => {
  const p = [onlyDns, l7Http]
  it('client2 GET / to echo:8080 is allowed (ResultOK, proxied)', () => {
    expect(outcome(p, client2, echoSame, get('/'))).toBe('allow')
    expect(outcome(p, client2, echoOther, get('/'))).toBe('allow')
  })
  it('client2 GET /public and /private get the proxy 403 (ResultDNSOKDropCurlHTTPError)', () => {
    expect(outcome(p, client2, echoSame, get('/public'))).toBe('deny')
    expect(outcome(p, client2, echoSame, get('/private'))).toBe('deny')
    expect(outcome(p, client2, echoSame, post('/'))).toBe('deny')
  })
  it('without a request the HTTP rule cannot be decided: undetermined, never allowed (was a false PASS)', () => {
    const v = evaluateL4(p, client2, echoSame, tcp(8080))
    expect(v.egress.allowed).toBe(false)
    expect(v.egress.undetermined[0]).toMatch(/port 8080\/TCP has HTTP rules \(GET \/\).*no request method was given/)
  })
  it('client (no other=client label) is dropped by egress default-deny (ResultDefaultDenyEgressDrop)', () => {
    expect(outcome(p, client, echoSame, get('/'))).toBe('deny')
  })
  it('DNS to kube-dns passes (dns matchPattern "*") and one.one.one.one:80 GET / passes, GET /x is a 403', () => {
    expect(outcome(p, client2, kubeDns, {port: 53, protocol: 'UDP'})).toBe('allow')
    expect(outcome(p, client2, oneOneOneOne, get('/', 80))).toBe('allow')
    expect(outcome(p, client2, oneOneOneOne, get('/x', 80))).toBe('deny')
    // A world address with no DNS name was never learned by the DNS proxy.
    expect(outcome(p, client2, world, get('/', 80))).toBe('deny')
  })
})

describe('client-egress-l7-method (builder/client_egress_l7_method.go, manifests/client-egress-l7-http-method.yaml)', () => {
  const p = [
    onlyDns,
    cnp('client-egress-l7-http-method', {
      endpointSelector: {matchLabels: {other: 'client'}},
      egress: [
        {
          toEndpoints: [{matchLabels: {kind: 'echo'}}],
          toPorts: [{ports: [{port: '8080', protocol: 'TCP'}], rules: {http: [{method: 'POST', path: '/public$'}, {method: 'POST', path: '/private$'}]}}],
        },
      ],
    }),
  ]
  it('client2 POST /public and /private to echo are allowed', () => {
    expect(outcome(p, client2, echoSame, post('/public'))).toBe('allow')
    expect(outcome(p, client2, echoSame, post('/private'))).toBe('allow')
  })
  it('client2 GET (the default curl) is a 403 (ResultDropCurlHTTPError); a longer path does not match the whole-path regex', () => {
    expect(outcome(p, client2, echoOther, get('/public'))).toBe('deny')
    expect(outcome(p, client2, echoSame, post('/public/x'))).toBe('deny')
    expect(outcome(p, client2, echoSame, post('/'))).toBe('deny')
  })
  it('a method given in lower case is compared as the HTTP method (upper case)', () => {
    expect(outcome(p, client2, echoSame, tcp(8080, {request: {method: 'post', path: '/public'}}))).toBe('allow')
  })
  it('client stays in egress default-deny', () => {
    expect(outcome(p, client, echoSame, post('/public'))).toBe('deny')
  })
})

describe('client-egress-l7-named-port (builder/client_egress_l7_named_port.go, manifests/client-egress-l7-http-named-port.yaml)', () => {
  const p = [
    onlyDns,
    cnp('client-egress-l7-http-named-port', {
      endpointSelector: {matchLabels: {other: 'client'}},
      egress: [{toEndpoints: [{matchLabels: {kind: 'echo'}}], toPorts: [{ports: [{port: 'http-8080', protocol: 'TCP'}], rules: getSlash}]}],
    }),
  ]
  const named = [{name: 'http-8080', port: 8080, protocol: 'TCP'}]
  it('GET / on the named port resolves and passes; GET /public is a 403', () => {
    expect(outcome(p, client2, echoSame, get('/', 8080, {namedPorts: named}))).toBe('allow')
    expect(outcome(p, client2, echoSame, get('/public', 8080, {namedPorts: named}))).toBe('deny')
  })
  it('with the container ports unknown the named port is undetermined', () => {
    expect(outcome(p, client2, echoSame, get('/'))).toBe('undetermined')
  })
})

describe('echo-ingress-l7 (builder/echo_ingress_l7.go, manifests/echo-ingress-l7-http.yaml)', () => {
  const p = [
    cnp('echo-ingress-l7-http', {
      endpointSelector: {matchLabels: {kind: 'echo'}},
      ingress: [
        {
          fromEndpoints: [{matchLabels: {'k8s:other': 'client'}}],
          toPorts: [
            {
              ports: [{port: '8080', protocol: 'TCP'}],
              rules: {http: [{method: 'GET', path: '/$'}, {method: 'GET', path: '/public$'}, {method: 'GET', path: '/private$', headers: ['X-Very-Secret-Token: 42']}]},
            },
          ],
        },
      ],
    }),
  ]
  it('client2 GET / and GET /public pass', () => {
    expect(outcome(p, client2, echoSame, get('/'))).toBe('allow')
    expect(outcome(p, client2, echoSame, get('/public'))).toBe('allow')
  })
  it('client2 GET /private depends on the X-Very-Secret-Token header, which a query does not carry: undetermined', () => {
    const v = evaluateL4(p, client2, echoSame, get('/private'))
    expect(v.ingress.allowed).toBe(false)
    expect(v.ingress.undetermined[0]).toMatch(/request headers are not known/)
  })
  it('client2 POST /public is a 403; client is dropped by ingress default-deny (ResultDefaultDenyIngressDrop)', () => {
    expect(outcome(p, client2, echoSame, post('/public'))).toBe('deny')
    expect(outcome(p, client, echoSame, get('/public'))).toBe('deny')
  })
})

describe('L7 rules next to L3/L4 rules (pkg/policy wildcardL3L4Rules, cilium/cilium#3634)', () => {
  const l7Only = {fromEndpoints: [{matchLabels: {other: 'client'}}], toPorts: [{ports: [{port: '8080', protocol: 'TCP'}], rules: getSlash}]}
  it('an L3-only rule for the same peer wildcards L7: every request passes', () => {
    const p = [cnp('echo-in', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [l7Only, {fromEndpoints: [{matchLabels: {other: 'client'}}]}]})]
    expect(outcome(p, client2, echoSame, get('/anything'))).toBe('allow')
    expect(outcome(p, client2, echoSame, tcp(8080))).toBe('allow')
  })
  it('an L3-only rule for another peer does not lift the HTTP rules for this one', () => {
    const p = [cnp('echo-in', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [l7Only, {fromEndpoints: [{matchLabels: {name: 'client'}}]}]})]
    expect(outcome(p, client2, echoSame, get('/anything'))).toBe('deny')
    expect(outcome(p, client, echoSame, get('/anything'))).toBe('allow')
  })
  it('`http: [{}]` admits every request; empty `http: []` / `rules: {}` are no L7 at all (L7Rules.IsEmpty)', () => {
    const withRules = (rules: Record<string, unknown>) => [cnp('echo-in', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [{fromEndpoints: [{}], toPorts: [{ports: [{port: '8080'}], rules}]}]})]
    expect(outcome(withRules({http: [{}]}), client, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(withRules({http: []}), client, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(withRules({}), client, echoSame, tcp(8080))).toBe('allow')
  })
  it('Kafka rules, serverNames (SNI) and listener redirects are undetermined; DNS rules decide by the name looked up', () => {
    const withEntry = (entry: Record<string, unknown>) => [cnp('echo-in', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [{fromEndpoints: [{}], toPorts: [{ports: [{port: '8080'}], ...entry}]}]})]
    expect(outcome(withEntry({rules: {kafka: [{topic: 'orders'}]}}), client, echoSame, tcp(8080))).toBe('undetermined')
    // DNS: the server is reachable (the proxy answers, REFUSED for unlisted names); a known name is checked.
    expect(outcome(withEntry({rules: {dns: [{matchName: 'example.com'}]}}), client, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(withEntry({rules: {dns: [{matchName: 'example.com'}]}}), client, echoSame, tcp(8080, {dnsName: 'example.com'}))).toBe('allow')
    expect(outcome(withEntry({rules: {dns: [{matchName: 'example.com'}]}}), client, echoSame, tcp(8080, {dnsName: 'other.org'}))).toBe('deny')
    expect(outcome(withEntry({serverNames: ['echo.example']}), client, echoSame, tcp(8080))).toBe('undetermined')
    expect(outcome(withEntry({listener: {envoyConfig: {kind: 'CiliumEnvoyConfig', name: 'x'}, name: 'l'}}), client, echoSame, tcp(8080))).toBe('undetermined')
  })
  it('a host regex or a header-match without a mismatch action is undetermined; a headerMatch with mismatch LOG does not restrict', () => {
    const withHttp = (http: Record<string, unknown>) => [cnp('echo-in', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [{fromEndpoints: [{}], toPorts: [{ports: [{port: '8080'}], rules: {http: [http]}}]}]})]
    expect(outcome(withHttp({method: 'GET', host: 'echo'}), client, echoSame, get('/'))).toBe('undetermined')
    expect(outcome(withHttp({method: 'POST', host: 'echo'}), client, echoSame, get('/'))).toBe('deny')
    expect(outcome(withHttp({headerMatches: [{name: 'x', value: 'y'}]}), client, echoSame, get('/'))).toBe('undetermined')
    expect(outcome(withHttp({headerMatches: [{name: 'x', value: 'y', mismatch: 'LOG'}]}), client, echoSame, get('/'))).toBe('allow')
  })
})

describe('allow-all-except-world (builder/allow_all_except_world.go, manifests/allow-all-except-world.yaml)', () => {
  const entities = ['host', 'remote-node', 'cluster', 'init', 'health', 'kube-apiserver']
  const p = [cnp('allow-all-except-world', {endpointSelector: {}, egress: [{toEntities: entities}, {toEndpoints: [{}]}], ingress: [{fromEntities: entities}, {fromEndpoints: [{}]}]})]
  it('pod to pod, in and across namespaces, is allowed (`cluster` selects every pod of the cluster)', () => {
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(p, client, kubeDns, {port: 53, protocol: 'UDP'})).toBe('allow')
    expect(outcome(p, pod({app: 'x'}, 'x', 'other-ns'), echoSame, tcp(8080))).toBe('allow')
  })
  it('pod to world and world to pod are dropped', () => {
    expect(outcome(p, client, world, tcp(443))).toBe('deny')
    expect(outcome(p, world, echoSame, tcp(8080))).toBe('deny')
  })
  it('host and remote-node reach pods', () => {
    expect(outcome(p, {kind: 'host'}, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(p, {kind: 'remote-node'}, echoSame, tcp(8080))).toBe('allow')
  })
})

describe('entities (pkg/policy/api/entity.go): which identities each selects', () => {
  const egressTo = (e: string) => [cnp('e', {endpointSelector: {matchLabels: {kind: 'client'}}, egress: [{toEntities: [e]}]})]
  it.each([
    ['world', false],
    ['host', false],
    ['remote-node', false],
    ['kube-apiserver', false],
    ['health', false],
    ['init', false],
    ['ingress', false],
    ['unmanaged', false],
    ['cluster', true],
    ['all', true],
  ])('toEntities: [%s] selects an ordinary pod: %s', (entity, selects) => {
    expect(outcome(egressTo(entity), client, echoSame, tcp(8080))).toBe(selects ? 'allow' : 'deny')
  })
  it('world (and all) select external addresses, cluster does not (client-egress-to-entities-world)', () => {
    expect(outcome(egressTo('world'), client, world, tcp(80))).toBe('allow')
    expect(outcome(egressTo('all'), client, world, tcp(80))).toBe('allow')
    expect(outcome(egressTo('cluster'), client, world, tcp(80))).toBe('deny')
    expect(outcome(egressTo('world-ipv4'), client, world, tcp(80))).toBe('allow')
    expect(outcome(egressTo('world-ipv6'), client, world, tcp(80))).toBe('deny')
  })
})

describe('to-entities-world (builder/client_egress_to_entities_world.go, manifests/client-egress-to-entities-world.yaml)', () => {
  const p = [
    cnp('client-egress-to-entities-world', {
      endpointSelector: {matchLabels: {kind: 'client'}},
      egress: [
        {toEntities: ['world'], toPorts: [{ports: [{port: '80', protocol: 'TCP'}]}]},
        {toEndpoints: [{matchLabels: {'io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns'}}], toPorts: [{ports: [{port: '53', protocol: 'ANY'}]}]},
      ],
    }),
  ]
  it('world:80 passes, world:443 and pod-to-pod are dropped, DNS over UDP and TCP passes (ANY)', () => {
    expect(outcome(p, client, world, tcp(80))).toBe('allow')
    expect(outcome(p, client, world, tcp(443))).toBe('deny')
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('deny')
    expect(outcome(p, client, kubeDns, {port: 53, protocol: 'UDP'})).toBe('allow')
    expect(outcome(p, client, kubeDns, tcp(53))).toBe('allow')
  })
})

describe('client-egress-to-echo-service-account (builder/client_egress_to_echo_service_account.go)', () => {
  const p = [
    cnp('client-egress-to-echo-service-account', {
      endpointSelector: {matchLabels: {'io.cilium.k8s.policy.serviceaccount': 'client'}},
      egress: [{toPorts: [{ports: [{port: '8080', protocol: 'TCP'}]}], toEndpoints: [{matchLabels: {'io.cilium.k8s.policy.serviceaccount': 'echo-same-node'}}]}],
    }),
  ]
  it('only echo-same-node (by its service account) is reachable; client2 (another SA) is not selected', () => {
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(p, client, echoOther, tcp(8080))).toBe('deny')
    expect(outcome(p, client2, echoOther, tcp(8080))).toBe('allow')
  })
})

describe('client-egress-expression (builder/client_egress_expression.go, manifests/client-egress-to-echo-expression.yaml)', () => {
  const p = [
    cnp('client-egress-to-echo-expression', {
      endpointSelector: {matchExpressions: [{key: 'other', operator: 'Exists'}]},
      egress: [{toPorts: [{ports: [{port: '8080', protocol: 'TCP'}]}], toEndpoints: [{matchLabels: {'io.kubernetes.pod.namespace': NS, kind: 'echo'}}]}],
    }),
  ]
  it('applies to client2 only (other Exists): client2 → echo:8080 passes, :8081 is dropped; client is not in default-deny', () => {
    expect(outcome(p, client2, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(p, client2, echoSame, tcp(8081))).toBe('deny')
    expect(evaluateL4(p, client, echoSame, tcp(9999)).egress.inDefaultDeny).toBe(false)
  })
  it('NotIn / DoesNotExist / In select as Kubernetes defines them', () => {
    const sel = (e: Record<string, unknown>) => [cnp('x', {endpointSelector: {matchExpressions: [e]}, egress: [{toEndpoints: [{}], toPorts: [{ports: [{port: '8080'}]}]}]})]
    expect(evaluateL4(sel({key: 'other', operator: 'DoesNotExist'}), client, echoSame, tcp(1)).egress.inDefaultDeny).toBe(true)
    expect(evaluateL4(sel({key: 'other', operator: 'DoesNotExist'}), client2, echoSame, tcp(1)).egress.inDefaultDeny).toBe(false)
    expect(evaluateL4(sel({key: 'name', operator: 'NotIn', values: ['client']}), client2, echoSame, tcp(1)).egress.inDefaultDeny).toBe(true)
    expect(evaluateL4(sel({key: 'name', operator: 'In', values: ['client']}), client, echoSame, tcp(1)).egress.inDefaultDeny).toBe(true)
  })
})

describe('echo-ingress-from-other-client-deny (builder/echo_ingress_from_other_client_deny.go)', () => {
  const p = [
    cnp('allow-all-egress', {endpointSelector: {}, egress: [{toEndpoints: [{}]}]}),
    cnp('allow-all-ingress', {endpointSelector: {}, ingress: [{fromEndpoints: [{}]}]}),
    cnp('echo-ingress-from-other-client-deny', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingressDeny: [{fromEndpoints: [{matchLabels: {other: 'client'}}]}]}),
  ]
  it('client2 → echo is dropped by the deny over both allows (ResultPolicyDenyIngressDrop); client → echo and client → client2 pass', () => {
    const v = evaluateL4(p, client2, echoSame, tcp(8080))
    expect(v.ingress.deniedBy?.ref.name).toBe('echo-ingress-from-other-client-deny')
    expect(outcome(p, client2, echoSame, tcp(8080))).toBe('deny')
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(p, client, client2, tcp(8080))).toBe('allow')
  })
  it('a CCNP deny wins over a CNP allow, and a CNP deny over a CCNP allow (one repository)', () => {
    const a = [cnp('allow', {endpointSelector: {}, ingress: [{fromEndpoints: [{}]}]}), ccnp('deny', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingressDeny: [{fromEntities: ['cluster']}]})]
    expect(outcome(a, client, echoSame, tcp(8080))).toBe('deny')
    const b = [ccnp('allow', {endpointSelector: {}, ingress: [{fromEntities: ['all']}]}), cnp('deny', {endpointSelector: {}, ingressDeny: [{toPorts: [{ports: [{port: '8000', endPort: 8100}]}]}]})]
    expect(outcome(b, client, echoSame, tcp(8080))).toBe('deny')
    expect(outcome(b, client, echoSame, tcp(8101))).toBe('allow')
  })
})

describe('client-ingress-from-other-client-icmp-deny (builder/client_ingress_from_other_client_icmp_deny.go, manifests/echo-ingress-icmp-deny.yaml)', () => {
  const p = [
    cnp('allow-all-ingress', {endpointSelector: {}, ingress: [{fromEndpoints: [{}]}]}),
    cnp('client-ingress-from-other-client-icmp-deny', {endpointSelector: {matchLabels: {kind: 'client'}}, ingressDeny: [{fromEndpoints: [{matchLabels: {other: 'client'}}], icmps: [{fields: [{type: 8}]}]}]}),
  ]
  it('the ICMP-only deny does not drop TCP from client2 to client', () => {
    expect(outcome(p, client2, client, tcp(8080))).toBe('allow')
  })
  it('an ICMP-only allow does not admit TCP', () => {
    const q = [cnp('echo-ingress-icmp', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [{fromEndpoints: [{matchLabels: {kind: 'client'}}], icmps: [{fields: [{type: 8, family: 'IPv4'}]}]}]})]
    expect(outcome(q, client, echoSame, tcp(8080))).toBe('deny')
  })
})

describe('to-cidr-external (builder/client_egress_to_cidr_deny.go, manifests/client-egress-to-cidr-1111-deny.yaml)', () => {
  const p = [
    cnp('client-egress-to-cidr', {endpointSelector: {matchLabels: {kind: 'client'}}, egress: [{toCIDRSet: [{cidr: '1.0.0.0/8'}]}]}),
    cnp('client-egress-to-cidr-deny', {endpointSelector: {matchLabels: {kind: 'client'}}, egressDeny: [{toCIDRSet: [{cidr: '1.0.0.0/8', except: ['1.1.1.1/32']}]}]}),
  ]
  it('1.0.0.1 is denied, 1.1.1.1 (except) passes, pods are never matched by CIDR', () => {
    expect(outcome(p, client, {kind: 'world', ip: '1.0.0.1'}, tcp(443))).toBe('deny')
    expect(outcome(p, client, {kind: 'world', ip: '1.1.1.1'}, tcp(443))).toBe('allow')
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('deny')
  })
})

describe('from-cidr-host-netns (builder/from_cidr_host_netns.go, manifests/echo-ingress-from-cidr.yaml)', () => {
  const p = [cnp('echo-ingress-from-cidr', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [{fromCIDR: ['172.18.0.5/32']}]})]
  it('a node without Cilium (a world address) in the CIDR reaches echo on any port; another address does not', () => {
    expect(outcome(p, {kind: 'world', ip: '172.18.0.5'}, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(p, {kind: 'world', ip: '172.18.0.6'}, echoSame, tcp(8080))).toBe('deny')
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('deny')
  })
})

describe('Kubernetes NetworkPolicy (builder/echo_ingress_knp.go, all_ingress_deny_knp.go; pkg/k8s/network_policy.go)', () => {
  it('echo-ingress-knp: only pods with other=client (in the cluster) reach echo; client times out', () => {
    const p = [knp('echo-ingress-from-other-client', {podSelector: {matchLabels: {kind: 'echo'}}, ingress: [{from: [{podSelector: {matchLabels: {other: 'client'}, matchExpressions: [{key: 'io.cilium.k8s.policy.cluster', operator: 'Exists'}]}}]}]})]
    expect(outcome(p, client2, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('deny')
    // podSelector alone stays in the policy's namespace.
    expect(outcome(p, pod({other: 'client'}, 'x', 'other-ns'), echoSame, tcp(8080))).toBe('deny')
  })
  it('all-ingress-deny-knp: podSelector {} with policyTypes [Ingress] drops every ingress, egress untouched', () => {
    const p = [knp('all-ingress-deny', {podSelector: {}, policyTypes: ['Ingress']})]
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('deny')
    expect(evaluateL4(p, client, world, tcp(80)).egress.inDefaultDeny).toBe(false)
  })
  it('all-egress-deny-knp: policyTypes [Egress] with no rule drops every egress', () => {
    const p = [knp('all-egress-deny', {podSelector: {}, policyTypes: ['Egress']})]
    expect(outcome(p, client, world, tcp(80))).toBe('deny')
    expect(evaluateL4(p, world, echoSame, tcp(80)).ingress.inDefaultDeny).toBe(false)
  })
  it('policyTypes does not filter the rules Cilium translates: ParseNetworkPolicy keeps listed ingress rules even with policyTypes [Egress]', () => {
    const p = [knp('egress-typed', {podSelector: {matchLabels: {kind: 'echo'}}, policyTypes: ['Egress'], ingress: [{from: [{podSelector: {matchLabels: {other: 'client'}}}]}], egress: [{}]})]
    expect(outcome(p, client2, echoSame, tcp(8080))).toBe('allow')
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('deny')
  })
  it('a CNP deny wins over a NetworkPolicy allow (one repository)', () => {
    const p = [knp('allow', {podSelector: {}, ingress: [{}]}), cnp('deny', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingressDeny: [{fromEndpoints: [{matchLabels: {other: 'client'}}]}]})]
    expect(outcome(p, client2, echoSame, tcp(8080))).toBe('deny')
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('allow')
    // `ingress: [{}]` in a NetworkPolicy allows every source, outside the cluster too.
    expect(outcome(p, world, echoSame, tcp(8080))).toBe('allow')
  })
  it('namespaceSelector + podSelector in one peer is AND; as two peers it is OR', () => {
    const and = [knp('and', {podSelector: {matchLabels: {kind: 'echo'}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: 'a'}}, podSelector: {matchLabels: {app: 'x'}}}]}]})]
    const or = [knp('or', {podSelector: {matchLabels: {kind: 'echo'}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: 'a'}}}, {podSelector: {matchLabels: {app: 'x'}}}]}]})]
    const inA = (labels: Record<string, string>): PodPeer => ({...pod(labels, 'x', 'ns-a'), namespaceLabels: {team: 'a'}})
    const here = (labels: Record<string, string>): PodPeer => ({...pod(labels, 'x'), namespaceLabels: {}})
    expect(outcome(and, inA({app: 'x'}), echoSame, tcp(1))).toBe('allow')
    expect(outcome(and, inA({app: 'y'}), echoSame, tcp(1))).toBe('deny')
    expect(outcome(and, here({app: 'x'}), echoSame, tcp(1))).toBe('deny')
    expect(outcome(or, inA({app: 'y'}), echoSame, tcp(1))).toBe('allow')
    expect(outcome(or, here({app: 'x'}), echoSame, tcp(1))).toBe('allow')
    expect(outcome(or, here({app: 'y'}), echoSame, tcp(1))).toBe('deny')
  })
  it('a namespaceSelector on a label of a namespace whose labels are not known is undetermined, not a miss', () => {
    const p = [knp('team', {podSelector: {matchLabels: {kind: 'echo'}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: 'a'}}}]}]})]
    expect(outcome(p, pod({app: 'x'}, 'x', 'ns-a'), echoSame, tcp(1))).toBe('undetermined')
    // The name label is always known (the API server sets kubernetes.io/metadata.name).
    const byName = [knp('name', {podSelector: {matchLabels: {kind: 'echo'}}, ingress: [{from: [{namespaceSelector: {matchLabels: {'kubernetes.io/metadata.name': 'ns-a'}}}]}]})]
    expect(outcome(byName, pod({app: 'x'}, 'x', 'ns-a'), echoSame, tcp(1))).toBe('allow')
    expect(outcome(byName, pod({app: 'x'}, 'x', 'ns-b'), echoSame, tcp(1))).toBe('deny')
  })
  it('a CNP deny by namespace label cannot be skipped when the labels are unknown (was a false ALLOW)', () => {
    const p = [
      cnp('allow-all-ingress', {endpointSelector: {}, ingress: [{fromEntities: ['cluster']}]}),
      cnp('deny-untrusted', {endpointSelector: {}, ingressDeny: [{fromEndpoints: [{matchLabels: {'k8s:io.cilium.k8s.namespace.labels.trust': 'none'}}]}]}),
    ]
    expect(outcome(p, pod({app: 'x'}, 'x', 'sandbox'), echoSame, tcp(8080))).toBe('undetermined')
    expect(outcome(p, {...pod({app: 'x'}, 'x', 'sandbox'), namespaceLabels: {trust: 'none'}}, echoSame, tcp(8080))).toBe('deny')
    expect(outcome(p, {...pod({app: 'x'}, 'x', 'sandbox'), namespaceLabels: {trust: 'full'}}, echoSame, tcp(8080))).toBe('allow')
  })
  it('ipBlock with except, ports with endPort, a port without number (every TCP port), UDP not matched by the TCP default', () => {
    const p = [
      knp('ip', {
        podSelector: {matchLabels: {kind: 'client'}},
        policyTypes: ['Egress'],
        egress: [{to: [{ipBlock: {cidr: '10.0.0.0/8', except: ['10.1.0.0/16']}}], ports: [{port: 8000, endPort: 8100}]}, {to: [{ipBlock: {cidr: '192.168.0.0/16'}}], ports: [{}]}],
      }),
    ]
    expect(outcome(p, client, {kind: 'world', ip: '10.2.3.4'}, tcp(8000))).toBe('allow')
    // Beyond `port` the range depends on the agent (1.14 ignores endPort, 1.15 rejects, 1.16 enforces).
    expect(outcome(p, client, {kind: 'world', ip: '10.2.3.4'}, tcp(8050))).toBe('undetermined')
    expect(outcome(p, client, {kind: 'world', ip: '10.1.3.4'}, tcp(8050))).toBe('deny')
    expect(outcome(p, client, {kind: 'world', ip: '10.2.3.4'}, tcp(8101))).toBe('deny')
    expect(outcome(p, client, {kind: 'world', ip: '192.168.1.1'}, tcp(5))).toBe('allow')
    expect(outcome(p, client, {kind: 'world', ip: '192.168.1.1'}, {port: 5, protocol: 'UDP'})).toBe('deny')
  })
})

describe('the L4 line for an HTTP-filtered port (layer.ts with --method/--path)', () => {
  const http: PortRef = {name: 'http', servicePort: 8080, targetPort: 8080, protocol: 'TCP'}
  const w = (name: string, podLabels: Record<string, string>): Workload => ({namespace: NS, name, kind: 'LatticeService', serviceAccount: name, podLabels, ambient: false, ports: [http]})
  const q = (extra: Partial<ConnectivityQuery> = {}): ConnectivityQuery => ({source: w('client2', client2.labels), target: w('echo', echoSame.labels), port: http, trustDomain: 'cluster.local', ...extra})
  const p = [onlyDns, l7Http]
  it('no method/path → UNKNOWN naming the HTTP rule, not PASS', () => {
    const r = l4Layer(q(), p)
    expect(r.status).toBe('UNKNOWN')
    expect(r.summary).toMatch(/cannot decide egress of client2 for echo:8080: .*HTTP rules \(GET \/\)/)
  })
  it('GET / → allowed (WARN: echo ingress is not in default-deny); GET /admin → DENY saying the proxy answers 403', () => {
    expect(l4Layer(q({method: 'GET', path: '/'}), p).status).toBe('WARN')
    const r = l4Layer(q({method: 'GET', path: '/admin'}), p)
    expect(r.status).toBe('DENY')
    expect(r.summary).toMatch(/GET \/admin matches none, so Cilium's HTTP proxy answers 403$/)
  })
  it('an ambient pair carries HBONE on 15008: HTTP rules there cannot see the request (undetermined)', () => {
    const hbone = [
      cnp('out', {endpointSelector: {matchLabels: {other: 'client'}}, egress: [{toEndpoints: [{matchLabels: {kind: 'echo'}}], toPorts: [{ports: [{port: '15008', protocol: 'TCP'}], rules: getSlash}]}]}),
    ]
    const amb = (x: Workload): Workload => ({...x, ambient: true})
    const r = l4Layer(q({source: amb(w('client2', client2.labels)), target: amb(w('echo', echoSame.labels)), method: 'GET', path: '/'}), hbone)
    expect(r.status).toBe('UNKNOWN')
  })
})

describe('default-deny per direction (pkg/policy/repository.go computePolicyEnforcementAndRules)', () => {
  it('enableDefaultDeny: {ingress: true} on a policy with only egress rules does not enforce ingress (was a false DENY)', () => {
    const p = [cnp('egress-only', {endpointSelector: {matchLabels: {kind: 'echo'}}, enableDefaultDeny: {ingress: true, egress: true}, egress: [{toEntities: ['world']}]})]
    expect(evaluateL4(p, client, echoSame, tcp(8080)).ingress).toMatchObject({inDefaultDeny: false, allowed: true})
    expect(outcome(p, echoSame, client, tcp(8080))).toBe('deny')
  })
  it('a direction with only default-allow rules (enableDefaultDeny false) stays open; any default-deny rule closes it', () => {
    const open = cnp('open', {endpointSelector: {}, enableDefaultDeny: {ingress: false}, ingress: [{fromEndpoints: [{matchLabels: {name: 'client'}}]}]})
    expect(outcome([open], client2, echoSame, tcp(8080))).toBe('allow')
    const closed = cnp('closed', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [{fromEntities: ['host']}]})
    expect(outcome([open, closed], client2, echoSame, tcp(8080))).toBe('deny')
    expect(outcome([open, closed], client, echoSame, tcp(8080))).toBe('allow')
  })
})

describe('policies selecting the subject by namespace labels (CCNP endpointSelector on io.cilium.k8s.namespace.labels.*)', () => {
  const prodDefaultDeny = ccnp('prod-default-deny', {endpointSelector: {matchLabels: {'k8s:io.cilium.k8s.namespace.labels.env': 'prod'}}, ingress: [{fromEntities: ['host']}]})
  const known = (labels: Record<string, string>): PodPeer => ({...echoSame, namespaceLabels: labels})
  it('with the namespace labels known the CCNP applies or not', () => {
    expect(outcome([prodDefaultDeny], client, known({env: 'prod'}), tcp(8080))).toBe('deny')
    expect(outcome([prodDefaultDeny], client, known({env: 'dev'}), tcp(8080))).toBe('allow')
  })
  it('with them unknown, a CCNP that would change the verdict leaves it undetermined (was a false ALLOW: the CCNP was taken as not applying)', () => {
    const v = evaluateL4([prodDefaultDeny], client, echoSame, tcp(8080))
    expect(v.ingress.allowed).toBe(false)
    expect(v.ingress.undetermined.at(-1)).toMatch(/whether CiliumClusterwideNetworkPolicy prod-default-deny applies .* namespace cilium-test, which are not known/)
  })
  it('with them unknown, a CCNP that cannot change the verdict does not block a decision', () => {
    const allowAll = cnp('allow-all-ingress', {endpointSelector: {}, ingress: [{fromEndpoints: [{}]}]})
    const extraAllow = ccnp('prod-extra', {endpointSelector: {matchLabels: {'k8s:io.cilium.k8s.namespace.labels.env': 'prod'}}, ingress: [{fromEndpoints: [{matchLabels: {name: 'client'}}]}]})
    expect(outcome([allowAll, extraAllow], client, echoSame, tcp(8080))).toBe('allow')
  })
})

describe('to-fqdns (builder/client_egress_to_fqdns.go, manifests/client-egress-to-fqdns-one-one-one-one.yaml) through the external L4 line', () => {
  const src: Workload = {namespace: NS, name: 'client2', kind: 'LatticeService', serviceAccount: 'client2', podLabels: client2.labels, ambient: false, ports: []}
  const q = (host: string, port: number): ExternalQuery => ({source: src, target: {kind: 'External', text: host, host, port, protocol: 'TCP'}, trustDomain: 'cluster.local'})
  const dns = (names: Array<Record<string, string>>) => ({
    toEndpoints: [{matchLabels: {'io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns'}}],
    toPorts: [{ports: [{port: '53', protocol: 'ANY'}], rules: {dns: names}}],
  })
  const fqdn = (rules?: Record<string, unknown>) =>
    cnp('client-egress-to-fqdns', {
      endpointSelector: {matchLabels: {kind: 'client'}},
      egress: [dns([{matchName: 'one.one.one.one'}]), {toFQDNs: [{matchName: 'one.one.one.one'}], toPorts: [{ports: [{port: '443', protocol: 'TCP'}], ...(rules ? {rules} : {})}]}],
    })
  it('the lookup of a listed name passes its DNS rule, the connection passes toFQDNs (PASS)', () => {
    const r = l4ExternalLayer(q('one.one.one.one', 443), [fqdn()])
    expect(r.status).toBe('PASS')
  })
  it('a name the DNS rules do not list is refused by the DNS proxy (DENY), not undetermined', () => {
    const p = [cnp('x', {endpointSelector: {matchLabels: {kind: 'client'}}, egress: [dns([{matchName: 'one.one.one.one'}]), {toFQDNs: [{matchPattern: '*.example.com'}], toPorts: [{ports: [{port: '443'}]}]}]})]
    const r = l4ExternalLayer(q('api.example.com', 443), p)
    expect(r.status).toBe('DENY')
  })
  it('HTTP rules on the FQDN port without a request → UNKNOWN, not PASS and not DENY', () => {
    const r = l4ExternalLayer(q('one.one.one.one', 443), [fqdn({http: [{method: 'GET', path: '/'}]})])
    expect(r.status).toBe('UNKNOWN')
    expect(r.summary).toMatch(/^cannot decide client2 → one.one.one.one:443: .*HTTP rules/)
  })
})

describe('selectors and ports the scenarios rely on (pkg/policy/api, pkg/k8s/apis/cilium.io/utils getEndpointSelector)', () => {
  const ingressFrom = (sel: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [{fromEndpoints: [sel], ...extra}]})
  const other = pod({kind: 'client', name: 'client'}, 'client', 'other-ns')
  it('a CNP peer selector is scoped to the policy namespace; a CCNP peer selector is not', () => {
    expect(outcome([cnp('p', ingressFrom({matchLabels: {kind: 'client'}}))], other, echoSame, tcp(8080))).toBe('deny')
    expect(outcome([ccnp('p', ingressFrom({matchLabels: {kind: 'client'}}))], other, echoSame, tcp(8080))).toBe('allow')
    // Naming the namespace (k8s: or any: source) lifts the CNP scoping.
    expect(outcome([cnp('p', ingressFrom({matchLabels: {'k8s:io.kubernetes.pod.namespace': 'other-ns', kind: 'client'}}))], other, echoSame, tcp(8080))).toBe('allow')
    expect(outcome([cnp('p', ingressFrom({matchLabels: {'any:io.kubernetes.pod.namespace': 'other-ns'}}))], other, echoSame, tcp(8080))).toBe('allow')
  })
  it('`k8s:` and `any:` prefixes select Kubernetes labels; another source does not', () => {
    expect(outcome([cnp('p', ingressFrom({matchLabels: {'k8s:kind': 'client'}}))], client, echoSame, tcp(8080))).toBe('allow')
    expect(outcome([cnp('p', ingressFrom({matchLabels: {'any:kind': 'client'}}))], client, echoSame, tcp(8080))).toBe('allow')
    expect(outcome([cnp('p', ingressFrom({matchLabels: {'container:kind': 'client'}}))], client, echoSame, tcp(8080))).toBe('deny')
  })
  it('port 0 and absent toPorts are every port; ANY covers TCP, UDP and SCTP; TCP does not cover UDP; endPort is inclusive', () => {
    const withPorts = (ports: Array<Record<string, unknown>>) => [cnp('p', ingressFrom({}, {toPorts: [{ports}]}))]
    expect(outcome(withPorts([{port: '0', protocol: 'TCP'}]), client, echoSame, tcp(12345))).toBe('allow')
    expect(outcome(withPorts([{port: '0', protocol: 'TCP'}]), client, echoSame, {port: 53, protocol: 'UDP'})).toBe('deny')
    for (const protocol of ['TCP', 'UDP', 'SCTP']) expect(outcome(withPorts([{port: '9000', protocol: 'ANY'}]), client, echoSame, {port: 9000, protocol})).toBe('allow')
    expect(outcome(withPorts([{port: '9000', endPort: 9010, protocol: 'TCP'}]), client, echoSame, tcp(9010))).toBe('allow')
    expect(outcome(withPorts([{port: '9000', endPort: 9010, protocol: 'TCP'}]), client, echoSame, tcp(9011))).toBe('deny')
    expect(outcome([cnp('p', ingressFrom({}))], client, echoSame, {port: 5353, protocol: 'UDP'})).toBe('allow')
  })
})

describe('echo-ingress-auth-always-fail / echo-ingress-mutual-auth-spiffe (builder/echo_ingress_auth_always_fail.go, echo_ingress_mutual_auth_spiffe.go)', () => {
  const authRule = (authentication: Record<string, unknown>) =>
    cnp('echo-ingress-mutual-authentication', {
      endpointSelector: {matchLabels: {kind: 'echo'}},
      ingress: [{fromEndpoints: [{matchLabels: {kind: 'client'}}], toPorts: [{ports: [{port: '8080', protocol: 'TCP'}]}], authentication}],
    })
  it('authentication mode test-always-fail drops every client (ResultDropAuthRequired; was a false ALLOW)', () => {
    expect(outcome([authRule({mode: 'test-always-fail'})], client, echoSame, tcp(8080))).toBe('deny')
    expect(outcome([authRule({mode: 'test-always-fail'})], client2, echoSame, tcp(8080))).toBe('deny')
    const r = l4Layer(
      {source: {namespace: NS, name: 'client', kind: 'LatticeService', serviceAccount: 'client', podLabels: client.labels, ambient: false, ports: []}, target: {namespace: NS, name: 'echo', kind: 'LatticeService', serviceAccount: 'echo', podLabels: echoSame.labels, ambient: false, ports: [{name: 'http', servicePort: 8080, targetPort: 8080, protocol: 'TCP'}]}, port: {name: 'http', servicePort: 8080, targetPort: 8080, protocol: 'TCP'}, trustDomain: 'cluster.local'},
      [authRule({mode: 'test-always-fail'})],
    )
    expect(r.status).toBe('DENY')
    expect(r.summary).toMatch(/requires authentication mode test-always-fail/)
  })
  it('the older `auth: {type: always-fail}` form drops too', () => {
    const p = [cnp('auth-ingress-fail', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [{fromEndpoints: [{matchLabels: {kind: 'client'}}], toPorts: [{ports: [{port: '8080'}]}], auth: {type: 'always-fail'}}]})]
    expect(outcome(p, client, echoSame, tcp(8080))).toBe('deny')
  })
  it('mode required (SPIFFE) depends on the handshake: undetermined; another rule without auth does not lift it', () => {
    expect(outcome([authRule({mode: 'required'})], client, echoSame, tcp(8080))).toBe('undetermined')
    const plain = cnp('plain', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [{fromEndpoints: [{matchLabels: {kind: 'client'}}]}]})
    expect(outcome([authRule({mode: 'required'}), plain], client, echoSame, tcp(8080))).toBe('undetermined')
    // Traffic the auth rule does not cover is decided as usual.
    expect(outcome([authRule({mode: 'required'}), plain], client, echoSame, tcp(9090))).toBe('allow')
    expect(outcome([authRule({mode: 'disabled'})], client, echoSame, tcp(8080))).toBe('allow')
  })
})

describe('pkg/policy/rule_test.go: L7 merged with L4-only rules', () => {
  // TestMergeAllowAllL3AndShadowedL7: a wildcard-peer rule on 80/TCP without L7 next to one
  // with `GET /`: "Because one L7 rule allows at L7, all traffic is allowed at L7" (either order).
  const plain80 = {fromEndpoints: [{}], toPorts: [{ports: [{port: '80', protocol: 'TCP'}]}]}
  const get80 = {fromEndpoints: [{}], toPorts: [{ports: [{port: '80', protocol: 'TCP'}], rules: {http: [{method: 'GET', path: '/'}]}}]}
  it.each([
    ['plain rule first', [plain80, get80]],
    ['L7 rule first', [get80, plain80]],
  ])('TestMergeAllowAllL3AndShadowedL7 (%s): every request on 80 passes', (_, ingress) => {
    const p = [cnp('shadow', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress})]
    expect(outcome(p, client, echoSame, tcp(80, {request: {method: 'POST', path: '/x'}}))).toBe('allow')
    expect(outcome(p, client, echoSame, tcp(80))).toBe('allow')
  })
  it('with the L7 rule alone the same POST is rejected, and no request leaves it undetermined', () => {
    const p = [cnp('l7', {endpointSelector: {matchLabels: {kind: 'echo'}}, ingress: [get80]})]
    expect(outcome(p, client, echoSame, tcp(80, {request: {method: 'POST', path: '/x'}}))).toBe('deny')
    expect(outcome(p, client, echoSame, tcp(80))).toBe('undetermined')
  })
})

describe('namespace labels a Workload carries (layer.ts): a Namespace read live vs what the specs say', () => {
  const http: PortRef = {name: 'http', servicePort: 8080, targetPort: 8080, protocol: 'TCP'}
  const w = (name: string, namespace: string, namespaceLabels?: Record<string, string>): Workload => ({namespace, name, kind: 'LatticeService', serviceAccount: name, podLabels: {app: name}, ambient: false, ports: [http], ...(namespaceLabels ? {namespaceLabels} : {})})
  const q = (srcNs?: Record<string, string>): ConnectivityQuery => ({source: w('client', 'team-a', srcNs), target: w('echo', NS, {'kubernetes.io/metadata.name': NS}), port: http, trustDomain: 'cluster.local'})
  const byTeam = [knp('from-team-a', {podSelector: {matchLabels: {app: 'echo'}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: 'a'}}}]}]})]
  const byMode = [knp('from-ambient', {podSelector: {matchLabels: {app: 'echo'}}, ingress: [{from: [{namespaceSelector: {matchLabels: {'istio.io/dataplane-mode': 'ambient'}}}]}]})]
  it('offline (only the ambient label from the specs): a selector on another namespace label is UNKNOWN, one on the ambient label is decided', () => {
    expect(l4Layer(q({'istio.io/dataplane-mode': 'ambient'}), byTeam).status).toBe('UNKNOWN')
    expect(l4Layer(q({'istio.io/dataplane-mode': 'ambient'}), byMode).status).not.toBe('UNKNOWN')
    expect(l4Layer(q({'istio.io/dataplane-mode': 'ambient'}), byMode).status).not.toBe('DENY')
    expect(l4Layer(q(), byTeam).status).toBe('UNKNOWN')
  })
  it('live (the Namespace labels, with kubernetes.io/metadata.name): decided either way', () => {
    expect(l4Layer(q({'kubernetes.io/metadata.name': 'team-a', team: 'a'}), byTeam).status).not.toBe('UNKNOWN')
    expect(l4Layer(q({'kubernetes.io/metadata.name': 'team-a', team: 'a'}), byTeam).status).not.toBe('DENY')
    expect(l4Layer(q({'kubernetes.io/metadata.name': 'team-a'}), byTeam).status).toBe('DENY')
  })
})
