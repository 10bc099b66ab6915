import {describe, expect, it} from 'vitest'
import {buildGraph} from '../../src/graph/build.js'
import type {LatticeMeshMember, LatticeService} from '../../src/spec/model.js'
import {both, inb, lmm, out, svc} from './fixtures.js'

const g = (services: LatticeService[], meshMembers: LatticeMeshMember[] = [], opts = {}) => buildGraph({services, meshMembers}, opts)
const ports = {http: {port: 8080}}

// §4.2 truth table: A in commerce calls B in commerce. `undefined` = no declaration.
type Decl = ReturnType<typeof out> | undefined
const rows: Array<[string, Decl, Decl, boolean, boolean]> = [
  ['outbound / inbound', out(), inb(), true, false],
  ['both / both', both(), both(), true, true],
  ['both / inbound', both(), inb(), true, false],
  ['outbound / both', out(), both(), true, false],
  ['outbound / —', out(), undefined, false, false],
  ['— / inbound', undefined, inb(), false, false],
  ['inbound / outbound', inb(), out(), false, true],
  ['outbound / inbound from namespace other', out(), inb({namespace: 'other'}), false, false],
]

describe('active edge rule (§4.2)', () => {
  it.each(rows)('%s', (_label, aDecl, bDecl, ab, ba) => {
    const a = svc('commerce', 'a', {ports, resources: aDecl ? {b: aDecl} : {}})
    const b = svc('commerce', 'b', {ports, resources: bDecl ? {a: bDecl} : {}})
    const graph = g([a, b])
    expect(graph.hasEdge('commerce/a', 'commerce/b')).toBe(ab)
    expect(graph.hasEdge('commerce/b', 'commerce/a')).toBe(ba)
    expect(graph.edges.every((e) => !e.viaWildcard && !e.implicit && !e.viaDependsAll && !e.self)).toBe(true)
  })

  it('outbound / inbound of id "*" → edge via wildcard; — / "*" → none', () => {
    const b = svc('commerce', 'b', {ports, resources: {'any-caller': inb({id: '*'})}})
    const graph = g([svc('commerce', 'a', {resources: {b: out()}}), b, svc('commerce', 'c')])
    expect(graph.edges).toEqual([{from: 'commerce/a', to: 'commerce/b', order: 0, viaWildcard: true, implicit: false, viaDependsAll: false, self: false}])
    expect(graph.hasEdge('commerce/c', 'commerce/b')).toBe(false)
    expect(graph.node('commerce/b')?.allowsAll).toBe(true)
  })

  it('needs both nodes to exist (an inbound declaration of a missing caller is inert)', () => {
    const graph = g([svc('commerce', 'a', {resources: {ghost: out(), phantom: inb()}})])
    expect(graph.edges).toEqual([])
    expect(graph.nodes.size).toBe(1)
  })

  it('ignores non-service resource types and invalid directions', () => {
    const a = svc('commerce', 'a', {resources: {b: {type: 'external-service', direction: 'outbound'}, c: out({type: 'volume'}), d: {direction: 'sideways'}}})
    const b = svc('commerce', 'b', {resources: {a: inb()}})
    const c = svc('commerce', 'c', {resources: {a: inb()}})
    const d = svc('commerce', 'd', {resources: {a: inb()}})
    expect(g([a, b, c, d]).edges).toEqual([])
  })
})

describe('cross-namespace (§4.3) and id override (§4.4)', () => {
  const web = svc('frontend', 'web', {resources: {api: out({namespace: 'backend'})}})
  it('needs both sides to name the other namespace', () => {
    const api = svc('backend', 'api', {ports, resources: {web: inb({namespace: 'frontend'})}})
    expect(g([web, api]).hasEdge('frontend/web', 'backend/api')).toBe(true)
    const apiSameNs = svc('backend', 'api', {ports, resources: {web: inb()}})
    expect(g([web, apiSameNs]).hasEdge('frontend/web', 'backend/api')).toBe(false)
    const webNoNs = svc('frontend', 'web', {resources: {api: out()}})
    expect(g([webNoNs, api]).hasEdge('frontend/web', 'backend/api')).toBe(false)
  })

  it('targets the id, not the resource key', () => {
    const caller = svc('shop', 'orders', {resources: {db: out({id: 'orders-postgres'})}})
    const pg = svc('shop', 'orders-postgres', {ports: {pg: {port: 5432}}, resources: {client: inb({id: 'orders'})}})
    const decoy = svc('shop', 'db', {ports, resources: {orders: inb()}})
    const graph = g([caller, pg, decoy])
    expect(graph.outbound('shop/orders').map((e) => e.to)).toEqual(['shop/orders-postgres'])
  })
})

describe('wildcards (§4.5)', () => {
  const caller = svc('commerce', 'a', {resources: {b: out()}})
  const b = svc('commerce', 'b', {ports, resources: {'any-caller': inb({id: '*'}), b: out()}})

  it('an inbound wildcard needs the Cedar permit when a callback is given', () => {
    const calls: string[] = []
    const denied = g([caller, b], [], {
      wildcardPermitted: (key: string, dir: string) => {
        calls.push(`${key} ${dir}`)
        return false
      },
    })
    expect(denied.hasEdge('commerce/a', 'commerce/b')).toBe(false)
    expect(calls).toContain('commerce/b inbound')
    const permitted = g([caller, b], [], {wildcardPermitted: (key: string, dir: string) => key === 'commerce/b' && dir === 'inbound'})
    expect(permitted.hasEdge('commerce/a', 'commerce/b')).toBe(true)
  })

  it('an explicitly named caller does not need the wildcard permit', () => {
    const named = svc('commerce', 'b', {resources: {'any-caller': inb({id: '*'}), a: inb()}})
    const graph = g([caller, named], [], {wildcardPermitted: () => false})
    expect(graph.edges.map((e) => [e.from, e.to, e.viaWildcard])).toEqual([['commerce/a', 'commerce/b', false]])
  })

  it('never creates a self-edge, even when the node declares itself outbound', () => {
    expect(g([b]).edges).toEqual([])
  })

  it('dependsAll reaches every node that allows it, never itself, and needs the outbound permit', () => {
    const scraper = lmm('ops', 'scraper', {dependsAll: true, allowedCallers: [{name: '*'}]})
    const allowsScraper = svc('commerce', 'x', {resources: {scraper: inb({namespace: 'ops'})}})
    const graph = g([allowsScraper, b, svc('commerce', 'closed')], [scraper])
    // dependsAll-only targets follow the caller's declarations, sorted by namespace/name.
    expect(graph.outbound('ops/scraper').map((e) => [e.to, e.viaDependsAll, e.viaWildcard])).toEqual([
      ['commerce/b', true, true],
      ['commerce/x', true, false],
    ])
    const noOutbound = g([allowsScraper, b], [scraper], {wildcardPermitted: (_k: string, dir: string) => dir === 'inbound'})
    expect(noOutbound.outbound('ops/scraper')).toEqual([])
    // The wildcard is not "open to the world": a node that never declares b does not reach it.
    expect(g([svc('commerce', 'y'), b]).inbound('commerce/b')).toEqual([])
  })
})

describe('implicit callers (§4.6)', () => {
  const gateway = lmm('shop', 'shop-ingress-istio', {dependsAll: true, serviceAccount: 'shop-ingress-istio'})
  const vmagent = lmm('monitoring', 'vmagent', {dependsAll: true, serviceAccount: 'vmagent-lattice-metrics'})
  const web = svc('shop', 'web', {ports, routes: {public: {kind: 'HTTPRoute'}}})
  const metrics = svc('shop', 'api', {ports: {http: {port: 8080}, metrics: {port: 9102}}})
  const named = svc('shop', 'named', {ports: {http: {port: 8080}, prom: {port: 9000}}, metricsPort: 'prom'})
  const dangling = svc('shop', 'dangling', {ports, metricsPort: 'nope'})

  it('only become edges when the implicit caller nodes exist (the ingress gateway always does where routes exist, §10.15)', () => {
    expect(g([web, metrics, named, dangling]).edges.map((e) => [e.from, e.to])).toEqual([['shop/shop-ingress-istio', 'shop/web']])
    const graph = g([web, metrics, named, dangling], [gateway, vmagent])
    expect(graph.edges.map((e) => [e.from, e.to, e.implicit, e.viaDependsAll])).toEqual([
      ['shop/shop-ingress-istio', 'shop/web', true, true],
      ['monitoring/vmagent', 'shop/api', true, true],
      ['monitoring/vmagent', 'shop/named', true, true],
    ])
    expect(graph.node('monitoring/vmagent')?.serviceAccount).toBe('vmagent-lattice-metrics')
    expect(graph.node('shop/web')?.allowedCallers).toEqual([{namespace: 'shop', name: 'shop-ingress-istio'}])
  })

  it('still need the caller to depend on the callee (no dependsAll, no edge)', () => {
    const passive = lmm('monitoring', 'vmagent', {dependsAll: false})
    expect(g([metrics], [passive]).edges).toEqual([])
  })

  it('are not read from operator mesh members', () => {
    const member = lmm('shop', 'legacy', {ports: [{name: 'metrics', port: 9102, peerAuth: 'Strict'}]})
    expect(g([], [member, vmagent]).edges).toEqual([])
  })
})

describe('peer traffic by self-declaration (§4.9)', () => {
  it('direction both on itself yields a self-edge', () => {
    const graph = g([svc('commerce', 'cluster', {ports, resources: {cluster: both()}})])
    expect(graph.edges).toEqual([{from: 'commerce/cluster', to: 'commerce/cluster', order: 0, viaWildcard: false, implicit: false, viaDependsAll: false, self: true}])
  })
  it('outbound alone on itself does not', () => {
    expect(g([svc('commerce', 'cluster', {resources: {cluster: out()}})]).edges).toEqual([])
  })
})

describe('nodes (§4.1)', () => {
  it('builds Local nodes from services and MeshMember nodes from operator members; the service wins', () => {
    const s = svc('commerce', 'payments', {ports})
    const shadow = lmm('commerce', 'payments', {dependsAll: true})
    const legacy = lmm('commerce', 'legacy', {
      serviceAccount: 'legacy-sa',
      target: {namespace: 'commerce'},
      allowedCallers: [{name: 'payments'}, {name: '*'}],
      dependencies: [{namespace: 'commerce', name: 'payments'}],
      allowPeerTraffic: true,
      ambient: false,
    })
    const graph = g([s], [shadow, legacy])
    const p = graph.node('commerce/payments')!
    expect(p).toMatchObject({kind: 'LatticeService', serviceAccount: 'payments', selector: {'app.kubernetes.io/name': 'payments'}, dependsAll: false, service: s})
    expect(p.member.derived).toBe(true)
    const l = graph.node('commerce/legacy')!
    expect(l).toMatchObject({kind: 'LatticeMeshMember', serviceAccount: 'legacy-sa', selector: {}, namespaceScoped: true, ambient: false, allowPeerTraffic: true, allowsAll: true})
    expect(l.allowedCallers).toEqual([{namespace: 'commerce', name: 'payments'}])
    expect(l.member).toBe(legacy)
    expect([...graph.nodes.keys()]).toEqual(['commerce/payments', 'commerce/legacy'])
  })

  it('carries the callee’s L7 constraints on the edge', () => {
    const a = svc('commerce', 'checkout', {resources: {payments: out()}})
    const b = svc('commerce', 'payments', {ports, resources: {checkout: inb({params: {methods: ['POST'], paths: ['/v1/charges']}})}})
    expect(g([a, b]).edges[0].l7).toEqual({methods: ['POST'], paths: ['/v1/charges']})
    expect(g([a, b], [], {profile: 'upstream'}).edges[0].l7).toBeUndefined()
  })

  it('keeps derived egress and skips external services named like an existing service', () => {
    const a = svc('commerce', 'a', {resources: {b: {type: 'external-service', direction: 'outbound', params: {endpoints: {x: 'https://b.example.com'}}}}})
    expect(g([a]).node('commerce/a')?.egress).toHaveLength(1)
    expect(g([a, svc('commerce', 'b')]).node('commerce/a')?.egress).toEqual([])
  })
})
