// Issue 2 property: for random service graphs written as specs, the (caller, callee, port)
// triples that the compiled Cilium policies allow, and those the compiled Istio policies
// allow, each equal the bilateral agreement set. Each allowed set is derived from that
// layer's own output with that layer's own evaluator; the bilateral set is computed here
// from the declarations, independently of src/graph.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions, type Profile} from '../../src/core/constants.js'
import {compiledView} from '../../src/diagnose/pair.js'
import {workloadOf} from '../../src/diagnose/workload.js'
import {l4Layer} from '../../src/layers/cilium/index.js'
import {l7Layer} from '../../src/layers/istio/index.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {specSetFromDocuments} from '../../src/spec/load.js'
import {service} from '../helpers/specs.js'

type Decl = 'none' | 'outbound' | 'inbound' | 'both'
const NAMES = ['api', 'web', 'db', 'cache', 'queue', 'auth']

const arb = fc.integer({min: 2, max: 6}).chain((n) => fc.record({
  namespaces: fc.array(fc.constantFrom('shop', 'data'), {minLength: n, maxLength: n}),
  ports: fc.array(fc.subarray([8080, 9090, 5432], {minLength: 1}), {minLength: n, maxLength: n}),
  decl: fc.array(fc.constantFrom<Decl>('none', 'outbound', 'inbound', 'both'), {minLength: n * n, maxLength: n * n}),
}))

describe('compiled L4 and L7 policies allow exactly the bilateral pairs', () => {
  it('property (seed profile): per layer, allowed (caller, callee, port) = bilateral set × callee ports', async () => {
    await fc.assert(fc.asyncProperty(arb, async ({namespaces, ports, decl}) => {
      const n = namespaces.length
      const ids = namespaces.map((ns, i) => ({ns, name: NAMES[i]}))
      const docs = ids.map((me, i) => {
        const resources: Record<string, Record<string, unknown>> = {}
        ids.forEach((peer, j) => {
          const d = decl[i * n + j]
          if (i === j || d === 'none') return
          resources[peer.name] = {type: 'service', direction: d, ...(peer.ns !== me.ns ? {namespace: peer.ns} : {})}
        })
        return service(me.ns, me.name, resources, {ports: Object.fromEntries(ports[i].map((p) => [`p${p}`, {port: p}]))})
      })
      const specs = specSetFromDocuments(docs.map((value, index) => ({value: value as Record<string, unknown>, origin: {file: 'p.yaml', index}, label: `document ${index + 1}`})))
      const fleet = await compileFleet(specs, defaultCompileOptions({profile: 'seed' as Profile}))
      const view = compiledView(fleet)
      const outbound = (d: Decl) => d === 'outbound' || d === 'both'
      const inbound = (d: Decl) => d === 'inbound' || d === 'both'
      const expected = new Set<string>()
      const l4 = new Set<string>()
      const l7 = new Set<string>()
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          if (a === b) continue
          const key = (x: number) => `${ids[x].ns}/${ids[x].name}`
          const src = workloadOf(fleet.graph, specs, key(a))
          const dst = workloadOf(fleet.graph, specs, key(b))
          for (const port of dst.ports) {
            const triple = `${key(a)}→${key(b)}:${port.targetPort}`
            if (outbound(decl[a * n + b]) && inbound(decl[b * n + a])) expected.add(triple)
            const q = {source: src, target: dst, port, trustDomain: 'cluster.local'}
            const ok = (s: string) => s === 'PASS' || s === 'WARN'
            if (ok(l4Layer(q, view.l4).status)) l4.add(triple)
            if (ok(l7Layer(q, view.l7).status)) l7.add(triple)
          }
        }
      }
      expect([...l4].sort()).toEqual([...expected].sort())
      expect([...l7].sort()).toEqual([...expected].sort())
    }), {numRuns: 60})
  })
})
