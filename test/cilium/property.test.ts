import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import type {GraphNode} from '../../src/graph/model.js'
import type {MeshMemberPort} from '../../src/spec/model.js'
import {canonicalCilium, ciliumBaseline, compileCilium, evaluateL4, type PodPeer} from '../../src/layers/cilium/index.js'
import {graph, node} from '../helpers/graph.js'

const member = fc.record({
  ns: fc.integer({min: 0, max: 1}),
  ambient: fc.boolean(),
  peer: fc.boolean(),
  // Application ports stay clear of 15008 so a plaintext port can never alias HBONE.
  ports: fc.uniqueArray(
    fc.record({port: fc.integer({min: 1024, max: 9999}), udp: fc.boolean(), auth: fc.constantFrom('Strict', 'Permissive', 'Webhook')}),
    {maxLength: 3, selector: (p) => p.port},
  ),
})

const scenario = fc
  .array(member, {minLength: 3, maxLength: 7})
  .chain((ms) => fc.tuple(fc.constant(ms), fc.uniqueArray(fc.tuple(fc.nat(ms.length - 1), fc.nat(ms.length - 1)), {maxLength: 16, selector: ([a, b]) => `${a}>${b}`})))

type Member = typeof member extends fc.Arbitrary<infer T> ? T : never

function build([ms, edges]: [Member[], Array<[number, number]>]) {
  const nodes: GraphNode[] = ms.map((m, i) =>
    node({
      ns: `ns${m.ns}`,
      name: `m${i}`,
      ambient: m.ambient,
      allowPeerTraffic: m.peer,
      ports: m.ports.map((p, j): MeshMemberPort => ({name: `p${j}`, port: p.port, peerAuth: p.auth as MeshMemberPort['peerAuth'], protocol: p.udp ? 'UDP' : 'TCP'})),
    }),
  )
  const g = graph(nodes, edges.map(([a, b]) => [nodes[a].key, nodes[b].key] as [string, string]))
  return {nodes, g}
}

const podOf = (n: GraphNode): PodPeer => ({kind: 'pod', namespace: n.namespace, labels: {...n.selector, 'app.kubernetes.io/managed-by': 'lattice'}, serviceAccount: n.serviceAccount})

describe('property: compiled seed policies admit exactly the active edges', () => {
  it('allowed (caller, callee, port) = (edges ∪ peer traffic) × callee ports, minus non-ambient → ambient', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const {nodes, g} = build(sc)
        const opts = defaultCompileOptions({profile: 'seed'})
        const objs = [...ciliumBaseline(opts), ...compileCilium(g, opts)]
        const allowed = new Set<string>()
        const expected = new Set<string>()
        for (const x of nodes) {
          for (const y of nodes) {
            for (const p of y.ports) {
              const proto = (p.protocol ?? 'TCP').toUpperCase()
              const key = `${x.key}|${y.key}|${p.port}/${proto}`
              const hbone = x.ambient && y.ambient
              const wire = hbone ? {port: 15008, protocol: 'TCP'} : {port: p.port, protocol: proto}
              if (evaluateL4(objs, podOf(x), podOf(y), wire).allowed) allowed.add(key)
              const declared = g.hasEdge(x.key, y.key) || (x.key === y.key && x.allowPeerTraffic)
              // §5.4.2 writes HBONE rules towards an ambient callee; a non-ambient caller
              // speaks plaintext and is refused (L7 would refuse it too, §6.6).
              const mixed = !x.ambient && y.ambient && x.key !== y.key
              if (declared && !mixed) expected.add(key)
            }
          }
        }
        expect([...allowed].sort()).toEqual([...expected].sort())
      }),
      {numRuns: 100},
    )
  })

  it('canonical keys ignore rule and peer order', () => {
    const shuffle = <T>(xs: T[], seed: number): T[] => xs.map((x, i) => [((i + 1) * 7919 * (seed + 3)) % 101, x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x)
    fc.assert(
      fc.property(scenario, fc.nat(1000), (sc, seed) => {
        const {g} = build(sc)
        for (const obj of compileCilium(g, defaultCompileOptions())) {
          const copy: KubeObject = structuredClone(obj)
          for (const section of ['ingress', 'egress']) {
            if (!copy.spec[section]) continue
            copy.spec[section] = shuffle(copy.spec[section] as Array<Record<string, unknown>>, seed).map((r) =>
              Object.fromEntries(Object.entries(r).reverse().map(([k, v]) => [k, Array.isArray(v) ? shuffle(v, seed + 1) : v])),
            )
          }
          copy.metadata.name = 'renamed'
          expect(canonicalCilium(copy)).toBe(canonicalCilium(obj))
        }
      }),
      {numRuns: 50},
    )
  })
})
