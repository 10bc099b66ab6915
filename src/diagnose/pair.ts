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
  /** Istio mesh root namespace (mesh config `rootNamespace`); default istio-system. */
  rootNamespace?: string
  /** B's pod IPs and Service ClusterIPs (live): Tetragon's DAddr filters on A's connect. */
  targetAddresses?: string[]
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
  // §10.13: every port through every layer. Admission, Cedar and Declarations do not
  // depend on the port; L4, L7 and Runtime are evaluated once per port, so all layer lines
  // of one port's verdict speak of that port.
  const wire = (p: PortRef) => (source.ambient && target.ambient ? HBONE_PORT : p.targetPort)
  const verdicts = (ports.length > 0 ? ports : [undefined]).map((port) => {
    const q = port ? {...base, port} : base
    const named = (r: LayerResult) => (ports.length > 1 ? namingPort(r, port) : r)
    // Live evidence counts only on this port (§10.14): its wire port, and what mesh logs name.
    const onPorts = port ? {wirePorts: [wire(port)], appPorts: [port.servicePort, port.targetPort]} : {}
    const l4 = decide(gate('l4', live, () => missing?.l4 ?? named(l4Layer(q, view.l4, live.enforcementMode ? {enforcementMode: live.enforcementMode} : {}))), onPorts)
    const l7 = decide(gate('l7', live, () => missing?.l7 ?? named(l7Layer(q, view.l7, live.rootNamespace ? {rootNamespace: live.rootNamespace} : {}))), onPorts)
    const runtime = decide(gate('runtime', live, () => missing?.runtime ?? runtimeLayer(q, view.runtime, {
      ...(live.events ? {events: live.events} : {}),
      ...(live.targetReady !== undefined ? {targetReady: live.targetReady} : {}),
      ...(live.targetAddresses ? {targetAddresses: live.targetAddresses} : {}),
    })))
    const layers = [admission, cedar, declarations, l4, l7, runtime]
    const c = combine(layers)
    return {port, layers, result: {...c, explanation: explain(fleet, req, layers, c.blockedAt, drift)}}
  })
  const shown = verdicts.find((v) => v.result.status === 'BLOCKED') ?? verdicts.find((v) => v.result.status === 'UNKNOWN') ?? verdicts[0]
  const layers = shown.layers
  const result = combinePorts(verdicts.map((v) => ({name: v.port ? portLabel(v.port) : '', result: v.result})), shown.result)
  const port = shown.port
  const warnings = unique([...verdicts.flatMap((v) => v.layers.flatMap((l) => l.warnings)), ...(live.warnings ?? [])])
  const portOf = (p: PortRef) => ({name: p.name, servicePort: p.servicePort, targetPort: p.targetPort, wirePort: wire(p)})
  return {
    source: {namespace: source.namespace, name: source.name, kind: source.kind},
    target: {
      namespace: target.namespace, name: target.name, kind: target.kind,
      ...(port ? {port: portOf(port)} : {}),
    },
    profile: fleet.options.profile,
    trustDomain: fleet.options.trustDomain,
    policySource: view.source,
    layers,
    result,
    drift,
    warnings,
    fix: null,
    ...(ports.length > 0 ? {ports: verdicts.map((v) => ({port: portOf(v.port!), layers: v.layers, result: v.result}))} : {}),
  }
}

/** B is the §4.1 Unknown placeholder: neither a spec nor a graph node. */
function isPlaceholder(fleet: CompiledFleet, key: string, target: Workload): boolean {
  return target.kind === 'Unknown' && !fleet.graph.node(key) && !fleet.outcomes.has(key)
}

/**
 * With several ports, a port-dependent line that does not say which port it decided (e.g.
 * a DENY policy without ports in its summary) gets it appended, so every L4/L7 line of a
 * port's verdict names its port.
 */
function namingPort(r: LayerResult, port: PortRef | undefined): LayerResult {
  if (!port) return r
  const names = (n: number) => new RegExp(`(^|[^0-9])${n}([^0-9]|$)`).test(r.summary)
  return names(port.targetPort) || names(port.servicePort) ? r : {...r, summary: `${r.summary} (port ${port.targetPort})`}
}

/** `grpc (9090)`, `http (80→8080)`: how the report names a port. */
export function portLabel(p: {name: string; servicePort: number; targetPort: number}): string {
  // A port the target does not expose (`--port 9999`) is named by its number only.
  if (p.name === String(p.servicePort) && p.servicePort === p.targetPort) return p.name
  return `${p.name} (${p.servicePort}${p.targetPort !== p.servicePort ? `→${p.targetPort}` : ''})`
}

/**
 * The pair's result over its ports (§10.13, §10.5): BLOCKED when any port is blocked,
 * naming the blocked ports; else UNKNOWN when any port is unknown; else ALLOWED. With one
 * port it is that port's result unchanged.
 */
export function combinePorts(ports: Array<{name: string; result: Diagnosis['result']}>, shown: Diagnosis['result']): Diagnosis['result'] {
  if (ports.length <= 1) return shown
  const named = (status: string) => ports.filter((p) => p.result.status === status).map((p) => p.name)
  const [blocked, unknown, allowed] = [named('BLOCKED'), named('UNKNOWN'), named('ALLOWED')]
  const list = (xs: string[]) => xs.join(', ')
  const others = (label: string, xs: string[]) => (xs.length ? `; ${label} on ${list(xs)}` : '')
  if (blocked.length > 0) {
    const head = `Blocked on port${blocked.length > 1 ? 's' : ''} ${list(blocked)}${others('unknown', unknown)}${others('allowed', allowed)}.`
    return {status: 'BLOCKED', blockedAt: shown.blockedAt, explanation: shown.explanation ? `${head} ${shown.explanation}` : head}
  }
  if (unknown.length > 0) {
    const head = `Unknown on port${unknown.length > 1 ? 's' : ''} ${list(unknown)}${others('allowed', allowed)}.`
    return {status: 'UNKNOWN', blockedAt: null, explanation: shown.explanation ? `${head} ${shown.explanation}` : head}
  }
  return {status: 'ALLOWED', blockedAt: null, explanation: ''}
}

/** A layer whose engine is absent or unreadable is SKIP/UNKNOWN without evaluating. */
export function gate(id: 'l4' | 'l7' | 'runtime', live: LiveFacts, run: () => LayerResult): LayerResult {
  const u = live.unavailable?.[id]
  if (!u) return run()
  const names = {l4: 'Cilium', l7: 'Istio', runtime: 'Tetragon'}
  return layerResult(id, u.status, u.reason, u.status === 'SKIP' ? {warnings: [`${names[id]} (${id}) is not enforced on this cluster`]} : {})
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
 * The drift behind a block, in one sentence that keeps to the cause: the objects the
 * blocking layer names, then missing or changed Lattice objects. Foreign objects the layer
 * does not name are not the cause; they are counted in the report's Drift section (a
 * namespace full of foreign policies must not bury the result line).
 */
function driftSentence(drift: DriftEntry[], layer: LayerResult): string {
  const named = (x: DriftEntry) => layer.evidence.some((e) => e.kind === x.kind && e.name === x.name && (e.namespace ?? undefined) === (x.namespace ?? undefined))
  const causes = drift.filter((x) => named(x) || x.change !== 'unexpected').sort((a, b) => Number(named(b)) - Number(named(a)))
  if (causes.length === 0) return 'Live policies drifted from the specs (see Drift).'
  const shown = causes.slice(0, DRIFT_IN_EXPLANATION)
  const more = causes.length - shown.length
  const text = shown.map((x) => `${x.change} ${x.kind} ${x.namespace ? `${x.namespace}/` : ''}${x.name}`).join(', ')
  return `Live policies drifted from the specs: ${text}${more > 0 ? ` and ${more} more (see Drift)` : ''}.`
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
