// Turning graph nodes / specs into the plain Workload and port terms every layer
// evaluator understands, and resolving `ns/name` arguments.

import {InputError} from '../core/errors.js'
import {GATEWAY_NAME_LABEL, WAYPOINT_FOR_LABEL} from '../core/constants.js'
import type {ContainerPort, PortRef, Waypoint, Workload} from '../core/query.js'
import type {GraphNode, ServiceGraph} from '../graph/model.js'
import {deriveMeshMember} from '../graph/index.js'
import {isWaypointEnforced} from '../graph/waypoints.js'
import type {LatticeService, MeshMemberPort, SpecSet} from '../spec/model.js'
import {keyOf} from '../spec/model.js'
import {declaredMissingTarget, knownMemberKeys, unknownServiceError} from './names.js'

/** `ns/name`, or `name` in `defaultNs`; a bare name unique across the specs also resolves. */
export function resolveKey(ref: string, specs: SpecSet, defaultNs: string | undefined, role: string): string {
  const known = knownMemberKeys(specs)
  if (ref.includes('/')) {
    const [ns, name, extra] = ref.split('/')
    if (!ns || !name || extra !== undefined) throw new InputError(`${role} '${ref}': expected <namespace>/<name> or <name>`)
    if (!known.has(ref)) throw unknownServiceError(role, ref, known, 'in the loaded specs')
    return ref
  }
  if (defaultNs) {
    const key = `${defaultNs}/${ref}`
    if (!known.has(key)) throw unknownServiceError(role, key, known, 'in the loaded specs')
    return key
  }
  const matches = [...known].filter((k) => k.endsWith(`/${ref}`))
  if (matches.length === 1) return matches[0]
  if (matches.length > 1) throw new InputError(`${role} '${ref}' is ambiguous: ${matches.sort().join(', ')} (use <namespace>/<name> or -n)`)
  throw unknownServiceError(role, ref, known, 'in the loaded specs')
}

/**
 * A and B of one pair: A must exist; B may be a target A declares that does not exist
 * (§10.16: a diagnosis with B as a placeholder), any other unknown name is an input error.
 */
export function resolvePair(source: string, target: string, specs: SpecSet, defaultNs: string | undefined): [string, string] {
  const a = resolveKey(source, specs, defaultNs, 'source')
  try {
    return [a, resolveKey(target, specs, defaultNs, 'target')]
  } catch (err) {
    const placeholder = err instanceof InputError ? declaredMissingTarget(target, specs, a, defaultNs) : undefined
    if (placeholder) return [a, placeholder]
    throw err
  }
}

/** The spec's port names as the pods' named container ports (§10.11, offline). */
export function containerPortsOf(ports: MeshMemberPort[]): ContainerPort[] {
  return ports.map((p) => ({name: p.name, port: p.port, protocol: (p.protocol ?? 'TCP').toUpperCase()}))
}

export function portRefs(ports: MeshMemberPort[]): PortRef[] {
  return ports.map((p) => ({name: p.name, servicePort: p.servicePort ?? p.port, targetPort: p.port, protocol: p.protocol ?? 'TCP'}))
}

/** The workload terms of a member; falls back to the spec for services not in the graph. */
export function workloadOf(graph: ServiceGraph, specs: SpecSet, key: string): Workload {
  const node = graph.node(key)
  const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)]
  if (node) return fromNode(node)
  const svc = specs.services.find((s) => keyOf(s) === key)
  if (svc) {
    const m = deriveMeshMember(svc)
    return {namespace, name, kind: 'LatticeService', serviceAccount: name, podLabels: podLabelsOf(svc), ambient: true, namespaceLabels: ambientNs(), ports: portRefs(m.spec.ports), containerPorts: containerPortsOf(m.spec.ports)}
  }
  const mm = specs.meshMembers.find((m) => keyOf(m) === key)
  if (mm) {
    return {
      namespace, name, kind: 'LatticeMeshMember', serviceAccount: mm.spec.serviceAccount ?? name,
      podLabels: {...(mm.spec.target.selector ?? {})}, ambient: mm.spec.ambient, ports: portRefs(mm.spec.ports), containerPorts: containerPortsOf(mm.spec.ports),
      ...(mm.spec.ambient ? {namespaceLabels: ambientNs()} : {}),
    }
  }
  return {namespace, name, kind: 'Unknown', serviceAccount: name, podLabels: {'app.kubernetes.io/name': name}, ambient: false, ports: []}
}

function fromNode(node: GraphNode): Workload {
  const podLabels = {...node.selector}
  if (node.kind === 'LatticeService') podLabels['app.kubernetes.io/managed-by'] = 'lattice'
  return {
    namespace: node.namespace,
    name: node.name,
    kind: node.kind,
    serviceAccount: node.serviceAccount,
    podLabels,
    ambient: node.ambient,
    ...(node.ambient ? {namespaceLabels: ambientNs()} : {}),
    ports: portRefs(node.ports),
    containerPorts: containerPortsOf(node.ports),
  }
}

function podLabelsOf(svc: LatticeService): Record<string, string> {
  return {'app.kubernetes.io/name': svc.metadata.name, 'app.kubernetes.io/managed-by': 'lattice'}
}

const ambientNs = () => ({'istio.io/dataplane-mode': 'ambient'})

/** `--port` as a port name, a service port number or a target port number. */
export function selectPorts(target: Workload, flag: string | undefined): PortRef[] {
  if (flag === undefined) return target.ports
  const byName = target.ports.find((p) => p.name === flag)
  if (byName) return [byName]
  if (/^\d+$/.test(flag)) {
    const n = Number(flag)
    const hit = target.ports.find((p) => p.servicePort === n) ?? target.ports.find((p) => p.targetPort === n)
    if (hit) return [hit]
  }
  // A number the target does not expose is a real question ("why not on 9090?"): every
  // layer is evaluated on it and L4 says the Service has no such port. A name is a typo.
  if (/^\d+$/.test(flag) && Number(flag) >= 1 && Number(flag) <= 65535) {
    const n = Number(flag)
    return [{name: String(n), servicePort: n, targetPort: n, protocol: 'TCP', exposed: false}]
  }
  throw new InputError(`--port '${flag}': ${target.namespace}/${target.name} has no such port${target.ports.length ? ` (ports: ${portList(target)})` : ' (it exposes no ports)'}`)
}

/** `http (8080), grpc (9090→50051)`. */
export function portList(target: Workload): string {
  return target.ports.map((p) => `${p.name} (${p.servicePort}${p.targetPort !== p.servicePort ? `→${p.targetPort}` : ''})`).join(', ')
}

/** The namespace waypoint on the path to a waypoint-enforced member (§6.3.3), offline view. */
export function expectedWaypoint(graph: ServiceGraph, key: string): Waypoint | undefined {
  const node = graph.node(key)
  if (!node || !isWaypointEnforced(graph, node)) return undefined
  const name = `${node.namespace}-waypoint`
  return {namespace: node.namespace, name, serviceAccount: name, podLabels: {[GATEWAY_NAME_LABEL]: name, [WAYPOINT_FOR_LABEL]: 'service'}}
}
