// The platform's derivation pipeline (LATTICE-SPEC §0.4), shared by `platform compile`
// and `platform debug connectivity`: admission → Cedar gates → service graph → three
// independent compilers (+ the cluster baseline). A service rejected by admission was
// never stored (not in the graph); a service denied by Cedar keeps its graph node but
// emits zero resources (§3.1, §10.4).

import type {CompileOptions} from '../core/constants.js'
import type {KubeObject} from '../core/kube.js'
import type {CedarPolicyObject, LatticeMeshMember, LatticeService, SpecSet} from '../spec/model.js'
import {keyOf} from '../spec/model.js'
import type {ServiceGraph} from '../graph/model.js'
import {buildGraph, createNodeCache, deriveMeshMember, type NodeCache} from '../graph/index.js'
import {admitMeshMember, admitService, type AdmissionReport} from '../layers/admission/index.js'
import {loadCedarPolicies, memberPrincipalId, startCedarThread, wildcardPermitted, type CedarPolicySet, type CedarServiceReport} from '../layers/cedar/index.js'
import {ciliumBaseline, ciliumObjects, compileCilium, compileMember} from '../layers/cilium/index.js'
import {compileIstio, istioBaseline} from '../layers/istio/index.js'
import {compileTetragon, tetragonBaseline, tetragonGroups, tetragonObjects} from '../layers/tetragon/index.js'
import {FleetGates} from './gates.js'

export type ResourceLayer = 'mesh' | 'l4' | 'l7' | 'runtime'

export interface MemberOutcome {
  key: string
  kind: 'LatticeService' | 'LatticeMeshMember'
  admission: AdmissionReport
  /** Workload gates of a service; for an operator-written LatticeMeshMember, its AllowWildcard gates (§4.5). */
  cedar?: CedarServiceReport
  admitted: boolean
  /** Admitted and not denied by Cedar: its resources are emitted. */
  emitted: boolean
}

export interface CompiledFleet {
  options: CompileOptions
  specs: SpecSet
  graph: ServiceGraph
  cedar: CedarPolicySet
  outcomes: Map<string, MemberOutcome>
  /** Per-service resources by layer (mesh = the derived LatticeMeshMember). */
  resources: Record<ResourceLayer, KubeObject[]>
  baseline: Record<'l4' | 'l7' | 'runtime', KubeObject[]>
}

export interface FleetScope {
  /**
   * Only authorize and compile these members (ns/name).
   */
  only?: Set<string>
  /**
   * Build the graph (and run admission) only over these members — a neighborhood of `only`
   * (see neighborhood.ts) is enough for their policies. Default: every spec.
   */
  graphFrom?: Set<string>
  /** Work remembered across compileFleet calls of one session (see FleetCache). */
  cache?: FleetCache
  /**
   * Evaluate the informational image gates (DeployImage, AllowTagReference: reported, never
   * blocking, §3.3). Default true; a caller that shows no Cedar decisions skips them.
   */
  imageGates?: boolean
  /** Where Cedar answers the gates: `auto` = a worker thread at fleet scale (layers/cedar/thread.ts). */
  cedarThread?: 'auto' | 'always' | 'never'
  /** Receives the milliseconds spent in each phase (added to any value already there). */
  timings?: Partial<Record<FleetPhase, number>>
}

export type FleetPhase = 'admission' | 'cedar-load' | 'cedar' | 'graph' | 'mesh' | 'cilium' | 'istio' | 'tetragon'

/**
 * What one session (a diagnosis and the re-runs that verify its fix) can reuse between
 * compileFleet calls: admission reports and graph nodes per spec object, and the loaded
 * Cedar policy set per list of CedarPolicy objects. Only valid while the specs are not
 * mutated in place: a fix replaces the objects it changes, so it is.
 */
export interface FleetCache {
  admission: WeakMap<object, {exempt: string; report: AdmissionReport}>
  cedar?: {objects: CedarPolicyObject[]; elements: CedarPolicyObject[]; set: Promise<CedarPolicySet>}
  nodes: NodeCache
}

export function createFleetCache(): FleetCache {
  return {admission: new WeakMap(), nodes: createNodeCache()}
}

/**
 * A compiled fleet whose per-service resources are produced on demand, each layer one
 * object at a time in the order compileFleet lists them: `platform compile` writes each
 * object and drops it instead of holding every layer's objects (~72k at 10,000 services).
 * Each iterable can be read once.
 */
export interface StreamedFleet extends Omit<CompiledFleet, 'resources'> {
  resources: Record<ResourceLayer, Iterable<KubeObject>>
  /**
   * The same objects of the layers that produce each owner's objects together, one owner at
   * a time (owner: the member's `ns/name`, or `namespace <ns>` for a namespace's own), so the
   * output needs no index from object names back to members. Read either this or `resources`.
   */
  owned: Record<'mesh' | 'l4' | 'runtime', Iterable<OwnedObjects>>
}

export interface OwnedObjects {
  owner: string
  objects: KubeObject[]
}

export async function compileFleet(specs: SpecSet, options: CompileOptions, scope: FleetScope = {}): Promise<CompiledFleet> {
  const {fleet, emittedServices, emits, lap} = await prepareFleet(specs, options, scope)
  const mesh = [...meshObjects(fleet.graph, emittedServices)]
  lap('mesh')
  const l4 = compileCilium(fleet.graph, options, emits)
  lap('cilium')
  const l7 = compileIstio(fleet.graph, options, emits)
  lap('istio')
  const runtime = compileTetragon(emittedServices, fleet.graph, options, emits)
  lap('tetragon')
  return {...fleet, resources: {mesh, l4, l7, runtime}}
}

/** compileFleet with the resources left to be produced as they are read (see StreamedFleet). */
export async function streamFleet(specs: SpecSet, options: CompileOptions, scope: FleetScope = {}): Promise<StreamedFleet> {
  const {fleet, emittedServices, emits} = await prepareFleet(specs, options, scope)
  const {graph} = fleet
  return {
    ...fleet,
    resources: {
      mesh: meshObjects(graph, emittedServices),
      l4: ciliumObjects(graph, options, emits),
      // Istio's objects of one service are not contiguous (its waypoint policy follows the
      // namespace's waypoint objects), so the output groups them: they are produced together.
      l7: lazily(() => compileIstio(graph, options, emits)),
      runtime: tetragonObjects(emittedServices, graph, options, emits),
    },
    owned: {
      mesh: owned(emittedServices, (svc) => ({owner: keyOf(svc), objects: [meshObject(graph, svc)]})),
      l4: owned(graph.nodes.values(), (node) => (emits(node.key) ? {owner: node.key, objects: [compileMember(graph, node, options)]} : undefined)),
      runtime: owned(tetragonGroups(emittedServices, graph, options, emits), (g) => ({owner: g.member ?? `namespace ${g.namespace}`, objects: g.objects})),
    },
  }
}

function* owned<T>(items: Iterable<T>, group: (item: T) => OwnedObjects | undefined): Generator<OwnedObjects> {
  for (const item of items) {
    const g = group(item)
    if (g && g.objects.length > 0) yield g
  }
}

function* lazily<T>(produce: () => T[]): Generator<T> {
  yield* produce()
}

function* meshObjects(graph: ServiceGraph, emittedServices: LatticeService[]): Generator<KubeObject> {
  for (const svc of emittedServices) yield meshObject(graph, svc)
}

function meshObject(graph: ServiceGraph, svc: LatticeService): KubeObject {
  return meshMemberObject(graph.node(keyOf(svc))?.member ?? deriveMeshMember(svc))
}

interface PreparedFleet {
  fleet: Omit<CompiledFleet, 'resources'>
  /** Services whose resources are emitted (admitted, permitted by Cedar, in scope). */
  emittedServices: LatticeService[]
  emits: (key: string) => boolean
  lap: (phase: FleetPhase) => void
}

/** Admission, Cedar gates and the graph: everything before the layer compilers. */
async function prepareFleet(specs: SpecSet, options: CompileOptions, scope: FleetScope): Promise<PreparedFleet> {
  const inScope = (key: string) => !scope.only || scope.only.has(key)
  const cache = scope.cache
  const timings = scope.timings
  let t0 = performance.now()
  const lap = (phase: FleetPhase) => {
    const now = performance.now()
    if (timings) timings[phase] = (timings[phase] ?? 0) + (now - t0)
    t0 = now
  }
  const exempt = options.exemptNamespaces.join('\u0000')
  const admit = <T extends LatticeService | LatticeMeshMember>(o: T, run: (o: T) => AdmissionReport): AdmissionReport => {
    const hit = cache?.admission.get(o)
    if (hit && hit.exempt === exempt) return hit.report
    const report = run(o)
    cache?.admission.set(o, {exempt, report})
    return report
  }
  const inGraph = (key: string) => !scope.graphFrom || scope.graphFrom.has(key)
  // At fleet scale a worker thread answers the Cedar gates (layers/cedar/thread.ts): started
  // now, it compiles Cedar while the policies load, answers each service's requests as
  // admission passes it, and the rest while this thread builds the graph.
  const authorizing = scope.only?.size ?? specs.services.filter((s) => inGraph(keyOf(s))).length
  const thread = startCedarThread({mode: scope.cedarThread ?? 'auto', services: authorizing})
  const gates = new FleetGates(thread, {services: specs.services, imageGates: scope.imageGates ?? true})
  const outcomes = new Map<string, MemberOutcome>()
  const admittedServices: LatticeService[] = []
  const admittedMembers: LatticeMeshMember[] = []
  let cedar: CedarPolicySet
  let graph: ServiceGraph
  try {
    cedar = await loadPolicySet(specs.cedarPolicies, cache, {services: authorizing})
    thread?.use(cedar)
    lap('cedar-load')

    for (const svc of specs.services) {
      const key = keyOf(svc)
      if (!inGraph(key)) continue
      // The graph needs the admission verdict of every spec it is built from.
      const admission = admit(svc, (s) => admitService(s, {exemptNamespaces: options.exemptNamespaces}))
      const admitted = admission.errors.length === 0
      if (admitted) admittedServices.push(svc)
      outcomes.set(key, {key, kind: 'LatticeService', admission, admitted, emitted: false})
      if (admitted && inScope(key)) gates.service(svc)
    }
    for (const m of specs.meshMembers) {
      const key = keyOf(m)
      if (!inGraph(key)) continue
      const admission = admit(m, (x) => admitMeshMember(x, {exemptNamespaces: options.exemptNamespaces}))
      const admitted = admission.errors.length === 0
      if (admitted) admittedMembers.push(m)
      if (!outcomes.has(key)) outcomes.set(key, {key, kind: 'LatticeMeshMember', admission, admitted, emitted: admitted})
    }
    const standing = standingMembers(admittedMembers, outcomes)
    for (const [key, m] of standing) if (inScope(key)) gates.member(m)
    gates.close()
    lap('admission')

    const principals = new Map([...standing].map(([key, m]) => [key, memberPrincipalId(m)]))
    graph = buildGraph(
      {services: admittedServices, meshMembers: admittedMembers},
      {wildcardPermitted: (key, direction) => wildcardPermitted(cedar, principals.get(key) ?? key, direction), profile: options.profile, ...(cache ? {cache: cache.nodes} : {})},
    )
    lap('graph')
  } catch (error) {
    // A failure before the answers are asked for must not leave the worker waiting for more.
    await thread?.close()
    throw error
  }

  // Only now: what the worker has not reached by the end of the graph, this thread takes.
  for (const {member, report} of await gates.reports(cedar)) {
    const outcome = outcomes.get(keyOf(member))!
    outcome.cedar = report
    // Denied by Cedar: no resources (§3.1); a mesh member failing a wildcard gate: none of its policies (§4.5).
    outcome.emitted = outcome.admitted && report.permitted
  }
  lap('cedar')
  const emits = (key: string) => inScope(key) && (outcomes.get(key)?.emitted ?? false)

  const emittedServices = admittedServices.filter((s) => emits(keyOf(s)))
  const baseline = {l4: ciliumBaseline(options), l7: istioBaseline(options), runtime: tetragonBaseline(options)}
  return {fleet: {options, specs, graph, cedar, outcomes, baseline}, emittedServices, emits, lap}
}

/**
 * Operator-written members that stand for their key: the first of each key, unless a
 * LatticeService of the same key wins (§4.1). Their Cedar principal is
 * `<ns>/<serviceAccount>`, which is what the graph asks about their wildcards.
 */
function standingMembers(members: LatticeMeshMember[], outcomes: Map<string, MemberOutcome>): Map<string, LatticeMeshMember> {
  const standing = new Map<string, LatticeMeshMember>()
  for (const m of members) {
    const key = keyOf(m)
    if (outcomes.get(key)?.kind === 'LatticeMeshMember' && !standing.has(key)) standing.set(key, m)
  }
  return standing
}

/** The session's policy set when the CedarPolicy list is the same (same objects), else a fresh load. */
function loadPolicySet(objects: CedarPolicyObject[], cache: FleetCache | undefined, opts: {services: number}): Promise<CedarPolicySet> {
  if (!cache) return loadCedarPolicies(objects, opts)
  const hit = cache.cedar
  if (hit && hit.objects === objects && hit.elements.length === objects.length && hit.elements.every((o, i) => o === objects[i])) return hit.set
  const set = loadCedarPolicies(objects, opts)
  cache.cedar = {objects, elements: [...objects], set}
  return set
}

/** The LatticeMeshMember object the service compiler writes (§1.9). */
export function meshMemberObject(m: LatticeMeshMember): KubeObject {
  const spec: Record<string, unknown> = {
    target: m.spec.target,
    ports: m.spec.ports.map((p) => ({name: p.name, port: p.port, ...(p.servicePort !== undefined ? {servicePort: p.servicePort} : {}), peerAuth: p.peerAuth})),
    allowedCallers: m.spec.allowedCallers.map((c) => (c.namespace ? {name: c.name, namespace: c.namespace} : {name: c.name})),
    dependencies: m.spec.dependencies,
    egress: m.spec.egress.map((e) => ({target: e.target, ports: e.ports, protocol: e.protocol})),
    allowPeerTraffic: m.spec.allowPeerTraffic,
    dependsAll: m.spec.dependsAll,
    ambient: m.spec.ambient,
  }
  if (m.spec.serviceAccount) spec.serviceAccount = m.spec.serviceAccount
  if (m.spec.advertise) spec.advertise = m.spec.advertise
  if (m.spec.ingress) spec.ingress = m.spec.ingress
  return {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeMeshMember',
    metadata: {name: m.metadata.name, namespace: m.metadata.namespace, labels: {'app.kubernetes.io/managed-by': 'lattice'}},
    spec,
  }
}
