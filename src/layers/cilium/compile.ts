// Per-member CiliumNetworkPolicy compiler (LATTICE-SPEC §5.4, §8 D1/D16). One CNP per mesh
// member, all of its ingress and egress in that one object. Reads only the service graph:
// the L7 and runtime compilers derive their objects independently (§0.4).

import type {CompileOptions} from '../../core/constants.js'
import {MANAGED_BY_LABEL, MANAGED_BY_LATTICE, NAME_LABEL, type KubeObject} from '../../core/kube.js'
import {names} from '../../core/names.js'
import type {GraphNode, ServiceGraph} from '../../graph/model.js'
import {hasMeshExternalEgress, isWaypointEnforced} from '../../graph/waypoints.js'
import type {EgressRule, MeshMemberPort} from '../../spec/model.js'
import {CILIUM_API_VERSION, CLUSTER_DNS_DOMAIN, CNP_KIND, NS_LABEL, k8sLabels, waypointPeer} from './keys.js'
import {HBONE, dnsMatch, dnsRule, toPorts, type PortProto, type Rule} from './rules.js'

export {ciliumBaseline} from './baseline.js'

const WEBHOOK_ENTITIES = ['cluster', 'remote-node', 'kube-apiserver', 'host', 'world']

/**
 * Exactly one CNP per member for which `include` is true (members denied by admission or
 * Cedar emit nothing, but their peers' policies still name them, §10.4). Graph order.
 */
export function compileCilium(graph: ServiceGraph, opts: CompileOptions, include: (nodeKey: string) => boolean = () => true): KubeObject[] {
  return [...ciliumObjects(graph, opts, include)]
}

/** compileCilium one object at a time, so `platform compile` can write each CNP and drop it. */
export function* ciliumObjects(graph: ServiceGraph, opts: CompileOptions, include: (nodeKey: string) => boolean = () => true): Generator<KubeObject> {
  for (const node of graph.nodes.values()) {
    if (include(node.key)) yield compileMember(graph, node, opts)
  }
}

/** The CNP of one member. */
export function compileMember(graph: ServiceGraph, node: GraphNode, opts: CompileOptions): KubeObject {
  const name = names.cnp(node.namespace, node.name)
  const {ingress, egress} = opts.profile === 'upstream' ? upstreamRules(graph, node) : seedRules(graph, node)
  const spec: Record<string, unknown> = {endpointSelector: podSelector(node)}
  if (ingress.length > 0) spec.ingress = ingress
  spec.egress = egress
  return {
    apiVersion: CILIUM_API_VERSION,
    kind: CNP_KIND,
    metadata: {name, namespace: node.namespace, labels: {[NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY_LATTICE}},
    spec,
  }
}

interface Sections {
  ingress: Rule[]
  egress: Rule[]
}

function seedRules(graph: ServiceGraph, node: GraphNode): Sections {
  const egress: Rule[] = [dnsRule(dnsNames(graph, node, true))]
  // The same waypoint can be reached for several reasons; one rule is enough.
  const waypoints = new Set<string>()
  const toWaypoint = (ns: string) => {
    if (waypoints.has(ns)) return
    waypoints.add(ns)
    egress.push({toEndpoints: [waypointPeer(ns)], toPorts: toPorts(HBONE)})
  }
  for (const callee of peersOf(graph, node, 'outbound')) {
    const ports = callee.ambient ? HBONE : targetPorts(callee, true)
    if (ports.length > 0) egress.push({toEndpoints: [peerSelector(callee, true)], toPorts: toPorts(ports)})
    if (isWaypointEnforced(graph, callee)) toWaypoint(callee.namespace)
  }
  if (node.ambient && hasMeshExternalEgress(node)) toWaypoint(node.namespace)
  for (const r of node.egress) pushDefined(egress, externalRule(r, true))
  if (hasPeerTraffic(graph, node)) egress.push(peerRule('toEndpoints', node))

  const ingress: Rule[] = []
  const own = node.ambient ? HBONE : targetPorts(node, true)
  if (own.length > 0) {
    for (const caller of peersOf(graph, node, 'inbound')) ingress.push({fromEndpoints: [peerSelector(caller, true)], toPorts: toPorts(own)})
  }
  if (needsWaypointIngress(graph, node)) ingress.push({fromEndpoints: [waypointPeer(node.namespace)], toPorts: toPorts(HBONE)})
  ingress.push(...plaintextRules(node, true))
  if (hasPeerTraffic(graph, node)) ingress.push(peerRule('fromEndpoints', node))
  // Cross-cluster traffic arrives through the east-west gateway over HBONE.
  if (node.advertise && node.ambient) ingress.push({fromEntities: ['cluster'], toPorts: toPorts(HBONE)})
  return {ingress, egress}
}

function upstreamRules(graph: ServiceGraph, node: GraphNode): Sections {
  const egress: Rule[] = [dnsRule(dnsNames(graph, node, false))]
  const ingress: Rule[] = []
  if (node.ambient) {
    egress.push({toEntities: ['cluster', 'world'], toPorts: toPorts(HBONE)})
    for (const callee of graph.outbound(node.key).map((e) => graph.node(e.to))) {
      if (!callee || callee.ambient) continue
      const ports = targetPorts(callee, false)
      if (ports.length > 0) egress.push({toEndpoints: [peerSelector(callee, callee.namespace !== node.namespace)], toPorts: toPorts(ports)})
    }
    for (const r of node.egress) pushDefined(egress, externalRule(r, false))
    const open = graph.inbound(node.key).length > 0 || node.ports.some(isPlaintext) || node.allowPeerTraffic || Boolean(node.advertise)
    if (open) ingress.push({fromEntities: ['cluster'], toPorts: toPorts(HBONE)})
    ingress.push(...plaintextRules(node, false))
    return {ingress, egress}
  }
  // Non-ambient: no HBONE and (an upstream gap) no egress towards callees.
  if (node.allowPeerTraffic) {
    ingress.push({fromEndpoints: [ownSelector(node)]})
    egress.push({toEndpoints: [ownSelector(node)]})
  }
  ingress.push(...plaintextRules(node, false))
  const own = targetPorts(node, false)
  if (own.length > 0) {
    for (const e of graph.inbound(node.key)) {
      const caller = graph.node(e.from)
      if (caller) ingress.push({fromEndpoints: [peerSelector(caller, caller.namespace !== node.namespace)], toPorts: toPorts(own)})
    }
  }
  for (const r of node.egress) pushDefined(egress, externalRule(r, false))
  return {ingress, egress}
}

/** FQDN hosts (declaration order), then `<callee>.<ns>.svc.cluster.local` per outbound edge. */
function dnsNames(graph: ServiceGraph, node: GraphNode, patterns: boolean): Array<Record<string, string>> {
  const hosts: string[] = []
  for (const r of node.egress) if (r.target.fqdn) hosts.push(r.target.fqdn)
  for (const e of graph.outbound(node.key)) {
    const callee = graph.node(e.to)
    if (callee) hosts.push(`${callee.name}.${callee.namespace}.svc.${CLUSTER_DNS_DOMAIN}`)
  }
  return [...new Set(hosts)].map((h) => dnsMatch(h, patterns))
}

/** §5.4.5. The seed profile uses matchPattern for wildcard hosts; upstream keeps matchName. */
function externalRule(r: EgressRule, seed: boolean): Rule | undefined {
  const rule: Rule = {}
  if (r.target.fqdn) rule.toFQDNs = [seed ? dnsMatch(r.target.fqdn, true) : {matchName: r.target.fqdn}]
  else if (r.target.cidr) rule.toCIDR = [r.target.cidr]
  else if (r.target.entity) rule.toEntities = [r.target.entity]
  else return undefined
  if (r.ports.length > 0) rule.toPorts = toPorts(r.ports.map((port) => ({port, protocol: r.protocol})))
  return rule
}

/** Permissive then Webhook ports: plaintext callers the mesh cannot name (§5.4.3-3/4). */
function plaintextRules(node: GraphNode, seed: boolean): Rule[] {
  const out: Rule[] = []
  const permissive = node.ports.filter((p) => p.peerAuth === 'Permissive')
  const webhook = node.ports.filter((p) => p.peerAuth === 'Webhook')
  if (permissive.length > 0) out.push({fromEntities: ['cluster'], toPorts: toPorts(permissive.map((p) => portOf(p, seed)))})
  if (webhook.length > 0) out.push({fromEntities: [...WEBHOOK_ENTITIES], toPorts: toPorts(webhook.map((p) => portOf(p, seed)))})
  return out
}

function peerRule(field: 'toEndpoints' | 'fromEndpoints', node: GraphNode): Rule {
  const rule: Rule = {[field]: [ownSelector(node)]}
  if (node.ambient) rule.toPorts = toPorts(HBONE)
  return rule
}

/** Self-edges are peer traffic (§4.9): they produce the peer rule, not a per-edge rule. */
function peersOf(graph: ServiceGraph, node: GraphNode, dir: 'outbound' | 'inbound'): GraphNode[] {
  const edges = dir === 'outbound' ? graph.outbound(node.key) : graph.inbound(node.key)
  const out: GraphNode[] = []
  for (const e of edges) {
    if (e.self || e.from === e.to) continue
    const peer = graph.node(dir === 'outbound' ? e.to : e.from)
    if (peer) out.push(peer)
  }
  return out
}

function hasPeerTraffic(graph: ServiceGraph, node: GraphNode): boolean {
  return node.allowPeerTraffic || graph.hasEdge(node.key, node.key)
}

/** When upstream would emit `allow-wp-to-…` (§6.5: external egress and ports), or L7 needs the waypoint. */
export function needsWaypointIngress(graph: ServiceGraph, node: GraphNode): boolean {
  if (!node.ambient) return false
  return (hasMeshExternalEgress(node) && node.ports.length > 0) || isWaypointEnforced(graph, node)
}

function isPlaintext(p: MeshMemberPort): boolean {
  return p.peerAuth === 'Permissive' || p.peerAuth === 'Webhook'
}

/** T(X): target ports. The seed profile keeps a declared UDP/SCTP protocol; upstream writes TCP. */
function targetPorts(node: GraphNode, seed: boolean): PortProto[] {
  return node.ports.map((p) => portOf(p, seed))
}

function portOf(p: MeshMemberPort, seed: boolean): PortProto {
  const proto = (p.protocol ?? 'TCP').toUpperCase()
  return {port: p.port, protocol: seed && (proto === 'UDP' || proto === 'SCTP') ? proto : 'TCP'}
}

/**
 * The member's `k8s:`-prefixed selector labels, computed once per node (a node is selected
 * by its own CNP and by every peer's); callers copy it, since no two objects share parts.
 */
const selectorLabels = new WeakMap<GraphNode, Record<string, string>>()
function labelsOf(node: GraphNode): Record<string, string> {
  let labels = selectorLabels.get(node)
  if (!labels) selectorLabels.set(node, (labels = node.namespaceScoped ? {} : k8sLabels(node.selector)))
  return labels
}

/** The member's pods: `{}` (all pods of the CNP's namespace) for a namespace-scoped member. */
export function podSelector(node: GraphNode): Record<string, unknown> {
  const labels = labelsOf(node)
  return Object.keys(labels).length > 0 ? {matchLabels: {...labels}} : {}
}

function ownSelector(node: GraphNode): Record<string, unknown> {
  return podSelector(node)
}

/** Another member's pods as a peer; the namespace label pins it across namespaces. */
function peerSelector(node: GraphNode, withNamespace: boolean): Record<string, unknown> {
  const labels = labelsOf(node)
  return {matchLabels: withNamespace ? {...labels, [NS_LABEL]: node.namespace} : {...labels}}
}

function pushDefined(list: Rule[], rule: Rule | undefined): void {
  if (rule) list.push(rule)
}
