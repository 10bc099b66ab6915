// Evaluating one pair A→B on a compiled fleet and a set of policy objects (compiled,
// dumped or live): Admission → Cedar → Declarations → L4 → L7 → Runtime (§9.2).

import {HBONE_PORT} from '../core/constants.js'
import type {KubeObject} from '../core/kube.js'
import type {ProcessEventRecord} from '../core/evidence.js'
import type {ConnectivityQuery, PortRef, Waypoint, Workload} from '../core/query.js'
import {layerResult, type LayerResult} from '../core/result.js'
import {admissionLayer} from '../layers/admission/index.js'
import {cedarLayer} from '../layers/cedar/index.js'
import {l4Layer} from '../layers/cilium/index.js'
import {l7Layer} from '../layers/istio/index.js'
import {entrypointsOf, runtimeLayer} from '../layers/tetragon/index.js'
import {keyOf} from '../spec/model.js'
import type {CompiledFleet} from '../pipeline/fleet.js'
import {declarationsLayer, display, explainMissingEdge} from './declarations.js'
import {combine} from './result.js'
import type {Diagnosis, DriftEntry, EventSink} from './model.js'
import {expectedWaypoint, selectPorts, workloadOf} from './workload.js'
import {placeholderLayers} from './placeholder.js'

export interface PairRequest {
  source: string // ns/name
  target: string // ns/name
  port?: string
  clientBinary?: string
  method?: string
  path?: string
}

export interface PolicyView {
  source: 'compiled' | 'dump' | 'cluster'
  l4: KubeObject[]
  l7: KubeObject[]
  runtime: KubeObject[]
}

/** What only a live cluster knows; absent offline. */
export interface LiveFacts {
  enforcementMode?: 'default' | 'always' | 'never'
  waypoint?: Waypoint | null
  targetReady?: boolean
  events?: ProcessEventRecord[]
  /** A layer that could not be evaluated (CRDs missing → SKIP, failed reads → UNKNOWN). */
  unavailable?: Partial<Record<'l4' | 'l7' | 'runtime', {status: 'SKIP' | 'UNKNOWN'; reason: string}>>
  /** Evidence lines to attach to a layer (Hubble, ztunnel/waypoint, Tetragon). */
  annotate?: (layer: LayerResult, ctx?: {wirePorts?: number[]; appPorts?: number[]}) => LayerResult
  admissionMode?: 'file' | 'live'
  /** Live pods refine the spec-derived workloads (real labels, service account, ambient). */
  refineWorkload?: (w: Workload, role: 'source' | 'target') => Workload
  /** Extra warnings (realized state, evidence contradictions, trust-domain source). */
  warnings?: string[]
}

export function compiledView(fleet: CompiledFleet): PolicyView {
  return {
    source: 'compiled',
    l4: [...fleet.baseline.l4, ...fleet.resources.l4],
    l7: [...fleet.baseline.l7, ...fleet.resources.l7],
    runtime: [...fleet.baseline.runtime, ...fleet.resources.runtime],
  }
}

export function evaluatePair(fleet: CompiledFleet, req: PairRequest, view: PolicyView, drift: DriftEntry[] = [], live: LiveFacts = {}, emit?: EventSink): Diagnosis {
  const {graph, specs} = fleet
  const decide = (r: LayerResult, ctx?: {wirePorts?: number[]; appPorts?: number[]}) => {
    const annotated = live.annotate ? live.annotate(r, ctx) : r
    emit?.({type: 'layer-decided', result: annotated})
    return annotated
  }
  const oa = fleet.outcomes.get(req.source)
  const ob = fleet.outcomes.get(req.target)
  const admissionReports = [oa?.admission, ob?.admission].filter((r) => r !== undefined)
  const admission = decide(admissionLayer(admissionReports, live.admissionMode ?? 'file'))

  const cedarReports = [oa?.cedar, ob?.cedar].filter((r) => r !== undefined)
  const notAuthorized = [oa, ob].filter((o) => o && o.kind === 'LatticeService' && !o.admitted).map((o) => o!.key)
  let cedar = cedarLayer(cedarReports, fleet.cedar)
  if (notAuthorized.length > 0 && cedar.status === 'PASS') {
    cedar = {...cedar, reasons: [...cedar.reasons, `not evaluated for ${notAuthorized.join(', ')}: rejected by admission (nothing stored)`]}
  }
  cedar = decide(cedar)
  let declarations = declarationsLayer(graph, req.source, req.target)
  if (notAuthorized.length > 0 && declarations.status !== 'PASS') {
    // A rejected spec was never stored: it has no node, so "does not declare" would be
    // wrong about what its file says. Name the real reason.
    const who = notAuthorized.map((k) => display(k, k === req.source ? req.target : req.source))
    declarations = layerResult('declarations', 'DENY', `${who.join(' and ')} rejected by admission: not in the service graph, so there is no edge to evaluate`, {
      reasons: [declarations.summary, ...declarations.reasons],
      evidence: declarations.evidence,
    })
  }
  declarations = decide(declarations)

  const refine = live.refineWorkload ?? ((w: Workload) => w)
  const source = refine(workloadOf(graph, specs, req.source), 'source')
  const target = refine(workloadOf(graph, specs, req.target), 'target')
  // A declared callee that does not exist (§10.16) has no ports to select and no pods to evaluate.
  const missing = isPlaceholder(fleet, req.target, target) ? placeholderLayers(source, target, view, live.enforcementMode ? {enforcementMode: live.enforcementMode} : {}) : undefined
  const ports = missing ? [] : selectPorts(target, req.port)
  const waypoint = live.waypoint === undefined ? expectedWaypoint(graph, req.target) : live.waypoint ?? undefined
  const targetSvc = specs.services.find((s) => keyOf(s) === req.target)
  const base: ConnectivityQuery = {
    source, target, trustDomain: fleet.options.trustDomain,
    ...(waypoint ? {waypoint} : {}),
    ...(req.clientBinary ? {clientBinary: req.clientBinary} : {}),
    ...(targetSvc ? {serverBinaries: entrypointsOf(targetSvc)} : {}),
    ...(req.method ? {method: req.method} : {}),
    ...(req.path ? {path: req.path} : {}),
  }
  const perPort = (fn: (q: ConnectivityQuery) => LayerResult): LayerResult => pickPort(ports, (port) => fn(port ? {...base, port} : base))
  // Live evidence counts only on these ports (§10.14): the wire port, and what mesh logs name.
  const onPorts = {wirePorts: ports.map((p) => (source.ambient && target.ambient ? HBONE_PORT : p.targetPort)), appPorts: ports.flatMap((p) => [p.servicePort, p.targetPort])}
  const l4 = decide(gate('l4', live, () => missing?.l4 ?? perPort((q) => l4Layer(q, view.l4, live.enforcementMode ? {enforcementMode: live.enforcementMode} : {}))), onPorts)
  const l7 = decide(gate('l7', live, () => missing?.l7 ?? perPort((q) => l7Layer(q, view.l7))), onPorts)
  const runtime = decide(gate('runtime', live, () => missing?.runtime ?? runtimeLayer(ports[0] ? {...base, port: ports[0]} : base, view.runtime, {
    ...(live.events ? {events: live.events} : {}),
    ...(live.targetReady !== undefined ? {targetReady: live.targetReady} : {}),
  })))

  const layers = [admission, cedar, declarations, l4, l7, runtime]
  const combined = combine(layers)
  const port = ports[0]
  const warnings = unique([...layers.flatMap((l) => l.warnings), ...(live.warnings ?? [])])
  return {
    source: {namespace: source.namespace, name: source.name, kind: source.kind},
    target: {
      namespace: target.namespace, name: target.name, kind: target.kind,
      ...(port ? {port: {name: port.name, servicePort: port.servicePort, targetPort: port.targetPort, wirePort: source.ambient && target.ambient ? HBONE_PORT : port.targetPort}} : {}),
    },
    profile: fleet.options.profile,
    trustDomain: fleet.options.trustDomain,
    policySource: view.source,
    layers,
    result: {...combined, explanation: explain(fleet, req, layers, combined.blockedAt, drift)},
    drift,
    warnings,
    fix: null,
  }
}

/** B is the §4.1 Unknown placeholder: neither a spec nor a graph node. */
function isPlaceholder(fleet: CompiledFleet, key: string, target: Workload): boolean {
  return target.kind === 'Unknown' && !fleet.graph.node(key) && !fleet.outcomes.has(key)
}

/** A layer whose engine is absent or unreadable is SKIP/UNKNOWN without evaluating. */
function gate(id: 'l4' | 'l7' | 'runtime', live: LiveFacts, run: () => LayerResult): LayerResult {
  const u = live.unavailable?.[id]
  if (!u) return run()
  const names = {l4: 'Cilium', l7: 'Istio', runtime: 'Tetragon'}
  return layerResult(id, u.status, u.reason, u.status === 'SKIP' ? {warnings: [`${names[id]} (${id}) is not enforced on this cluster`]} : {})
}

/**
 * Several ports and no --port: evaluate each. Show an allowed port if any (with a warning
 * naming the blocked ones), else the first port's denial.
 */
function pickPort(ports: PortRef[], run: (p: PortRef | undefined) => LayerResult): LayerResult {
  if (ports.length <= 1) return run(ports[0])
  const results = ports.map((p) => ({p, r: run(p)}))
  const ok = results.filter((x) => x.r.status === 'PASS' || x.r.status === 'WARN')
  const blocked = results.filter((x) => x.r.status === 'DENY' || x.r.status === 'FAIL' || x.r.status === 'UNKNOWN')
  const shown = ok[0] ?? results[0]
  const perPort = results.map((x) => `port ${x.p.name}: ${x.r.status} (${x.r.summary})`)
  const warnings = ok.length > 0 && blocked.length > 0 ? [`${shown.r.layer}: ports ${blocked.map((x) => x.p.name).join(', ')} blocked; use --port to see each`] : []
  return {...shown.r, reasons: [...shown.r.reasons, ...perPort], warnings: [...shown.r.warnings, ...warnings]}
}

function explain(fleet: CompiledFleet, req: PairRequest, layers: LayerResult[], blockedAt: string | null, drift: DriftEntry[]): string {
  if (!blockedAt) {
    const unknown = layers.filter((l) => l.status === 'UNKNOWN')
    return unknown.length ? `Not enough data: ${unknown.map((l) => `${l.layer} ${l.summary}`).join('; ')}.` : ''
  }
  const layer = layers.find((l) => l.layer === blockedAt)!
  const names = [req.source, req.target].map((k) => k.slice(k.indexOf('/') + 1))
  if (blockedAt === 'l4' || blockedAt === 'l7') {
    const missing = explainMissingEdge(fleet.graph, req.source, req.target)
    if (missing) return missing
    const d = drift.filter((x) => x.layer === blockedAt)
    if (d.length > 0) return `${sentence(layer.summary, names)} ${driftSentence(d, layer)}`
  }
  return sentence(layer.summary, names)
}

const DRIFT_IN_EXPLANATION = 3

/**
 * The drift behind a block, in one sentence: the objects the blocking layer names first,
 * then missing or changed Lattice objects, then foreign ones; the full list is the report's
 * drift section (a namespace full of foreign policies must not bury the result line).
 */
function driftSentence(drift: DriftEntry[], layer: LayerResult): string {
  const named = (x: DriftEntry) => layer.evidence.some((e) => e.kind === x.kind && e.name === x.name && (e.namespace ?? undefined) === (x.namespace ?? undefined))
  const rank = (x: DriftEntry) => (named(x) ? 0 : x.change === 'unexpected' ? 2 : 1)
  const shown = [...drift].sort((a, b) => rank(a) - rank(b)).slice(0, DRIFT_IN_EXPLANATION)
  const more = drift.length - shown.length
  const text = shown.map((x) => `${x.change} ${x.kind} ${x.namespace ? `${x.namespace}/` : ''}${x.name}`).join(', ')
  return `Live policies drifted from the specs: ${text}${more > 0 ? ` and ${more} more (see drift)` : ''}.`
}

/**
 * A summary as a sentence. Only a plain lowercase word is capitalized: a leading identifier
 * (`egressDeny`, a service name such as `payments`) keeps its spelling.
 */
function sentence(s: string, names: string[] = []): string {
  const first = /^[^\s:;,(]*/.exec(s)![0]
  const plain = /^[a-z]+$/.test(first) && !names.includes(first)
  return (s.endsWith('.') ? s : `${s}.`).replace(/^./, (c) => (plain ? c.toUpperCase() : c))
}
const unique = (xs: string[]) => [...new Set(xs)]
