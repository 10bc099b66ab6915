// The per-member inbound ALLOW policy `allow-to-<h8>` (LATTICE-SPEC §6.3): one identity
// rule for every unconstrained caller, one rule per caller with L7 constraints (§6.3.2), and
// the waypoint form (targetRefs Service, Service ports) once any rule carries methods/paths.

import {principalOf} from '../../core/query.js'
import {names} from '../../core/names.js'
import type {KubeObject} from '../../core/kube.js'
import type {GraphNode, ServiceGraph} from '../../graph/model.js'
import {isWaypointEnforced} from '../../graph/waypoints.js'
import type {L7Params} from '../../spec/model.js'
import {authorizationPolicy, selectorFor} from './objects.js'

export function allowToPolicy(graph: ServiceGraph, node: GraphNode, trustDomain: string): KubeObject | undefined {
  if (node.ports.length === 0) return undefined
  const waypoint = isWaypointEnforced(graph, node)
  const portsFor = (portNames?: string[]) => {
    const selected = portNames && portNames.length > 0 ? node.ports.filter((p) => portNames.includes(p.name)) : node.ports
    // ztunnel matches the pod port after HBONE decapsulation; the waypoint sees the Service port.
    return unique(selected.map((p) => String(waypoint ? (p.servicePort ?? p.port) : p.port)))
  }
  const own = principalOf(trustDomain, node.namespace, node.serviceAccount)
  const rules: Array<Record<string, unknown>> = []

  if (node.advertise?.allowedServices.includes('*')) {
    rules.push({to: [{operation: {ports: portsFor()}}]}) // any authenticated source
  } else {
    const shared: string[] = []
    const constrained: Array<{principal: string; l7: L7Params}> = []
    let selfEdge = false
    for (const e of graph.inbound(node.key)) {
      const principal = callerPrincipal(graph, e.from, trustDomain)
      if (e.l7 && hasConstraints(e.l7)) constrained.push({principal, l7: e.l7})
      else if (e.self || e.from === node.key) selfEdge = true
      else shared.push(principal)
    }
    if (node.allowPeerTraffic || selfEdge) shared.push(own)
    for (const entry of node.advertise?.allowedServices ?? []) {
      const [ns, name] = entry.includes('/') ? entry.split('/', 2) : [node.namespace, entry]
      shared.push(principalOf(trustDomain, ns, name))
    }
    const principals = unique(shared)
    if (principals.length > 0) rules.push({from: [{source: {principals}}], to: [{operation: {ports: portsFor()}}]})
    for (const c of constrained) {
      const ports = portsFor(c.l7.ports)
      // Port names that resolve to nothing must not widen the rule to every port.
      if (ports.length === 0) continue
      const operation: Record<string, unknown> = {ports}
      if (c.l7.methods && c.l7.methods.length > 0) operation.methods = [...c.l7.methods]
      if (c.l7.paths && c.l7.paths.length > 0) operation.paths = [...c.l7.paths]
      rules.push({from: [{source: {principals: [c.principal]}}], to: [{operation}]})
    }
  }
  if (rules.length === 0) return undefined
  const attach = waypoint ? {targetRefs: [{group: '', kind: 'Service', name: node.name}]} : selectorFor(node)
  return authorizationPolicy(names.allowTo(node.namespace, node.name), node, {...attach, action: 'ALLOW', rules})
}

export function callerPrincipal(graph: ServiceGraph, key: string, trustDomain: string): string {
  const caller = graph.node(key)
  if (caller) return principalOf(trustDomain, caller.namespace, caller.serviceAccount)
  const [ns, name] = key.split('/', 2)
  return principalOf(trustDomain, ns, name)
}

function hasConstraints(l7: L7Params): boolean {
  return Boolean(l7.methods?.length || l7.paths?.length || l7.ports?.length)
}

export function unique<T>(list: T[]): T[] {
  return [...new Set(list)]
}
