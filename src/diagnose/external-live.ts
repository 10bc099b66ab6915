// `platform debug connectivity A <external>` against a live cluster (issue 9.2): only A's
// side is read (its LatticeService, pods and namespace, the CNPs of its namespace, CCNPs and
// NetworkPolicies, ServiceEntries/Gateways/AuthorizationPolicies of its namespace and
// istio-system, TracingPolicies, the egress waypoint's pods), then the same evaluation as
// offline (evaluateExternal) on the live objects, with A's workload as its pods say. A fix
// that changes the spec is verified against what the platform compiles from it.

import {defaultCompileOptions, GATEWAY_NAME_LABEL, MESH_ROOT_NAMESPACE} from '../core/constants.js'
import {InconclusiveError, InputError} from '../core/errors.js'
import type {ExternalTarget} from '../core/external.js'
import type {Waypoint} from '../core/query.js'
import {connect, startPairState} from '../cluster/index.js'
import {compileFleet, createFleetCache} from '../pipeline/fleet.js'
import {loadSpecs} from '../spec/load.js'
import {evaluateExternal, externalFix, waypointFor} from './external.js'
import {externalEvidence, type ExternalEvidence} from './external-live-evidence.js'
import type {Attempt} from './fix.js'
import {dnsCaptureWarning, liveExemptNamespaces, liveSpecs, liveViews, meshRootNamespace, resolveTrustDomain, waypointOf, withLivePods} from './live-state.js'
import {evidenceNotAsked} from './live-evidence.js'
import type {Diagnosis} from './model.js'
import type {LiveRequest} from './live.js'
import {knownMemberKeys, unknownServiceError} from './names.js'
import {compiledView} from './pair.js'
import {workloadOf} from './workload.js'

/** A live pair request whose B is outside the cluster (no port name, no HTTP request, no TUI hooks). */
export type ExternalLiveRequest = Omit<LiveRequest, 'target' | 'port' | 'method' | 'path' | 'observe' | 'onPair'> & {target: ExternalTarget}

export async function diagnoseExternalLive(req: ExternalLiveRequest): Promise<Diagnosis> {
  const cluster = req.cluster ?? await connect(req.connect)
  const source = splitSource(req.source, req.namespace ?? cluster.namespace)
  const sKey = `${source.namespace}/${source.name}`
  // A is both ends of the fan-out: every read is of A's namespace (and the mesh's).
  const started = startPairState(cluster, {source, target: source, since: req.evidence.sinceSeconds, l7Namespaces: [MESH_ROOT_NAMESPACE]}, (e) => req.emit?.(e))
  const state = await started.state
  const files = req.specPaths.length > 0 ? await loadSpecs(req.specPaths) : undefined
  const {specs, problems} = liveSpecs(state, files)
  const known = knownMemberKeys(specs)
  if (!known.has(sKey)) {
    const unread = [...Object.values(state.latticeServices), ...Object.values(state.meshMembers)].find((r) => !r.ok && r.status !== 'not-installed')
    if (unread && !unread.ok) throw new InconclusiveError(`cannot tell whether source '${sKey}' exists: could not read the cluster at ${cluster.info.server}: ${unread.reason}`)
    const err = unknownServiceError('source', sKey, known, `in the cluster${req.specPaths.length > 0 ? ' or in --specs' : ''}`)
    throw problems.length ? new InputError(`${err.message}; ${problems.join('; ')}`) : err
  }

  const {view, unavailable, notes} = liveViews(state)
  const td = resolveTrustDomain(req.trustDomain, state, view.l7)
  const exempt = liveExemptNamespaces(state)
  const options = defaultCompileOptions({profile: req.profile, trustDomain: td.trustDomain, ...(exempt ? {exemptNamespaces: exempt} : {})})
  const nsA = state.namespaces[source.namespace]
  const nsLabels = nsA?.ok ? nsA.items[0]?.metadata.labels ?? {} : undefined
  const refineSource = (w: Parameters<typeof withLivePods>[0]) => withLivePods(w, state.podsA, nsA)

  const warnings: string[] = [...notes]
  if (td.source.startsWith('default')) warnings.push(`trust domain not found in the cluster (Istio mesh config, policy principals); assumed ${td.trustDomain} — pass --trust-domain if it differs`)
  if (problems.length) warnings.push(...problems.map((p) => `specs incomplete: ${p}`))
  if (!state.podsA.ok) warnings.push(`pods of ${sKey}: ${state.podsA.reason}`)
  else if (state.podsA.items.length === 0) warnings.push(`${sKey} has no pods: nothing calls ${req.target.text}`)
  // §5.4.5: FQDN rules learn addresses only from lookups Cilium's DNS proxy sees.
  const dns = dnsCaptureWarning(state.podsA, view.l4, nsLabels?.['istio.io/dataplane-mode'] === 'ambient')
  if (dns) warnings.push(dns)
  const root = meshRootNamespace(state)

  const cache = createFleetCache()
  const compile = (s: typeof specs) => compileFleet(s, options, {only: new Set([sKey]), cache})
  const fleet = await compile(specs)
  // The egress waypoint (from the ServiceEntry's use-waypoint label) and whether a pod of it is ready.
  const wpGuess = waypointFor({source: refineSource(workloadOf(fleet.graph, fleet.specs, sKey)), target: req.target, trustDomain: td.trustDomain}, view.l7)
  const waypoint = wpGuess ? await readyWaypoint(cluster, wpGuess) : undefined

  const evidence: ExternalEvidence = req.evidence.enabled
    ? await externalEvidence(cluster, {podsA: state.podsA.ok ? state.podsA.items : [], target: req.target}, {...req.evidence, timeoutMs: req.connect.requestTimeoutMs ?? 10_000}, req.emit)
    : {sources: evidenceNotAsked('--no-evidence').filter((s) => s.source === 'hubble')}
  warnings.push(...evidence.warnings ?? [])

  const first = evaluateExternal(fleet, sKey, req.target, view, req.clientBinary, req.emit, {
    admissionMode: 'live',
    refineSource,
    ...(waypoint !== undefined ? {waypoint} : {}),
    unavailable,
    rootNamespace: root,
    ...(nsLabels ? {namespaceLabels: {[source.namespace]: nsLabels}} : {}),
    ...(evidence.annotate ? {annotate: evidence.annotate} : {}),
    warnings,
  })
  // A spec change is verified against what the platform compiles from it (as for a pair).
  const run = async (attempt: Attempt) => {
    const f = await compile(attempt.specs)
    return {fleet: f, diagnosis: evaluateExternal(f, sKey, req.target, compiledView(f), req.clientBinary, undefined, {refineSource})}
  }
  const fix = first.result.status === 'BLOCKED' ? await externalFix({fleet, diagnosis: first}, sKey, req.target, {specs}, run) : null
  const diagnosis: Diagnosis = {...first, policySource: 'cluster', fix, evidenceSources: evidence.sources}
  req.emit?.({type: 'diagnosis', diagnosis})
  return diagnosis
}

function splitSource(ref: string, defaultNs: string): {namespace: string; name: string} {
  if (!ref.includes('/')) return {namespace: defaultNs, name: ref}
  const [namespace, name, extra] = ref.split('/')
  if (!namespace || !name || extra !== undefined) throw new InputError(`source '${ref}': expected <namespace>/<name> or <name>`)
  return {namespace, name}
}

/** The waypoint with its live pods: no ready pod fails closed (§6.5). */
export async function readyWaypoint(cluster: Awaited<ReturnType<typeof connect>>, wp: Waypoint): Promise<Waypoint> {
  const pods = await cluster.pods(wp.namespace, {labelSelector: `${GATEWAY_NAME_LABEL}=${wp.name}`})
  return pods.ok ? waypointOf(wp.name, wp.namespace, pods) : wp
}

