// Where a namespace waypoint exists and who is enforced by it (LATTICE-SPEC §6.3.3, §6.5,
// §10.3). Cilium, Istio and Tetragon all need the same answer, so it is derived once from
// the graph (shared input), never from another layer's output.
//
// A graph is immutable once built, so both answers are remembered per graph: every
// compiler asks them for every member and every edge of a fleet.

import type {GraphNode, ServiceGraph} from './model.js'

const enforcedByGraph = new WeakMap<ServiceGraph, Map<string, boolean>>()
const namespacesByGraph = new WeakMap<ServiceGraph, string[]>()

/** Any inbound edge of the member carries methods or paths: its ALLOW moves to the waypoint. */
export function isWaypointEnforced(graph: ServiceGraph, node: GraphNode): boolean {
  if (!node.ambient) return false
  let memo = enforcedByGraph.get(graph)
  if (!memo) enforcedByGraph.set(graph, (memo = new Map()))
  let enforced = memo.get(node.key)
  if (enforced === undefined) {
    enforced = graph.inbound(node.key).some((e) => hasL7(e.l7))
    memo.set(node.key, enforced)
  }
  return enforced
}

/** Member has FQDN or CIDR egress (entities produce nothing at L7). */
export function hasMeshExternalEgress(node: GraphNode): boolean {
  return node.egress.some((r) => Boolean(r.target.fqdn || r.target.cidr))
}

/** Namespaces that get the `<ns>-waypoint` set of objects, sorted. */
export function waypointNamespaces(graph: ServiceGraph): string[] {
  let cached = namespacesByGraph.get(graph)
  if (!cached) {
    const out = new Set<string>()
    for (const n of graph.nodes.values()) {
      if (!n.ambient || out.has(n.namespace)) continue
      if (hasMeshExternalEgress(n) || isWaypointEnforced(graph, n)) out.add(n.namespace)
    }
    cached = [...out].sort()
    namespacesByGraph.set(graph, cached)
  }
  return [...cached]
}

function hasL7(l7: {methods?: string[]; paths?: string[]} | undefined): boolean {
  return Boolean(l7 && ((l7.methods && l7.methods.length > 0) || (l7.paths && l7.paths.length > 0)))
}
