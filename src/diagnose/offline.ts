// `platform debug connectivity` from files: specs (and optionally policy dumps exported
// from a cluster) → fleet → pair evaluation → drift → verified fix.

import type {CompileOptions} from '../core/constants.js'
import type {KubeObject} from '../core/kube.js'
import {loadObjects, loadSpecs} from '../spec/load.js'
import type {SpecSet} from '../spec/model.js'
import {keyOf} from '../spec/model.js'
import {neighborhood, neighbourhoodNames} from '../pipeline/neighborhood.js'
import {InputError} from '../core/errors.js'
import {isSafeNeedle} from '../spec/prefilter.js'
import {openStagedSpecs} from '../spec/staged.js'
import {compileFleet, createFleetCache, type CompiledFleet, type FleetScope} from '../pipeline/fleet.js'
import {computeDrift, layerOfKind} from './drift.js'
import {proposeFix, type Attempt} from './fix.js'
import type {Diagnosis, EventSink} from './model.js'
import {notAskedSources} from '../core/evidence.js'
import {compiledView, evaluatePair, type PairRequest, type PolicyView} from './pair.js'
import {resolvePair} from './workload.js'

export interface OfflineRequest {
  specPaths: string[]
  policyPaths: string[]
  source: string
  target: string
  namespace?: string
  port?: string
  clientBinary?: string
  method?: string
  path?: string
  options: CompileOptions
  emit?: EventSink
  /** False: parse every spec document, as `platform compile` does (the reference the pre-filter is tested against). */
  prefilter?: boolean
  /** Receives the loaded spec set (the command prints its file-level warnings and, with -v, what was skipped). */
  onSpecs?: (specs: SpecSet) => void
  /** Receives the milliseconds of each pipeline phase, summed over the first run and the fix re-runs (benchmarks). */
  timings?: FleetScope['timings']
  /** Sees every run (the first, then each fix re-run) with the policy objects it evaluated: the TUI's drill-down and what-if. */
  observe?: RunObserver
}

/** A run of the pair: its diagnosis, the objects the specs compile to, the "live" objects it evaluated (a dump) if any. */
export type RunObserver = (phase: 'first' | 'fix', run: {diagnosis: Diagnosis; expected: KubeObject[]; live?: KubeObject[]}) => void

export async function diagnoseOffline(req: OfflineRequest): Promise<Diagnosis> {
  const wholeNamespaces = req.policyPaths.length > 0
  const {specs, source, target} = await timed(req.emit, 'specs', () => (req.prefilter === false ? loadAllSpecs(req) : loadPairSpecs(req, wholeNamespaces)), (s) => s.specs.services.length + s.specs.meshMembers.length)
  req.onSpecs?.(specs)
  const policies = wholeNamespaces ? await timed(req.emit, 'policies', () => loadPolicyDump(req.policyPaths), (o) => o.length) : undefined
  const pair: PairRequest = {
    source,
    target,
    ...(req.port !== undefined ? {port: req.port} : {}),
    ...(req.clientBinary ? {clientBinary: req.clientBinary} : {}),
    ...(req.method ? {method: req.method} : {}),
    ...(req.path ? {path: req.path} : {}),
  }
  // The first run and the fix re-runs share admission reports, graph nodes and the Cedar
  // policy set of every spec object the fix leaves as it is.
  const cache = createFleetCache()
  const run = (attempt: Attempt, emit?: EventSink) => runPair(attempt, pair, req.options, emit, {cache, ...(req.timings ? {timings: req.timings} : {})})
  const seen = (phase: 'first' | 'fix', attempt: Attempt) => (r: Awaited<ReturnType<typeof run>>) => {
    const c = compiledView(r.fleet)
    req.observe?.(phase, {diagnosis: r.diagnosis, expected: [...c.l4, ...c.l7, ...c.runtime], ...(attempt.policies ? {live: attempt.policies} : {})})
    return r
  }
  const start: Attempt = {specs, ...(policies ? {policies} : {})}
  const first = await run(start, req.emit).then(seen('first', start))
  const fix = await proposeFix(first, pair, start, (a) => run(a).then(seen('fix', a)))
  const diagnosis = {...first.diagnosis, fix, evidenceSources: notAskedSources('offline')}
  req.emit?.({type: 'diagnosis', diagnosis})
  return diagnosis
}

/** `--policies` inputs: each must hold a policy object the layers read, or the drift would call every expected one missing. */
export function loadPolicyDump(paths: string[]): Promise<KubeObject[]> {
  return loadObjects(paths, {require: {test: (o) => layerOfKind(o.kind) !== undefined, what: 'policy object (CiliumNetworkPolicy, AuthorizationPolicy, TracingPolicy, …)'}})
}

async function loadAllSpecs(req: Pick<OfflineRequest, 'specPaths' | 'source' | 'target' | 'namespace'>): Promise<{specs: SpecSet; source: string; target: string}> {
  const specs = await loadSpecs(req.specPaths)
  const [source, target] = resolvePair(req.source, req.target, specs, req.namespace)
  return {specs, source, target}
}

/**
 * The specs one pair needs, parsed in stages (src/spec/staged.ts): the documents naming A or
 * B (enough to resolve them), with a dump every document of their namespaces, then the
 * documents of their neighbourhood (neighbourhoodNames). Every other LatticeService document
 * is left unparsed, so an error in it does not fail this diagnosis. A name that does not
 * resolve is looked up again in every spec, so the message (and the known list) is the same
 * as with everything loaded.
 */
export async function loadPairSpecs(req: Pick<OfflineRequest, 'specPaths' | 'source' | 'target' | 'namespace'>, wholeNamespaces: boolean): Promise<{specs: SpecSet; source: string; target: string}> {
  const staged = await openStagedSpecs(req.specPaths)
  const stage = (needles: Iterable<string>) => {
    const list = [...needles]
    staged.select(list.every(isSafeNeedle) ? list : 'all')
  }
  const resolveIn = (specs: SpecSet): string[] => resolvePair(req.source, req.target, specs, req.namespace)
  stage([req.source, req.target].map((ref) => ref.slice(ref.indexOf('/') + 1)))
  let keys: string[]
  try {
    keys = resolveIn(staged.partial())
  } catch (err) {
    if (!(err instanceof InputError)) throw err
    return loadAllSpecs(req)
  }
  const namespaces = new Set(keys.map((k) => k.slice(0, k.indexOf('/'))))
  // Members of `default` need not spell it (metadata.namespace omitted): read everything.
  if (wholeNamespaces && namespaces.has('default')) staged.select('all')
  else if (wholeNamespaces) stage(namespaces)
  const core = wholeNamespaces ? pairScope(staged.partial(), keys) : new Set(keys)
  stage(neighbourhoodNames(staged.partial(), core))
  const specs = staged.complete()
  const [source, target] = resolveIn(specs)
  return {specs, source, target}
}

/**
 * What one pair needs compiled. Without a dump, only A and B (their CNPs, ALLOWs and
 * allowlists decide the verdict). With a dump, every member of their namespaces, because
 * drift compares whole namespaces. The graph is built over the neighbourhood of those.
 */
export function pairFleetScope(specs: SpecSet, keys: string[], wholeNamespaces: boolean): {only: Set<string>; graphFrom: Set<string>} {
  const only = wholeNamespaces ? pairScope(specs, keys) : new Set(keys)
  return {only, graphFrom: neighborhood(specs, only)}
}

/** Namespaces of the pair bound what is compiled: drift and waypoints are per namespace. */
export function pairScope(specs: SpecSet, keys: string[]): Set<string> {
  const namespaces = new Set(keys.map((k) => k.slice(0, k.indexOf('/'))))
  const only = new Set(keys)
  for (const o of [...specs.services, ...specs.meshMembers]) if (namespaces.has(o.metadata.namespace)) only.add(keyOf(o))
  return only
}

async function runPair(attempt: Attempt, pair: PairRequest, options: CompileOptions, emit?: EventSink, session: Omit<FleetScope, 'only'> = {}): Promise<{diagnosis: Diagnosis; fleet: CompiledFleet}> {
  const fleet = await compileFleet(attempt.specs, options, {...session, ...pairFleetScope(attempt.specs, [pair.source, pair.target], Boolean(attempt.policies))})
  let view: PolicyView = compiledView(fleet)
  let drift: Diagnosis['drift'] = []
  if (attempt.policies) {
    view = dumpView(attempt.policies)
    const namespaces = new Set([pair.source, pair.target].map((k) => k.slice(0, k.indexOf('/'))))
    const inScope = (o: KubeObject) => !o.metadata.namespace || namespaces.has(o.metadata.namespace) || o.metadata.namespace === 'istio-system'
    // A dump only speaks for the kinds it was exported with: the documented export's six,
    // plus any other kind it carries (ServiceEntries, Gateways when exported too).
    const kinds = new Set([...DUMP_KINDS, ...attempt.policies.map((o) => o.kind)])
    const expected = [...compiledView(fleet).l4, ...compiledView(fleet).l7, ...compiledView(fleet).runtime].filter((o) => kinds.has(o.kind))
    drift = computeDrift(expected, attempt.policies.filter(inScope))
  }
  return {diagnosis: evaluatePair(fleet, pair, view, drift, {}, emit), fleet}
}

/** What `kubectl get cnp,ccnp,authorizationpolicies,peerauthentications,tracingpolicies,tracingpoliciesnamespaced -A` exports. */
export const DUMP_KINDS = ['CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy', 'AuthorizationPolicy', 'PeerAuthentication', 'TracingPolicy', 'TracingPolicyNamespaced']

export function dumpView(objects: KubeObject[]): PolicyView {
  const view: PolicyView = {source: 'dump', l4: [], l7: [], runtime: []}
  for (const o of objects) {
    const layer = layerOfKind(o.kind)
    if (layer) view[layer].push(o)
    // Gateways and Services help L7 find waypoints; they are not drift-compared.
    else if (o.kind === 'Gateway' || o.kind === 'Service') view.l7.push(o)
    // Cilium enforces Kubernetes NetworkPolicies next to CNPs (not drift-compared: Lattice emits none).
    else if (o.kind === 'NetworkPolicy') view.l4.push(o)
  }
  return view
}

async function timed<T>(emit: EventSink | undefined, source: string, fn: () => Promise<T>, count: (t: T) => number): Promise<T> {
  const t0 = performance.now()
  emit?.({type: 'source-started', source})
  try {
    const out = await fn()
    emit?.({type: 'source-finished', source, ms: performance.now() - t0, count: count(out)})
    return out
  } catch (err) {
    emit?.({type: 'source-failed', source, ms: performance.now() - t0, reason: (err as Error).message})
    throw err
  }
}
