// The Declarations line (§9.2 step 4): does the active edge A→B exist, and if not, which
// §4.7 finding explains it. Diagnostic only: a missing declaration blocks through L4/L7.

import {layerResult, type LayerResult} from '../core/result.js'
import type {Finding, ServiceGraph} from '../graph/model.js'

export function declarationsLayer(graph: ServiceGraph, from: string, to: string): LayerResult {
  const a = display(from, to)
  const b = display(to, from)
  const edge = graph.outbound(from).find((e) => e.to === to)
  if (edge) {
    const how = edge.viaDependsAll ? `dependsAll on ${a}` : `outbound on ${a}`
    const allow = edge.implicit ? `implicit caller of ${b}` : edge.viaWildcard ? `inbound wildcard on ${b}` : `inbound on ${b}`
    const notes = edge.self ? ['derived: peer traffic through a self-declaration (direction: both on itself)'] : []
    return layerResult('declarations', 'PASS', `${a} → ${b}: ${how}, ${allow}`, {
      reasons: notes,
      evidence: [
        {kind: 'LatticeService', namespace: ns(from), name: nm(from), detail: how},
        {kind: 'LatticeService', namespace: ns(to), name: nm(to), detail: allow},
      ],
    })
  }
  const peer = from === to ? graph.node(from) : undefined
  if (peer?.allowPeerTraffic) {
    // §4.9: a member's own pods talk through its peer rules, not through an edge.
    return layerResult('declarations', 'PASS', `${a} → ${a}: peer traffic (allowPeerTraffic on ${a})`, {
      evidence: [{kind: peer.kind, namespace: peer.namespace, name: peer.name, detail: 'allowPeerTraffic: true'}],
    })
  }
  const findings = graph.findingsFor(from, to)
  if (findings.length > 0) {
    return layerResult('declarations', 'DENY', findings[0].message, {
      reasons: findings.map((f) => f.message),
      evidence: findings.map((f) => evidenceOf(f)),
    })
  }
  return layerResult('declarations', 'DENY', `${a} does not declare ${b} as a dependency and ${b} does not allow ${a}`, {
    reasons: [`no resource of ${a} names ${to} (outbound) and no resource of ${b} names ${from} (inbound)`],
  })
}

/** The most specific explanation of a missing edge, for the Result line. */
export function explainMissingEdge(graph: ServiceGraph, from: string, to: string): string | undefined {
  if (graph.hasEdge(from, to)) return undefined
  const f = graph.findingsFor(from, to)[0]
  const a = display(from, to)
  const b = display(to, from)
  if (!f) return `Neither ${a} declares ${b} outbound nor ${b} declares ${a} inbound.`
  switch (f.kind) {
    case 'one-sided-outbound':
      return `Bilateral inbound declaration on ${b} does not include ${a}.`
    case 'one-sided-inbound':
      return `${a} does not declare ${b} as an outbound dependency.`
    default:
      return sentence(f.message)
  }
}

function evidenceOf(f: Finding) {
  const key = f.kind === 'one-sided-inbound' ? f.from : f.to
  return {kind: 'LatticeService', namespace: ns(key), name: nm(key), detail: f.kind}
}

/** `name` when in the same namespace as the other party, else `ns/name` (§4.7). */
export function display(key: string, other: string): string {
  return ns(key) === ns(other) ? nm(key) : key
}

const ns = (key: string) => key.slice(0, key.indexOf('/'))
const nm = (key: string) => key.slice(key.indexOf('/') + 1)
const sentence = (s: string) => (s.endsWith('.') ? s : `${s}.`).replace(/^./, (c) => c.toUpperCase())
