// Runtime compiler (LATTICE-SPEC §7): expected Tetragon policies from the specs and the
// graph. Reads only the spec, the graph and shared waypoint rules, never another layer.

import type {CompileOptions} from '../../core/constants.js'
import type {KubeObject} from '../../core/kube.js'
import type {ServiceGraph} from '../../graph/model.js'
import {hasMeshExternalEgress, isWaypointEnforced, waypointNamespaces} from '../../graph/waypoints.js'
import {keyOf, type LatticeService} from '../../spec/model.js'
import {podRuntimeProfile} from './aggregate.js'
import {allowlistOf} from './allowlist.js'
import {
  allowBinariesPolicy, baselinePolicy, blockCapsetPolicy, blockRootfsWritePolicy, blockSetuidPolicy,
  waypointRuntimePolicy,
} from './policies.js'

/** Per-service policies for one service (§7.2), in a fixed order. */
export function compileServiceRuntime(svc: LatticeService, opts: CompileOptions): KubeObject[] {
  const {name, namespace} = svc.metadata
  const out: KubeObject[] = []
  const allow = allowlistOf(svc)
  if (!allow.wildcard) out.push(allowBinariesPolicy(name, namespace, allow.values))
  // D8: upstream removed the three block-* policies; only the seed profile expects them.
  if (opts.profile === 'seed') {
    const pod = podRuntimeProfile(svc)
    if (pod.readOnlyRootfs) out.push(blockRootfsWritePolicy(name, namespace, pod.writablePrefixes))
    if (pod.nonRoot) out.push(blockSetuidPolicy(name, namespace))
    if (pod.noAddedCapabilities) out.push(blockCapsetPolicy(name, namespace))
  }
  return out
}

/**
 * Every per-service policy plus one waypoint policy per waypoint namespace (§7.6).
 * `include` filters by node key (e.g. Cedar-denied services emit nothing, §10.4); a
 * namespace's waypoint policy is emitted when a member that needs the waypoint is included.
 */
export function compileTetragon(
  services: LatticeService[],
  graph: ServiceGraph,
  opts: CompileOptions,
  include: (nodeKey: string) => boolean = () => true,
): KubeObject[] {
  return [...tetragonObjects(services, graph, opts, include)]
}

/** compileTetragon one object at a time (same order), so `platform compile` can write and drop each. */
export function* tetragonObjects(
  services: LatticeService[],
  graph: ServiceGraph,
  opts: CompileOptions,
  include: (nodeKey: string) => boolean = () => true,
): Generator<KubeObject> {
  for (const group of tetragonGroups(services, graph, opts, include)) yield* group.objects
}

/** What tetragonGroups yields: one service's policies (`member` = its key), or a namespace's waypoint policy. */
export interface RuntimeGroup {
  member?: string
  namespace: string
  objects: KubeObject[]
}

/** compileTetragon's objects one service (or waypoint namespace) at a time, in the same order. */
export function* tetragonGroups(
  services: LatticeService[],
  graph: ServiceGraph,
  opts: CompileOptions,
  include: (nodeKey: string) => boolean = () => true,
): Generator<RuntimeGroup> {
  for (const svc of services) {
    const key = keyOf(svc)
    if (include(key)) yield {member: key, namespace: svc.metadata.namespace, objects: compileServiceRuntime(svc, opts)}
  }
  // Namespaces with an included member that needs the waypoint, found in one pass.
  const needed = new Set<string>()
  for (const n of graph.nodes.values()) {
    if (needed.has(n.namespace) || !n.ambient) continue
    if ((hasMeshExternalEgress(n) || isWaypointEnforced(graph, n)) && include(n.key)) needed.add(n.namespace)
  }
  for (const ns of waypointNamespaces(graph)) {
    if (needed.has(ns)) yield {namespace: ns, objects: [waypointRuntimePolicy(ns)]}
  }
}

/** Cluster baseline (§7.1); the sensitive-file write guard only in the seed profile. */
export function tetragonBaseline(opts: CompileOptions): KubeObject[] {
  return [baselinePolicy(opts.profile === 'seed')]
}
