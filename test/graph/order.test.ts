import {describe, expect, it} from 'vitest'
import {buildGraph} from '../../src/graph/build.js'
import {inb, lmm, out, svc} from './fixtures.js'

const ports = {http: {port: 8080}, metrics: {port: 9102}}

describe('edge order (§10.7)', () => {
  it('inbound edges follow the callee’s resource map, `*` at its position, then implicit callers sorted', () => {
    const callee = svc('shop', 'api', {
      ports,
      routes: {public: {}},
      resources: {zeta: inb(), 'any-caller': inb({id: '*'}), alpha: inb()},
    })
    const callers = ['alpha', 'zeta', 'c2', 'c1'].map((n) => svc('shop', n, {resources: {api: out()}}))
    const gateway = lmm('shop', 'shop-ingress-istio', {dependsAll: true})
    const vmagent = lmm('monitoring', 'vmagent', {dependsAll: true})
    const graph = buildGraph({services: [...callers, callee], meshMembers: [gateway, vmagent]})
    expect(graph.inbound('shop/api').map((e) => e.from)).toEqual([
      'shop/zeta',
      'shop/c1', // callers admitted by `*` sorted among themselves
      'shop/c2',
      'shop/alpha',
      'monitoring/vmagent',
      'shop/shop-ingress-istio',
    ])
    expect(graph.edges.map((e) => e.order)).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('outbound edges follow the caller’s resource map at the same time', () => {
    const caller = svc('shop', 'web', {resources: {y: out(), x: out(), w: out()}})
    const callees = ['w', 'x', 'y'].map((n) => svc('shop', n, {ports, resources: {web: inb()}}))
    // A second caller whose order agrees with nothing in particular.
    const other = svc('shop', 'other', {resources: {w: out(), y: out()}})
    for (const c of callees) c.spec.workload.resources.other = {type: 'service', direction: 'inbound', directionSet: true}
    const graph = buildGraph({services: [...callees, caller, other], meshMembers: []})
    expect(graph.outbound('shop/web').map((e) => e.to)).toEqual(['shop/y', 'shop/x', 'shop/w'])
    expect(graph.outbound('shop/other').map((e) => e.to)).toEqual(['shop/w', 'shop/y'])
    for (const c of ['w', 'x', 'y']) expect(graph.inbound(`shop/${c}`)[0].from).toBe('shop/web')
  })

  it('when the two declaration orders contradict each other, the callee’s order wins', () => {
    const a = svc('ns', 'a', {resources: {b: out(), c: out()}})
    const d = svc('ns', 'd', {resources: {c: out(), b: out()}})
    const b = svc('ns', 'b', {ports, resources: {d: inb(), a: inb()}})
    const c = svc('ns', 'c', {ports, resources: {a: inb(), d: inb()}})
    const graph = buildGraph({services: [a, b, c, d], meshMembers: []})
    expect(graph.inbound('ns/b').map((e) => e.from)).toEqual(['ns/d', 'ns/a'])
    expect(graph.inbound('ns/c').map((e) => e.from)).toEqual(['ns/a', 'ns/d'])
    expect(graph.edges).toHaveLength(4)
    expect(new Set(graph.edges.map((e) => e.order)).size).toBe(4)
  })
})
