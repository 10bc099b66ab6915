// Property: for random specs, the graph's edges equal an independent reading of the §4.2
// rule, and every unmatched explicit outbound declaration is explained by one finding.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {buildGraph} from '../../src/graph/build.js'
import type {LatticeMeshMember, LatticeService, ResourceSpec} from '../../src/spec/model.js'
import {lmm, svc} from './fixtures.js'

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
const NAMESPACES = ['ns1', 'ns2']

const declArb = fc.record({
  target: fc.nat({max: 8}), // index past the last service = a target that does not exist
  direction: fc.constantFrom('outbound', 'inbound', 'both'),
  ns: fc.constantFrom('own', 'target', 'other'),
  wildcard: fc.boolean(),
  keyIsName: fc.boolean(),
})

const specArb = fc.record({
  count: fc.integer({min: 5, max: 8}),
  namespaces: fc.integer({min: 1, max: 2}),
  placement: fc.array(fc.nat({max: 1}), {minLength: 8, maxLength: 8}),
  decls: fc.array(fc.array(declArb, {maxLength: 5}), {minLength: 8, maxLength: 8}),
  // An optional operator member with dependsAll (the outbound wildcard).
  member: fc.option(fc.record({allowsAll: fc.boolean(), callers: fc.array(fc.nat({max: 7}), {maxLength: 3})})),
  deniedInbound: fc.array(fc.nat({max: 7}), {maxLength: 3}),
  memberOutboundDenied: fc.boolean(),
})

type Spec = typeof specArb extends fc.Arbitrary<infer T> ? T : never

function materialize(s: Spec): {services: LatticeService[]; meshMembers: LatticeMeshMember[]} {
  const nsOf = (i: number) => NAMESPACES[s.placement[i] % s.namespaces]
  const services = NAMES.slice(0, s.count).map((name, i) => {
    const resources: Record<string, Partial<ResourceSpec> & {direction: string}> = {}
    s.decls[i].forEach((d, j) => {
      const exists = d.target < s.count
      const targetName = exists ? NAMES[d.target] : 'ghost'
      const targetNs = exists ? nsOf(d.target) : nsOf(i)
      const namespace = d.ns === 'own' ? undefined : d.ns === 'target' ? targetNs : NAMESPACES.find((n) => n !== targetNs)
      const id = d.wildcard && d.direction !== 'outbound' ? '*' : targetName
      const key = d.keyIsName && id !== '*' && !(id in resources) ? id : `r${j}`
      resources[key] = {direction: d.direction, ...(namespace ? {namespace} : {}), ...(key === id ? {} : {id})}
    })
    return svc(nsOf(i), name, {ports: {http: {port: 8080}}, resources})
  })
  const meshMembers = s.member
    ? [
        lmm('ns1', 'scraper', {
          dependsAll: true,
          allowedCallers: [...(s.member.allowsAll ? [{name: '*'}] : []), ...s.member.callers.filter((c) => c < s.count).map((c) => ({name: NAMES[c], namespace: nsOf(c)}))],
        }),
      ]
    : []
  return {services, meshMembers}
}

/** §4.2 read straight from the objects, without the implementation's helpers. */
function referenceEdges(input: {services: LatticeService[]; meshMembers: LatticeMeshMember[]}, permitted: (k: string, d: string) => boolean): Set<string> {
  interface N {deps: Set<string>; allowed: Set<string>; allowsAll: boolean; dependsAll: boolean}
  const nodes = new Map<string, N>()
  for (const s of input.services) {
    const n: N = {deps: new Set(), allowed: new Set(), allowsAll: false, dependsAll: false}
    for (const [key, r] of Object.entries(s.spec.workload.resources)) {
      if (r.type !== 'service') continue
      const t = `${r.namespace ?? s.metadata.namespace}/${r.id ?? key}`
      const name = r.id ?? key
      if ((r.direction === 'outbound' || r.direction === 'both') && name !== '*') n.deps.add(t)
      if (r.direction === 'inbound' || r.direction === 'both') {
        if (name === '*') n.allowsAll = true
        else n.allowed.add(t)
      }
    }
    nodes.set(`${s.metadata.namespace}/${s.metadata.name}`, n)
  }
  for (const m of input.meshMembers) {
    const n: N = {
      deps: new Set(m.spec.dependencies.map((d) => `${d.namespace}/${d.name}`)),
      allowed: new Set(m.spec.allowedCallers.filter((c) => c.name !== '*').map((c) => `${c.namespace}/${c.name}`)),
      allowsAll: m.spec.allowedCallers.some((c) => c.name === '*'),
      dependsAll: m.spec.dependsAll,
    }
    nodes.set(`${m.metadata.namespace}/${m.metadata.name}`, n)
  }
  const edges = new Set<string>()
  for (const [a, na] of nodes) {
    for (const [b, nb] of nodes) {
      const declares = na.deps.has(b) || (na.dependsAll && permitted(a, 'outbound') && a !== b)
      const allows = nb.allowed.has(a) || (nb.allowsAll && permitted(b, 'inbound') && a !== b)
      if (declares && allows) edges.add(`${a} ${b}`)
    }
  }
  return edges
}

describe('graph edges equal the §4.2 reference (property)', () => {
  it('for random specs in 1–2 namespaces', () => {
    fc.assert(
      fc.property(specArb, (s) => {
        const input = materialize(s)
        const denied = new Set(s.deniedInbound.filter((i) => i < s.count).map((i) => `${NAMESPACES[s.placement[i] % s.namespaces]}/${NAMES[i]}`))
        const permitted = (key: string, dir: string) => (dir === 'inbound' ? !denied.has(key) : !s.memberOutboundDenied)
        const graph = buildGraph(input, {wildcardPermitted: permitted})
        const expected = referenceEdges(input, permitted)
        const keys = [...graph.nodes.keys()]
        for (const a of keys) for (const b of keys) expect(graph.hasEdge(a, b)).toBe(expected.has(`${a} ${b}`))
        expect(graph.edges.length).toBe(expected.size)
        expect(graph.edges.map((e) => e.order)).toEqual(graph.edges.map((_, i) => i))
        // Every explicit outbound declaration without an edge has exactly one outbound finding.
        for (const svc of input.services) {
          const a = `${svc.metadata.namespace}/${svc.metadata.name}`
          for (const [key, r] of Object.entries(svc.spec.workload.resources)) {
            const name = r.id ?? key
            if (r.direction === 'inbound' || name === '*') continue
            const b = `${r.namespace ?? svc.metadata.namespace}/${name}`
            const outboundFindings = graph.findingsFor(a, b).filter((f) => f.kind !== 'one-sided-inbound')
            expect(outboundFindings.length).toBe(graph.hasEdge(a, b) ? 0 : 1)
          }
        }
      }),
      {numRuns: 300},
    )
  })
})
