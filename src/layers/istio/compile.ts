// L7 compiler (LATTICE-SPEC §6): graph → AuthorizationPolicy / PeerAuthentication /
// ServiceEntry / waypoint Gateway objects. Reads only the graph and the options; never
// another layer's output. Non-ambient members get nothing (§6.6). `include` filters the
// members that emit (e.g. Cedar-denied ones emit nothing, §10.4), while peers' policies still
// name them.

import type {CompileOptions} from '../../core/constants.js'
import type {KubeObject} from '../../core/kube.js'
import type {GraphNode, ServiceGraph} from '../../graph/model.js'
import {hasMeshExternalEgress, isWaypointEnforced, waypointNamespaces} from '../../graph/waypoints.js'
import {externalObjects} from './external.js'
import {allowToPolicy} from './inbound.js'
import {plaintextObjects} from './plaintext.js'
import {allowWaypointTo, waypointNamespaceObjects} from './waypoint-objects.js'

export {istioBaseline} from './baseline.js'

export function compileIstio(graph: ServiceGraph, opts: CompileOptions, include?: (nodeKey: string) => boolean): KubeObject[] {
  const td = opts.trustDomain
  const members = [...graph.nodes.values()]
    .filter((n) => n.ambient && (include ? include(n.key) : true))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const out: KubeObject[] = []
  for (const node of members) {
    const allowTo = allowToPolicy(graph, node, td)
    if (allowTo) out.push(allowTo)
    out.push(...plaintextObjects(node))
  }
  out.push(...externalObjects(members, td))

  // The waypoint set exists where an emitting member needs it (external egress or
  // method/path rules); waypointNamespaces() is the graph-wide answer, narrowed by `include`.
  const needsWaypoint = (n: GraphNode) => hasMeshExternalEgress(n) || isWaypointEnforced(graph, n)
  // Members that need their namespace's waypoint, grouped once (in member order) rather
  // than filtered out of every member for every waypoint namespace.
  const usersByNamespace = new Map<string, GraphNode[]>()
  for (const n of members) {
    if (!needsWaypoint(n)) continue
    const list = usersByNamespace.get(n.namespace)
    if (list) list.push(n)
    else usersByNamespace.set(n.namespace, [n])
  }
  for (const ns of waypointNamespaces(graph)) {
    const users = usersByNamespace.get(ns) ?? []
    if (users.length === 0) continue
    out.push(...waypointNamespaceObjects(ns))
    for (const n of users) {
      const wp = allowWaypointTo(n, td)
      if (wp) out.push(wp)
    }
  }
  return out
}
