// The 10-service worked matrix of LATTICE-SPEC §4.10 (upstream's end-to-end mesh test).
import {describe, expect, it} from 'vitest'
import {buildGraph} from '../../src/graph/build.js'
import type {ResourceSpec} from '../../src/spec/model.js'
import {inb, out, svc} from './fixtures.js'

const NS = 'mesh-test'
const webDeps = ['api-gateway', 'api-users', 'api-orders', 'db-users', 'db-orders', 'cache', 'frontend-mobile', 'frontend-admin', 'public-api']
const table: Record<string, {outbound: string[]; inbound: string[]}> = {
  'frontend-web': {outbound: webDeps, inbound: []},
  'frontend-mobile': {outbound: webDeps.filter((d) => d !== 'public-api'), inbound: []},
  'frontend-admin': {outbound: webDeps.map((d) => (d === 'frontend-admin' ? 'frontend-web' : d)), inbound: []},
  'api-gateway': {outbound: ['db-users', 'db-orders', 'cache'], inbound: ['frontend-web', 'frontend-mobile', 'frontend-admin']},
  'api-users': {outbound: ['db-users', 'cache'], inbound: ['frontend-web', 'frontend-admin']},
  'api-orders': {outbound: ['db-orders', 'cache'], inbound: ['frontend-mobile', 'frontend-admin']},
  'db-users': {outbound: [], inbound: ['api-gateway', 'api-users']},
  'db-orders': {outbound: [], inbound: ['api-gateway', 'api-orders']},
  cache: {outbound: [], inbound: ['api-gateway', 'api-users', 'api-orders']},
  'public-api': {outbound: [], inbound: ['*']},
}

const services = Object.entries(table).map(([name, d]) => {
  const resources: Record<string, Partial<ResourceSpec> & {direction: string}> = {}
  for (const o of d.outbound) resources[o] = out()
  for (const i of d.inbound) resources[i === '*' ? 'any-caller' : i] = i === '*' ? inb({id: '*'}) : inb()
  return svc(NS, name, {ports: {http: {port: 80, targetPort: 8080}}, resources})
})
const graph = buildGraph({services, meshMembers: []})
const k = (n: string) => `${NS}/${n}`
const reach = (a: string, b: string) => graph.hasEdge(k(a), k(b))

describe('§4.10 worked matrix', () => {
  it('matches the expected reachability', () => {
    expect(reach('frontend-web', 'api-gateway')).toBe(true)
    expect(reach('frontend-web', 'api-users')).toBe(true)
    expect(reach('frontend-web', 'api-orders')).toBe(false)
    for (const db of ['db-users', 'db-orders', 'cache', 'frontend-mobile', 'frontend-admin']) expect(reach('frontend-web', db)).toBe(false)
    expect(reach('frontend-web', 'public-api')).toBe(true)
    expect(reach('frontend-mobile', 'public-api')).toBe(false)
    expect(reach('frontend-admin', 'public-api')).toBe(true)
  })

  it('has exactly the 16 active edges of the matrix', () => {
    const edges = graph.edges.map((e) => `${e.from.slice(NS.length + 1)}→${e.to.slice(NS.length + 1)}`).sort()
    expect(edges).toEqual(
      [
        'frontend-web→api-gateway', 'frontend-web→api-users', 'frontend-web→public-api',
        'frontend-mobile→api-gateway', 'frontend-mobile→api-orders',
        'frontend-admin→api-gateway', 'frontend-admin→api-users', 'frontend-admin→api-orders', 'frontend-admin→public-api',
        'api-gateway→db-users', 'api-gateway→db-orders', 'api-gateway→cache',
        'api-users→db-users', 'api-users→cache',
        'api-orders→db-orders', 'api-orders→cache',
      ].sort(),
    )
    expect(graph.inbound(k('public-api')).every((e) => e.viaWildcard)).toBe(true)
    // Outbound edges keep each caller's declaration order.
    expect(graph.outbound(k('frontend-admin')).map((e) => e.to)).toEqual(['api-gateway', 'api-users', 'api-orders', 'public-api'].map(k))
  })

  it('explains every unmatched declaration as one-sided outbound', () => {
    expect(graph.findings.every((f) => f.kind === 'one-sided-outbound')).toBe(true)
    expect(graph.findings).toHaveLength(17)
    expect(graph.findingsFor(k('frontend-web'), k('api-orders')).map((f) => f.message)).toEqual([
      'outbound dependency api-orders declared but no matching inbound declaration found on service api-orders',
    ])
  })
})
