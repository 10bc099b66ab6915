// `platform debug connectivity A <external>` (issue 9.2): A against a host, URL, IP or CIDR
// outside the cluster. Same layers, same result rules, same Diagnosis object as a pair:
// Admission and Cedar of A (AccessExternalEndpoint for this endpoint), Declarations from A's
// `external-service` resources (§4.8: no bilateral agreement), L4 with Cilium's FQDN/CIDR/
// entity semantics, L7 with ServiceEntry, egress grant and waypoint (§6.5), Runtime for the
// client binary. The fix adds the external-service resource and, when Cedar would refuse
// it, the permit; both verified by re-running the diagnosis in memory.

import type {CompileOptions} from '../core/constants.js'
import {describeExternal, type ExternalQuery, type ExternalTarget} from '../core/external.js'
import type {KubeObject} from '../core/kube.js'
import type {ConnectivityQuery, Waypoint, Workload} from '../core/query.js'
import {layerResult, type LayerResult} from '../core/result.js'
import {admissionLayer} from '../layers/admission/index.js'
import {cedarLayer} from '../layers/cedar/index.js'
import {inCidr, l4ExternalLayer} from '../layers/cilium/index.js'
import {l7ExternalLayer, serviceEntriesFor} from '../layers/istio/index.js'
import {runtimeLayer} from '../layers/tetragon/index.js'
import {compileFleet, createFleetCache, type CompiledFleet} from '../pipeline/fleet.js'
import type {EgressRule, SpecSet} from '../spec/model.js'
import {loadObjects, loadSpecs} from '../spec/load.js'
import {cedarPolicy, patchService, type Attempt} from './fix.js'
import type {Diagnosis, EventSink, Fix, SpecChange} from './model.js'
import {compiledView, gate, type LiveFacts, type PolicyView} from './pair.js'
import {dumpView} from './offline.js'
import {combine} from './result.js'
import {resolveKey, workloadOf} from './workload.js'

export interface ExternalRequest {
  specPaths: string[]
  policyPaths: string[]
  source: string
  target: ExternalTarget
  namespace?: string
  clientBinary?: string
  options: CompileOptions
  emit?: EventSink
}

export async function diagnoseExternalOffline(req: ExternalRequest): Promise<Diagnosis> {
  const specs = await loadSpecs(req.specPaths)
  const source = resolveKey(req.source, specs, req.namespace, 'source')
  const policies = req.policyPaths.length > 0 ? await loadObjects(req.policyPaths) : undefined
  const cache = createFleetCache()
  const run = async (attempt: Attempt, emit?: EventSink) => {
    const fleet = await compileFleet(attempt.specs, req.options, {only: new Set([source]), cache})
    const view = attempt.policies ? dumpView(attempt.policies) : compiledView(fleet)
    return {fleet, diagnosis: evaluateExternal(fleet, source, req.target, view, req.clientBinary, emit)}
  }
  const start: Attempt = {specs, ...(policies ? {policies} : {})}
  const first = await run(start, req.emit)
  const fix = first.diagnosis.result.status === 'BLOCKED' ? await externalFix(first, source, req.target, start, run) : null
  const diagnosis = {...first.diagnosis, fix}
  req.emit?.({type: 'diagnosis', diagnosis})
  return diagnosis
}

/** What a live run knows that the specs do not (src/diagnose/external-live.ts); absent offline. */
export interface ExternalLiveFacts {
  admissionMode?: 'file' | 'live'
  /** A's workload as its live pods and namespace say (labels, service account, ambient). */
  refineSource?: (w: Workload) => Workload
  /** The waypoint with its live readiness; null = none (overrides the one found from the view). */
  waypoint?: Waypoint | null
  unavailable?: LiveFacts['unavailable']
  rootNamespace?: string
  namespaceLabels?: Record<string, Record<string, string>>
  events?: LiveFacts['events']
  annotate?: (layer: LayerResult) => LayerResult
  warnings?: string[]
}

/** The layers for A → external target over a compiled fleet and a policy view. */
export function evaluateExternal(fleet: CompiledFleet, sourceKey: string, target: ExternalTarget, view: PolicyView, clientBinary?: string, emit?: EventSink, live: ExternalLiveFacts = {}): Diagnosis {
  const decide = (r0: LayerResult) => {
    const r = live.annotate ? live.annotate(r0) : r0
    emit?.({type: 'layer-decided', result: r})
    return r
  }
  const dest = describeExternal(target)
  const outcome = fleet.outcomes.get(sourceKey)
  const admission = decide(admissionLayer(outcome ? [outcome.admission] : [], live.admissionMode ?? 'file'))
  const node = fleet.graph.node(sourceKey)
  const source = (live.refineSource ?? ((w: Workload) => w))(workloadOf(fleet.graph, fleet.specs, sourceKey))
  const rules = (node?.egress ?? []).filter((r) => covers(r, target))
  const cedar = decide(endpointCedar(cedarLayer(outcome?.cedar ? [outcome.cedar] : [], fleet.cedar), outcome?.cedar?.decisions ?? [], target))
  const declarations = decide(
    rules.length > 0
      ? layerResult('declarations', 'PASS', `${source.name} declares ${describeRule(rules[0]!)} (external-service ${rules[0]!.resource ?? ''}${rules[0]!.endpoint ? `, endpoint ${rules[0]!.endpoint}` : ''}); external services need no counterpart`)
      : layerResult('declarations', 'DENY', `${source.name} declares no external-service for ${dest}`, {
          reasons: [`egress to an external host is compiled only from an outbound external-service resource (LATTICE-SPEC §4.8); ${source.name}'s declare ${(node?.egress ?? []).map(describeRule).join(', ') || 'none'}`],
        }),
  )
  const [l4, l7, runtime] = externalPathLayers(source, target, fleet.options.trustDomain, view, clientBinary, live, decide)
  const layers = [admission, cedar, declarations, l4, l7, runtime]
  // A missing declaration explains an L4/L7 denial better than the policy that lacks the rule.
  const explain = declarations.status === 'DENY' ? declarations : undefined
  return externalDiagnosis(source, target, {profile: fleet.options.profile, trustDomain: fleet.options.trustDomain, policySource: view.source}, layers, live.warnings ?? [], explain)
}

/**
 * L4, L7 and Runtime of `source` → an external destination: the egress policies (Cilium
 * FQDN/CIDR/entity rules, Kubernetes NetworkPolicies), the ServiceEntry with its waypoint and
 * egress grant, and the caller's binary. The same for a Lattice service and a plain workload.
 */
export function externalPathLayers(source: Workload, target: ExternalTarget, trustDomain: string, view: PolicyView, clientBinary: string | undefined, live: ExternalLiveFacts, decide: (r: LayerResult) => LayerResult): [LayerResult, LayerResult, LayerResult] {
  const dest = describeExternal(target)
  const q: ExternalQuery = {source, target, trustDomain, ...(clientBinary ? {clientBinary} : {})}
  const waypoint = live.waypoint !== undefined ? live.waypoint ?? undefined : waypointFor(q, view.l7)
  if (waypoint) q.waypoint = waypoint
  const l4 = decide(gate('l4', live, () => l4ExternalLayer(q, view.l4)))
  const l7ctx = {...(live.rootNamespace ? {rootNamespace: live.rootNamespace} : {}), ...(live.namespaceLabels ? {namespaceLabels: live.namespaceLabels} : {})}
  const l7 = decide(gate('l7', live, () => view.source === 'dump' && !view.l7.some((o) => o.kind === 'ServiceEntry')
    ? layerResult('l7', 'UNKNOWN', 'the policy dump holds no ServiceEntry: export them too (kubectl get serviceentries,gateways -A -o yaml)')
    : l7ExternalLayer(q, view.l7, l7ctx)))
  const pseudo: Workload = {namespace: '', name: dest, kind: 'Unknown', serviceAccount: '', podLabels: {}, ambient: false, ports: []}
  const rq: ConnectivityQuery = {source, target: pseudo, trustDomain, serverBinaries: [], ...(clientBinary ? {clientBinary} : {})}
  // An address the user gave is the one A dials: Tetragon's DAddr filters can be decided.
  const rt = gate('runtime', live, () => runtimeLayer(rq, view.runtime, {...(live.events ? {events: live.events} : {}), ...(target.ip ? {targetAddresses: [target.ip]} : {})}))
  // An external destination runs no entrypoint here: only the caller's binary is checked.
  const runtime = decide(rt.status === 'PASS' && !clientBinary ? {...rt, summary: `no --client-binary given: the binary ${source.name} calls ${dest} with is not checked`} : rt)
  return [l4, l7, runtime]
}

/** The Diagnosis of A → an external destination from its six layer lines (no fix yet). */
export function externalDiagnosis(source: Workload, target: ExternalTarget, meta: Pick<Diagnosis, 'profile' | 'trustDomain' | 'policySource'>, layers: LayerResult[], warnings: string[], explain?: LayerResult): Diagnosis {
  const combined = combine(layers)
  const blocking = layers.find((l) => l.layer === combined.blockedAt)
  const unknown = layers.filter((l) => l.status === 'UNKNOWN')
  const explanation = !blocking
    ? unknown.length > 0 ? `Not enough data: ${unknown.map((l) => `${l.layer} ${l.summary}`).join('; ')}.` : ''
    : sentence(explain && combined.blockedAt !== 'admission' && combined.blockedAt !== 'cedar' ? explain.summary : blocking.summary, [source.name])
  return {
    source: {namespace: source.namespace, name: source.name, kind: source.kind},
    target: {namespace: '', name: target.host ?? target.ip ?? target.cidr ?? target.text, kind: 'External', port: {name: `${target.protocol.toLowerCase()}-${target.port}`, servicePort: target.port, targetPort: target.port, wirePort: target.port}},
    ...meta,
    layers,
    result: {status: combined.status, blockedAt: combined.blockedAt, explanation},
    drift: [],
    warnings: [...new Set([...layers.flatMap((l) => l.warnings), ...warnings])],
    fix: null,
  }
}

/** A's Cedar line, narrowed to this endpoint's AccessExternalEndpoint decision when there is one. */
function endpointCedar(base: LayerResult, decisions: {gate: string; resourceId: string; allowed: boolean; reason: string}[], t: ExternalTarget): LayerResult {
  if (base.status !== 'PASS') return base
  const id = `${t.host ?? t.ip ?? ''}:${t.port}`
  const d = decisions.find((x) => x.gate === 'AccessExternalEndpoint' && x.resourceId === id)
  if (!d) return {...base, summary: `no AccessExternalEndpoint request for ${id} (not declared); ${base.summary}`}
  return d.allowed ? layerResult('cedar', 'PASS', `AccessExternalEndpoint ${id} ${d.reason}`) : layerResult('cedar', 'DENY', `AccessExternalEndpoint ${id}: ${d.reason}`)
}

/** Does an egress rule of A cover the destination (host, address, entity; port, protocol)? */
export function covers(r: EgressRule, t: ExternalTarget): boolean {
  if (r.protocol !== t.protocol) return false
  if (r.ports.length > 0 && !r.ports.includes(t.port)) return false
  const target = r.target as {fqdn?: string; cidr?: string; entity?: string}
  if (target.fqdn !== undefined) {
    if (!t.host) return false
    const f = target.fqdn.toLowerCase()
    return f.startsWith('*.') ? t.host.endsWith(f.slice(1)) : f === t.host
  }
  if (target.cidr !== undefined) {
    const ip = t.ip ?? t.cidr?.split('/')[0]
    return ip !== undefined && inCidr(ip, target.cidr)
  }
  return target.entity === 'world' || target.entity === 'all'
}

function describeRule(r: EgressRule): string {
  const t = r.target as {fqdn?: string; cidr?: string; entity?: string}
  const what = t.fqdn ?? t.cidr ?? `entity ${t.entity}`
  return `${what}:${r.ports.join(',') || '*'}${r.protocol === 'UDP' ? '/UDP' : ''}`
}

/** The waypoint an egress ServiceEntry routes the destination through, when its Gateway exists. */
export function waypointFor(q: ExternalQuery, l7: KubeObject[]): Waypoint | undefined {
  const se = serviceEntriesFor(q, l7)[0]
  const name = se?.metadata.labels?.['istio.io/use-waypoint']
  if (!se || !name || name === 'none') return undefined
  const ns = se.metadata.namespace ?? 'default'
  const gw = l7.find((o) => o.kind === 'Gateway' && o.metadata.name === name && (o.metadata.namespace ?? 'default') === ns)
  if (!gw) return undefined
  return {namespace: ns, name, serviceAccount: name, podLabels: {'gateway.networking.k8s.io/gateway-name': name, 'istio.io/waypoint-for': 'service'}}
}

type Run = (attempt: Attempt) => Promise<{fleet: CompiledFleet; diagnosis: Diagnosis}>

/**
 * Declare the endpoint on A; if Cedar then refuses it, add the permit. Verified by the
 * re-run: `verified` only when it says ALLOWED.
 */
export async function externalFix(first: {fleet: CompiledFleet; diagnosis: Diagnosis}, source: string, t: ExternalTarget, start: Attempt, run: Run): Promise<Fix | null> {
  const changes: SpecChange[] = []
  let attempt = start
  let current = first
  const svc = first.fleet.specs.services.find((s) => `${s.metadata.namespace}/${s.metadata.name}` === source)
  if (!svc) return null
  const [ns, name] = [svc.metadata.namespace, svc.metadata.name]
  if (current.diagnosis.layers.find((l) => l.layer === 'declarations')?.status === 'DENY') {
    const host = t.host ?? t.ip ?? t.cidr?.split('/')[0] ?? t.text
    const base = t.host ? t.host.split('.').filter((p) => p !== 'www' && p !== 'api')[0]?.replace(/[^a-z0-9-]/g, '-') : `ip-${host.replace(/[^0-9a-f]+/gi, '-')}`
    const key = uniqueKey(Object.keys(svc.spec.workload.resources), base || 'external')
    const scheme = t.protocol === 'UDP' ? 'udp' : t.port === 443 ? 'https' : t.port === 80 ? 'http' : 'tcp'
    const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}${(scheme === 'https' && t.port === 443) || (scheme === 'http' && t.port === 80) ? '' : `:${t.port}`}`
    const body = {type: 'external-service', direction: 'outbound', params: {endpoints: {[t.host ? 'api' : 'endpoint']: url}}}
    changes.push({kind: 'LatticeService', namespace: ns, name, file: svc.origin.file, path: 'spec.workload.resources', yaml: `${key}: {type: external-service, direction: outbound, params: {endpoints: {${Object.keys(body.params.endpoints)[0]}: ${url}}}}`})
    attempt = patchService(attempt, source, (raw) => {
      const workload = ((raw.spec ??= {}).workload ??= {})
      workload.resources = {...(workload.resources ?? {}), [key]: body}
    })
    current = await run(attempt)
  }
  const cedarLine = current.diagnosis.layers.find((l) => l.layer === 'cedar')
  if (current.diagnosis.result.blockedAt === 'cedar' && cedarLine?.summary.startsWith('AccessExternalEndpoint')) {
    const id = `${t.host ?? t.ip ?? ''}:${t.port}`
    const policyName = `allow-${ns}-${name}-egress`.slice(0, 63)
    const text = `permit (\n  principal == Lattice::Service::"${source}",\n  action == Lattice::Action::"AccessExternalEndpoint",\n  resource == Lattice::ExternalEndpoint::"${id}"\n);`
    changes.push({kind: 'CedarPolicy', namespace: 'lattice-system', name: policyName, path: 'spec.policies', yaml: text})
    attempt = {...attempt, specs: {...attempt.specs, cedarPolicies: [...attempt.specs.cedarPolicies, cedarPolicy(policyName, text)]} as SpecSet}
    current = await run(attempt)
  }
  if (changes.length === 0) return null
  const r = current.diagnosis.result
  const summary = changes.map((c) => (c.kind === 'CedarPolicy' ? `add a CedarPolicy ${c.name} in lattice-system` : `add to ${c.name} ${c.path}: ${c.yaml}`)).join('; ')
  return r.status === 'ALLOWED'
    ? {summary, changes, verified: true}
    : {summary, changes, verified: false, verification: `after these changes: ${r.status}${r.blockedAt ? ` at ${r.blockedAt}` : ''}${r.explanation ? `. ${r.explanation.replace(/\.$/, '')}` : ''}`}
}

function uniqueKey(existing: string[], base: string): string {
  let key = base.slice(0, 50)
  for (let i = 2; existing.includes(key); i++) key = `${base.slice(0, 47)}-${i}`
  return key
}

/** A summary as the Result sentence: capitalized when it starts with a plain word. */
function sentence(s: string, names: string[]): string {
  const text = s.endsWith('.') ? s : `${s}.`
  const first = /^[^\s:;,(]*/.exec(text)![0]
  return /^[a-z]+$/.test(first) && !names.includes(first) ? text[0]!.toUpperCase() + text.slice(1) : text
}
