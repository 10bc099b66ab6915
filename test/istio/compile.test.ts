import {describe, expect, it} from 'vitest'
import {compileIstio, istioBaseline} from '../../src/layers/istio/index.js'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import {names} from '../../src/core/names.js'
import {graph, node} from '../helpers/graph.js'
import {opts, seedPair} from './fixtures.js'

const find = (objs: KubeObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)

const owner = (name: string) => ({
  apiVersion: 'lattice.dev/v1alpha1',
  kind: 'LatticeMeshMember',
  name,
  uid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/),
  controller: true,
  blockOwnerDeletion: true,
})

describe('compileIstio: §6.3.1 allow-to', () => {
  it('emits the seed example for payments with caller checkout', () => {
    const {graph: g} = seedPair()
    const objs = compileIstio(g, opts)
    expect(find(objs, 'AuthorizationPolicy', 'allow-to-3d68c7ca')).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: {
        name: 'allow-to-3d68c7ca',
        namespace: 'commerce',
        labels: {'app.kubernetes.io/name': 'allow-to-3d68c7ca', 'app.kubernetes.io/managed-by': 'lattice'},
        ownerReferences: [owner('payments')],
      },
      spec: {
        selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}},
        action: 'ALLOW',
        rules: [{from: [{source: {principals: ['cluster.local/ns/commerce/sa/checkout']}}], to: [{operation: {ports: ['8080']}}]}],
      },
    })
    // checkout has no inbound principals: no allow-to for it (mesh-default-deny covers it).
    expect(find(objs, 'AuthorizationPolicy', 'allow-to-e79249a6')).toBeUndefined()
  })

  it('uses a deterministic owner uid, or the live one when known', () => {
    const a = compileIstio(seedPair().graph, opts)[0].metadata.ownerReferences![0].uid
    const b = compileIstio(seedPair().graph, opts)[0].metadata.ownerReferences![0].uid
    expect(a).toBe(b)
    const live = seedPair()
    live.payments.member.metadata.uid = 'live-uid'
    expect(compileIstio(live.graph, opts)[0].metadata.ownerReferences![0].uid).toBe('live-uid')
  })

  it('orders principals: edges, then own (peer/self-edge), then restricted advertise; target ports as strings', () => {
    const a = node({ns: 'shop', name: 'a'})
    const c = node({ns: 'other', name: 'c', serviceAccount: 'c-sa'})
    const b = node({
      ns: 'shop',
      name: 'b',
      ports: [
        {name: 'http', port: 8080, servicePort: 80, peerAuth: 'Strict'},
        {name: 'grpc', port: 9090, peerAuth: 'Strict'},
      ],
      advertise: {allowedServices: ['remote/x']},
    })
    const g = graph([a, b, c], [[c.key, b.key], [b.key, b.key], [a.key, b.key]])
    const policy = find(compileIstio(g, defaultCompileOptions({trustDomain: 'lattice.prod.local'})), 'AuthorizationPolicy', names.allowTo('shop', 'b'))!
    expect(policy.spec.rules).toEqual([
      {
        from: [
          {
            source: {
              principals: [
                'lattice.prod.local/ns/other/sa/c-sa',
                'lattice.prod.local/ns/shop/sa/a',
                'lattice.prod.local/ns/shop/sa/b',
                'lattice.prod.local/ns/remote/sa/x',
              ],
            },
          },
        ],
        to: [{operation: {ports: ['8080', '9090']}}],
      },
    ])
  })

  it('adds the own principal for allowPeerTraffic without any edge', () => {
    const m = node({ns: 'ns1', name: 'm', allowPeerTraffic: true})
    const [policy] = compileIstio(graph([m], []), opts)
    expect(policy.spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/ns1/sa/m'])
  })

  it('open advertise: one rule without `from`', () => {
    const m = node({ns: 'ns1', name: 'm', advertise: {allowedServices: ['*']}})
    const [policy] = compileIstio(graph([m], []), opts)
    expect(policy.spec.rules).toEqual([{to: [{operation: {ports: ['8080']}}]}])
  })

  it('no ports ⇒ no allow-to even with callers; non-ambient ⇒ nothing at all', () => {
    expect(compileIstio(seedPair({ports: []}).graph, opts)).toEqual([])
    const {graph: g} = seedPair({ambient: false, ports: [{name: 'h', port: 9443, peerAuth: 'Permissive'}], egress: [{target: {fqdn: 'x.example'}, ports: [443], protocol: 'TCP'}]})
    expect(compileIstio(g, opts)).toEqual([])
  })

  it('include filters emitting members only; peers still name excluded callers', () => {
    const {graph: g} = seedPair()
    expect(compileIstio(g, opts, (k) => k !== 'commerce/payments')).toEqual([])
    const objs = compileIstio(g, opts, (k) => k !== 'commerce/checkout')
    expect(objs.map((o) => o.metadata.name)).toEqual(['allow-to-3d68c7ca'])
    expect(objs[0].spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/commerce/sa/checkout'])
  })
})

describe('compileIstio: §6.3.2/§6.3.3 L7 extension and waypoint form', () => {
  it('moves the whole policy to the waypoint form with service ports', () => {
    const other = node({ns: 'commerce', name: 'reports'})
    const checkout = node({ns: 'commerce', name: 'checkout'})
    const payments = node({ns: 'commerce', name: 'payments', ports: [{name: 'http', port: 8080, peerAuth: 'Strict'}]})
    const g = graph(
      [checkout, payments, other],
      [
        {from: checkout.key, to: payments.key, l7: {methods: ['GET', 'POST'], paths: ['/v1/charges', '/v1/refunds/*']}},
        [other.key, payments.key],
      ],
    )
    const objs = compileIstio(g, opts)
    expect(find(objs, 'AuthorizationPolicy', 'allow-to-3d68c7ca')!.spec).toEqual({
      targetRefs: [{group: '', kind: 'Service', name: 'payments'}],
      action: 'ALLOW',
      rules: [
        {from: [{source: {principals: ['cluster.local/ns/commerce/sa/reports']}}], to: [{operation: {ports: ['8080']}}]},
        {
          from: [{source: {principals: ['cluster.local/ns/commerce/sa/checkout']}}],
          to: [{operation: {ports: ['8080'], methods: ['GET', 'POST'], paths: ['/v1/charges', '/v1/refunds/*']}}],
        },
      ],
    })
    // The waypoint set exists and the waypoint may reach payments' target port.
    expect(find(objs, 'Gateway', 'commerce-waypoint')).toBeDefined()
    expect(find(objs, 'AuthorizationPolicy', 'allow-wp-to-3d68c7ca')!.spec.rules[0].to[0].operation.ports).toEqual(['8080'])
  })

  it('uses Service ports in the waypoint form and resolves params.ports names', () => {
    const {graph: g} = seedPair(
      {ports: [{name: 'http', port: 8080, servicePort: 80, peerAuth: 'Strict'}, {name: 'admin', port: 9000, peerAuth: 'Strict'}]},
      {l7: {methods: ['GET'], ports: ['http']}},
    )
    const policy = find(compileIstio(g, opts), 'AuthorizationPolicy', 'allow-to-3d68c7ca')!
    expect(policy.spec.rules).toEqual([
      {from: [{source: {principals: [`cluster.local/ns/commerce/sa/checkout`]}}], to: [{operation: {ports: ['80'], methods: ['GET']}}]},
    ])
    expect(find(compileIstio(g, opts), 'AuthorizationPolicy', 'allow-wp-to-3d68c7ca')!.spec.rules[0].to[0].operation.ports).toEqual(['8080', '9000'])
  })

  it('ports-only constraints stay ztunnel-enforced; unresolvable port names grant nothing', () => {
    const ports = [{name: 'http', port: 8080, peerAuth: 'Strict' as const}, {name: 'admin', port: 9000, peerAuth: 'Strict' as const}]
    const restricted = compileIstio(seedPair({ports}, {l7: {ports: ['admin']}}).graph, opts)
    expect(restricted).toHaveLength(1)
    expect(restricted[0].spec.selector).toBeDefined()
    expect(restricted[0].spec.rules[0].to[0].operation.ports).toEqual(['9000'])
    expect(compileIstio(seedPair({ports}, {l7: {ports: ['nope']}}).graph, opts)).toEqual([])
  })
})

describe('compileIstio: §6.4 plaintext ports', () => {
  it('emits the permissive pair for Permissive and Webhook ports', () => {
    const {graph: g} = seedPair({
      ports: [
        {name: 'http', port: 8080, peerAuth: 'Strict'},
        {name: 'webhook', port: 9443, peerAuth: 'Webhook'},
      ],
    })
    const objs = compileIstio(g, opts)
    expect(find(objs, 'PeerAuthentication', 'permissive-3d68c7ca')).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: {
        name: 'permissive-3d68c7ca',
        namespace: 'commerce',
        labels: {'app.kubernetes.io/name': 'permissive-3d68c7ca', 'app.kubernetes.io/managed-by': 'lattice'},
        ownerReferences: [owner('payments')],
      },
      spec: {selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, mtls: {mode: 'STRICT'}, portLevelMtls: {'9443': {mode: 'PERMISSIVE'}}},
    })
    expect(find(objs, 'AuthorizationPolicy', 'allow-plaintext-3d68c7ca')!.spec).toEqual({
      selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}},
      action: 'ALLOW',
      rules: [{to: [{operation: {ports: ['9443']}}]}],
    })
  })

  it('namespace-scoped members cannot get per-port PERMISSIVE and stay STRICT', () => {
    const m = node({ns: 'legacy', name: 'all', selector: {}, namespaceScoped: true, ports: [{name: 'x', port: 9443, peerAuth: 'Permissive'}], allowPeerTraffic: true})
    const objs = compileIstio(graph([m], []), opts)
    expect(objs.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([`AuthorizationPolicy ${names.allowTo('legacy', 'all')}`])
    expect(objs[0].spec.selector).toBeUndefined() // namespace-wide
  })
})

describe('compileIstio: §6.5 external services and the waypoint set', () => {
  const stripe = {target: {fqdn: 'api.stripe.com'}, ports: [443], protocol: 'TCP' as const}

  it('emits the ServiceEntry, allow-fqdn grant and waypoint set of the example', () => {
    const {graph: g} = seedPair({egress: [stripe]})
    const objs = compileIstio(g, opts)
    expect(find(objs, 'ServiceEntry', 'se-auto-b3a048a9')).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: {
        name: 'se-auto-b3a048a9',
        namespace: 'commerce',
        labels: {
          'app.kubernetes.io/name': 'se-auto-b3a048a9',
          'app.kubernetes.io/managed-by': 'lattice',
          'istio.io/use-waypoint': 'commerce-waypoint',
        },
      },
      spec: {hosts: ['api.stripe.com'], ports: [{number: 443, name: 'https-443', protocol: 'HTTPS'}], location: 'MESH_EXTERNAL', resolution: 'DNS'},
    })
    expect(find(objs, 'AuthorizationPolicy', 'allow-fqdn-df21e045')!.spec).toEqual({
      targetRefs: [{group: 'networking.istio.io', kind: 'ServiceEntry', name: 'se-auto-b3a048a9'}],
      action: 'ALLOW',
      rules: [{from: [{source: {principals: ['cluster.local/ns/commerce/sa/payments']}}], to: [{operation: {ports: ['443']}}]}],
    })
    const gw = find(objs, 'Gateway', 'commerce-waypoint')!
    expect(gw.apiVersion).toBe('gateway.networking.k8s.io/v1')
    expect(gw.metadata.labels!['istio.io/waypoint-for']).toBe('service')
    expect(gw.spec).toEqual({
      gatewayClassName: 'istio-waypoint',
      listeners: [{name: 'mesh', port: 15008, protocol: 'HBONE', allowedRoutes: {namespaces: {from: 'Same'}}}],
    })
    expect(find(objs, 'AuthorizationPolicy', 'allow-to-waypoint')!.spec).toEqual({
      selector: {matchLabels: {'istio.io/waypoint-for': 'service'}},
      action: 'ALLOW',
      rules: [{to: [{operation: {ports: ['15008']}}]}],
    })
    expect(find(objs, 'AuthorizationPolicy', 'allow-wp-to-3d68c7ca')!.spec).toEqual({
      selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}},
      action: 'ALLOW',
      rules: [{from: [{source: {principals: ['cluster.local/ns/commerce/sa/commerce-waypoint']}}], to: [{operation: {ports: ['8080']}}]}],
    })
    // checkout has neither egress nor L7 rules: no allow-wp-to for it.
    expect(find(objs, 'AuthorizationPolicy', 'allow-wp-to-e79249a6')).toBeUndefined()
  })

  it('shares ServiceEntries per (namespace, host), merges ports, maps protocols and IP targets', () => {
    const a = node({
      ns: 'ops',
      name: 'a',
      egress: [
        {target: {fqdn: 'h.example'}, ports: [80], protocol: 'TCP'},
        {target: {cidr: '10.20.30.40/32'}, ports: [123], protocol: 'UDP'},
        {target: {entity: 'world'}, ports: [443], protocol: 'TCP'},
      ],
    })
    const b = node({ns: 'ops', name: 'b', egress: [{target: {fqdn: 'h.example'}, ports: [8443], protocol: 'TCP'}, {target: {fqdn: 'any.example'}, ports: [], protocol: 'TCP'}]})
    const objs = compileIstio(graph([a, b], []), opts)
    const ses = objs.filter((o) => o.kind === 'ServiceEntry')
    expect(ses).toHaveLength(3)
    const h = ses.find((o) => o.spec.hosts[0] === 'h.example')!
    expect(h.spec.ports).toEqual([
      {number: 80, name: 'http-80', protocol: 'HTTP'},
      {number: 8443, name: 'tcp-8443', protocol: 'TCP'},
    ])
    const ip = ses.find((o) => o.spec.hosts[0] === 'ip-10-20-30-40.svc.external')!
    expect(ip.spec).toEqual({
      hosts: ['ip-10-20-30-40.svc.external'],
      ports: [{number: 123, name: 'udp-123', protocol: 'UDP'}],
      location: 'MESH_EXTERNAL',
      resolution: 'STATIC',
      endpoints: [{address: '10.20.30.40'}],
    })
    expect(ses.find((o) => o.spec.hosts[0] === 'any.example')!.spec.ports).toBeUndefined()
    const grants = objs.filter((o) => o.metadata.name.startsWith('allow-fqdn-'))
    expect(grants).toHaveLength(4)
    const anyGrant = grants.find((o) => o.spec.targetRefs[0].name === ses.find((s) => s.spec.hosts[0] === 'any.example')!.metadata.name)!
    expect(anyGrant.spec.rules[0].to).toBeUndefined()
    expect(objs.filter((o) => o.kind === 'Gateway')).toHaveLength(1)
  })
})

describe('istioBaseline (§6.1)', () => {
  it('emits mesh-default-deny, STRICT default and waypoint-default-deny', () => {
    expect(istioBaseline(opts)).toEqual([
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: {name: 'mesh-default-deny', namespace: 'istio-system', labels: {'app.kubernetes.io/managed-by': 'lattice'}},
        spec: {},
      },
      {apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: {name: 'default', namespace: 'istio-system'}, spec: {mtls: {mode: 'STRICT'}}},
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: {name: 'waypoint-default-deny', namespace: 'istio-system'},
        spec: {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint'}]},
      },
    ])
  })
})

describe('Appendix B names', () => {
  it.each([
    ['commerce', 'checkout', 'allow-to-e79249a6'],
    ['commerce', 'payments', 'allow-to-3d68c7ca'],
    ['media', 'jellyfin', 'allow-to-3c5caa8d'],
    ['media', 'nzbget', 'allow-to-c1bf3311'],
    ['prod-ns', 'api', 'allow-to-dd29d773'],
  ])('%s/%s → %s', (ns, name, expected) => {
    const caller = node({ns, name: 'caller-x'})
    const callee = node({ns, name})
    const objs = compileIstio(graph([caller, callee], [[caller.key, callee.key]]), opts)
    expect(objs.map((o) => o.metadata.name)).toEqual([expected])
  })

  it('derives permissive/plaintext/wp/se/fqdn names from the vectors', () => {
    const {graph: g} = seedPair({
      ports: [{name: 'h', port: 9443, peerAuth: 'Permissive'}],
      egress: [{target: {fqdn: 'api.stripe.com'}, ports: [443], protocol: 'TCP'}],
    })
    const got = compileIstio(g, opts).map((o) => o.metadata.name)
    for (const n of ['allow-to-3d68c7ca', 'permissive-3d68c7ca', 'allow-plaintext-3d68c7ca', 'se-auto-b3a048a9', 'allow-fqdn-df21e045', 'commerce-waypoint', 'allow-to-waypoint', 'allow-wp-to-3d68c7ca']) {
      expect(got).toContain(n)
    }
  })
})
