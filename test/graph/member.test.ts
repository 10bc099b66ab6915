import {describe, expect, it} from 'vitest'
import {deriveMeshMember} from '../../src/graph/member.js'
import {both, ext, inb, out, svc} from './fixtures.js'

// The seed 001 pair of LATTICE-SPEC §1.1.
const checkout = svc('commerce', 'checkout', {ports: {http: {port: 8080}}, resources: {payments: out()}})
const payments = svc('commerce', 'payments', {
  ports: {http: {port: 8080}},
  resources: {
    checkout: inb(),
    stripe: ext({api: 'https://api.stripe.com'}),
    'stripe-key': {type: 'secret', direction: 'outbound', id: 'commerce/payments/stripe', params: {provider: 'vault-prod', keys: ['token']}},
  },
})

describe('deriveMeshMember (§1.9)', () => {
  it('compiles the checkout caller of §1.1', () => {
    const m = deriveMeshMember(checkout)
    expect(m.derived).toBe(true)
    expect(m.metadata).toEqual({name: 'checkout', namespace: 'commerce'})
    expect(m.raw).toMatchObject({apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember'})
    expect(m.spec).toEqual({
      target: {selector: {'app.kubernetes.io/name': 'checkout'}},
      ports: [{name: 'http', port: 8080, peerAuth: 'Strict', protocol: 'TCP'}],
      allowedCallers: [],
      dependencies: [{namespace: 'commerce', name: 'payments'}],
      egress: [],
      allowPeerTraffic: false,
      dependsAll: false,
      ambient: true,
    })
  })

  it('compiles the payments callee of §1.1 with its stripe egress (secrets add nothing)', () => {
    const m = deriveMeshMember(payments)
    expect(m.spec.allowedCallers).toEqual([{name: 'checkout', namespace: 'commerce'}])
    expect(m.spec.dependencies).toEqual([])
    expect(m.spec.egress).toEqual([{target: {fqdn: 'api.stripe.com'}, ports: [443], protocol: 'TCP', resource: 'stripe', endpoint: 'api'}])
  })

  it('maps port → targetPort, keeps servicePort only when remapped, Permissive for external types', () => {
    const ports = {http: {port: 80, targetPort: 8080}, metrics: {port: 9102}, dns: {port: 53, protocol: 'UDP'}}
    expect(deriveMeshMember(svc('a', 's', {ports})).spec.ports).toEqual([
      {name: 'http', port: 8080, servicePort: 80, peerAuth: 'Strict', protocol: 'TCP'},
      {name: 'metrics', port: 9102, peerAuth: 'Strict', protocol: 'TCP'},
      {name: 'dns', port: 53, peerAuth: 'Strict', protocol: 'UDP'},
    ])
    for (const serviceType of ['NodePort', 'LoadBalancer']) {
      const m = deriveMeshMember(svc('a', 's', {ports, serviceType}))
      expect(m.spec.ports.map((p) => p.peerAuth)).toEqual(['Permissive', 'Permissive', 'Permissive'])
    }
    expect(deriveMeshMember(svc('a', 's')).spec.ports).toEqual([])
  })

  it('sorts callers and dependencies by (namespace, name), filling namespaces and honouring id', () => {
    const m = deriveMeshMember(
      svc('shop', 'api', {
        resources: {
          zeta: inb(),
          web: inb({namespace: 'frontend'}),
          alpha: both(),
          db: out({id: 'orders-postgres'}),
          cache: out({namespace: 'a-infra'}),
          mq: {type: 'queue', direction: 'inbound'},
        },
      }),
    )
    expect(m.spec.allowedCallers).toEqual([
      {name: 'web', namespace: 'frontend'},
      {name: 'alpha', namespace: 'shop'},
      {name: 'zeta', namespace: 'shop'},
    ])
    expect(m.spec.dependencies).toEqual([
      {namespace: 'a-infra', name: 'cache'},
      {namespace: 'shop', name: 'alpha'},
      {namespace: 'shop', name: 'orders-postgres'},
    ])
  })

  it('collapses callers to * (dropping L7 constraints) and appends the ingress gateway', () => {
    const m = deriveMeshMember(
      svc('shop', 'api', {
        resources: {web: inb({params: {methods: ['GET']}}), 'any-caller': inb({id: '*'})},
        routes: {public: {kind: 'HTTPRoute'}},
      }),
    )
    expect(m.spec.allowedCallers).toEqual([{name: '*'}, {name: 'shop-ingress-istio', namespace: 'shop'}])
    expect(m.spec.ingress).toEqual({routes: {public: {kind: 'HTTPRoute'}}})
    expect(deriveMeshMember(svc('shop', 'api', {routes: {}})).spec.allowedCallers).toEqual([])
  })

  it('carries §6.3.2 L7 params into CallerRef.l7 in the seed profile only', () => {
    const s = svc('shop', 'api', {
      resources: {
        web: inb({params: {methods: ['GET', 'POST'], paths: ['/v1/*'], ports: ['http']}}),
        cli: inb({params: {unrelated: true}}),
      },
    })
    expect(deriveMeshMember(s).spec.allowedCallers).toEqual([
      {name: 'cli', namespace: 'shop'},
      {name: 'web', namespace: 'shop', l7: {methods: ['GET', 'POST'], paths: ['/v1/*'], ports: ['http']}},
    ])
    expect(deriveMeshMember(s, {profile: 'upstream'}).spec.allowedCallers.every((c) => c.l7 === undefined)).toBe(true)
  })

  it('compiles udp, IPv4, IPv6 and entity endpoints (§4.8)', () => {
    const s = svc('ops', 'agent', {
      resources: {
        stripe: ext({api: 'https://api.stripe.com', files: 'https://files.stripe.com:8443'}),
        ntp: ext({pool: 'udp://10.20.30.40:123'}),
        db: ext({v6: 'tcp://[2001:db8::5]:5432', bad: 'tcp://host-without-port'}),
        internet: {type: 'external-service', direction: 'outbound', id: 'entity:world:443'},
        'kube-api': {type: 'external-service', direction: 'both', id: 'entity:kube-apiserver:6443'},
        host: {type: 'external-service', direction: 'outbound', id: 'entity:host'},
        empty: {type: 'external-service', direction: 'outbound', id: 'entity:', params: {endpoints: {x: 'https://x.io'}}},
        inbound: ext({x: 'https://ignored.io'}, {direction: 'inbound'}),
      },
    })
    const seed = deriveMeshMember(s).spec.egress
    expect(seed).toEqual([
      {target: {fqdn: 'api.stripe.com'}, ports: [443], protocol: 'TCP', resource: 'stripe', endpoint: 'api'},
      {target: {fqdn: 'files.stripe.com'}, ports: [8443], protocol: 'TCP', resource: 'stripe', endpoint: 'files'},
      {target: {cidr: '10.20.30.40/32'}, ports: [123], protocol: 'UDP', resource: 'ntp', endpoint: 'pool'},
      {target: {cidr: '2001:db8::5/128'}, ports: [5432], protocol: 'TCP', resource: 'db', endpoint: 'v6'},
      {target: {entity: 'world'}, ports: [443], protocol: 'TCP', resource: 'internet'},
      {target: {entity: 'kube-apiserver'}, ports: [6443], protocol: 'TCP', resource: 'kube-api'},
      {target: {entity: 'host'}, ports: [443], protocol: 'TCP', resource: 'host'},
    ])
    const upstream = deriveMeshMember(s, {profile: 'upstream'}).spec.egress
    expect(upstream.find((r) => r.endpoint === 'v6')?.target).toEqual({cidr: '2001:db8::5/32'})
  })

  it('skips external services whose target collides with an existing service', () => {
    const s = svc('shop', 'api', {
      resources: {
        payments: ext({api: 'https://payments.example.com'}),
        billing: ext({api: 'https://billing.example.com'}, {namespace: 'finance'}),
        other: ext({api: 'https://other.example.com'}, {id: 'search'}),
      },
    })
    const existing = new Set(['shop/payments', 'shop/billing', 'shop/search'])
    const m = deriveMeshMember(s, {hasService: (ns, name) => existing.has(`${ns}/${name}`)})
    // billing targets finance/billing (no such service), search collides through its id.
    expect(m.spec.egress.map((r) => r.resource)).toEqual(['billing'])
    expect(deriveMeshMember(s).spec.egress).toHaveLength(3)
  })

  it('copies advertise', () => {
    const m = deriveMeshMember(svc('a', 's', {advertise: {allowedServices: ['b/t']}}))
    expect(m.spec.advertise).toEqual({allowedServices: ['b/t']})
  })
})
