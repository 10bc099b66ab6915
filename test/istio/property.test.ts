// Property: for random ambient graphs, the compiled objects (plus the baseline) admit exactly
// the declared flows at ztunnel — (caller, callee, port) is allowed iff there is an active
// edge (or peer traffic) and the port is one of the callee's target ports, or the port is a
// Permissive/Webhook port (open to any source by design, §6.4).
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {principalOf} from '../../src/core/query.js'
import type {MeshMemberPort} from '../../src/spec/model.js'
import {compileIstio, evaluateIstio, istioBaseline, l7Layer} from '../../src/layers/istio/index.js'
import {graph, node} from '../helpers/graph.js'
import {opts, query} from './fixtures.js'

const memberArb = fc.record({
  ns: fc.integer({min: 0, max: 1}),
  ports: fc.uniqueArray(fc.integer({min: 0, max: 5}), {maxLength: 3}),
  peerAuth: fc.array(fc.constantFrom<MeshMemberPort['peerAuth']>('Strict', 'Strict', 'Permissive', 'Webhook'), {minLength: 3, maxLength: 3}),
  servicePort: fc.boolean(),
  peer: fc.boolean(),
  ownSa: fc.boolean(),
})

const graphArb = fc.integer({min: 3, max: 7}).chain((n) =>
  fc.record({
    namespaces: fc.integer({min: 1, max: 2}),
    members: fc.array(memberArb, {minLength: n, maxLength: n}),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), {maxLength: 14}),
  }),
)

describe('compile ∘ evaluate at ztunnel admits exactly the declared flows', () => {
  it('holds for random graphs', () => {
    fc.assert(
      fc.property(graphArb, ({namespaces, members, edges}) => {
        const nodes = members.map((m, i) =>
          node({
            ns: `ns${m.ns % namespaces}`,
            name: `svc${i}`,
            serviceAccount: m.ownSa ? `sa-${i}` : `svc${i}`,
            allowPeerTraffic: m.peer,
            ports: m.ports.map((k, j) => ({
              name: `p${k}`,
              port: 8000 + k,
              ...(m.servicePort ? {servicePort: 80 + k} : {}),
              peerAuth: m.peerAuth[j],
            })),
          }),
        )
        const g = graph(nodes, edges.map(([a, b]) => [nodes[a].key, nodes[b].key] as [string, string]))
        const objects = [...istioBaseline(opts), ...compileIstio(g, opts)]
        for (const caller of nodes) {
          for (const callee of nodes) {
            for (const port of callee.ports) {
              const declared = g.hasEdge(caller.key, callee.key) || (caller === callee && callee.allowPeerTraffic)
              const expected = declared || port.peerAuth !== 'Strict'
              const d = evaluateIstio(
                objects,
                {at: 'ztunnel', namespace: callee.namespace, podLabels: callee.selector},
                {at: 'ztunnel', sourceIdentity: principalOf(opts.trustDomain, caller.namespace, caller.serviceAccount), port: port.port},
                {trustDomain: opts.trustDomain},
              )
              expect(d.allowed, `${caller.key} → ${callee.key}:${port.port}`).toBe(expected)
              const q = query(caller, callee)
              q.port = q.target.ports.find((p) => p.targetPort === port.port)
              expect(l7Layer(q, objects).status).toBe(expected ? (port.peerAuth === 'Strict' ? 'PASS' : 'WARN') : 'DENY')
            }
          }
        }
      }),
      {numRuns: 100},
    )
  })
})
