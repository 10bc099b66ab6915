// `platform debug connectivity` live when A or B is not a Lattice service (issue 9.3):
// `deploy/NAME`, `sts/NAME`, `ds/NAME`, `pod/NAME`, `svc/NAME` or `NAMESPACE/KIND/NAME`.
// Admission, Cedar and Declarations are SKIP ("not a Lattice service": a SKIP never blocks,
// LATTICE-SPEC §10.5); L4, L7 and Runtime are evaluated with the same evaluators as a pair,
// on the live labels, service account, ambient enrollment and ports of the pods, and the
// live policies (CNPs, CCNPs, Kubernetes NetworkPolicies, AuthorizationPolicies...). The fix
// names the policy change or the onboarding step that would open the path.

import {GATEWAY_NAME_LABEL, HBONE_PORT, MESH_ROOT_NAMESPACE} from '../core/constants.js'
import {InconclusiveError, InputError} from '../core/errors.js'
import {NAME_LABEL, type KubeObject} from '../core/kube.js'
import {spiffeId, type ConnectivityQuery, type PortRef, type Workload} from '../core/query.js'
import {layerResult, type LayerResult} from '../core/result.js'
import {connect, startPairState, type Cluster, type ReadResult} from '../cluster/index.js'
import {readWorkload, type LiveWorkload} from '../cluster/workload-reads.js'
import {l4Layer} from '../layers/cilium/index.js'
import {l7Layer} from '../layers/istio/index.js'
import {runtimeLayer} from '../layers/tetragon/index.js'
import {annotateWithEvidence, evidenceNotAsked, evidenceWarnings, listEvidenceAgents, startEvidence, tetragonEvents, type EvidenceBundle} from './live-evidence.js'
import {dnsCaptureWarning, enforcementMode, isReadyPod, liveViews, meshRootNamespace, namedContainerPorts, resolveTrustDomain, targetAddressesOf, waypointNameOf, waypointOf} from './live-state.js'
import type {LiveRequest} from './live.js'
import type {Diagnosis, Fix, SpecChange} from './model.js'
import {combinePorts, gate, portLabel, type LiveFacts} from './pair.js'
import {isWorkloadRef, parseWorkloadRef, type WorkloadKind} from './plain-workload-ref.js'
import {combine} from './result.js'
import {selectPorts} from './workload.js'

/** One end as read: a plain workload, or a Lattice service named `ns/name` on the other end. */
export interface End {
  namespace: string
  name: string
  kind: WorkloadKind | 'LatticeService' | 'LatticeMeshMember' | 'Unknown'
  live: Omit<LiveWorkload, 'kind'>
}

export async function diagnosePlainWorkloads(req: LiveRequest): Promise<Diagnosis> {
  const cluster = await connect(req.connect)
  const defaultNs = req.namespace ?? cluster.namespace
  const [a, b] = await Promise.all([readEnd(cluster, req.source, defaultNs, 'source'), readEnd(cluster, req.target, defaultNs, 'target')])
  const started = startPairState(cluster, {
    source: {namespace: a.namespace, name: a.name, podSelector: a.live.podSelector},
    target: {namespace: b.namespace, name: b.name, podSelector: b.live.podSelector},
    since: req.evidence.sinceSeconds,
  }, (e) => req.emit?.(e))
  const agents = req.evidence.enabled ? listEvidenceAgents(cluster, req.evidence) : undefined
  const state = await started.state
  // An end written NAMESPACE/NAME is what the cluster says it is: LatticeService, mesh member, or neither.
  for (const end of [a, b]) {
    if (end.kind !== 'LatticeService') continue
    const has = (r: ReadResult<KubeObject> | undefined) => r?.ok === true && r.items.some((x) => x.metadata.name === end.name)
    const unread = [state.latticeServices[end.namespace], state.meshMembers[end.namespace]].some((r) => r !== undefined && !r.ok && r.status !== 'not-installed')
    if (!unread && !has(state.latticeServices[end.namespace])) end.kind = has(state.meshMembers[end.namespace]) ? 'LatticeMeshMember' : 'Unknown'
  }
  const {view, unavailable, notes} = liveViews(state)
  const td = resolveTrustDomain(req.trustDomain, state, view.l7)
  const root = meshRootNamespace(state)
  const nsLabels = (ns: string) => {
    const r = state.namespaces[ns]
    return r?.ok ? r.items[0]?.metadata.labels ?? {} : undefined
  }
  const source = workloadOfEnd(a, nsLabels(a.namespace))
  const target = workloadOfEnd(b, nsLabels(b.namespace))
  const ports = selectPorts(target, req.port)

  const warnings: string[] = [...notes]
  if (td.source.startsWith('default')) warnings.push(`trust domain not found in the cluster (Istio mesh config, policy principals); assumed ${td.trustDomain} — pass --trust-domain if it differs`)
  for (const [end, role] of [[a, 'source'], [b, 'target']] as const) {
    if (!end.live.pods.ok) warnings.push(`pods of ${end.namespace}/${end.name}: ${end.live.pods.reason}`)
    else if (end.live.pods.items.length === 0) warnings.push(`${describeEnd(end)} has no pods${role === 'target' ? ': nothing can serve the traffic' : ''}`)
  }
  for (const end of [a, b]) if (isWorkloadKind(end.kind) && !end.live.serviceAccountName) warnings.push(`${describeEnd(end)} sets no serviceAccountName: its pods run as ${end.namespace}/default, shared by every such workload of the namespace`)
  const dns = dnsCaptureWarning(a.live.pods, view.l4, source.ambient)
  if (dns) warnings.push(dns)
  if (root !== MESH_ROOT_NAMESPACE) warnings.push(`Istio mesh root namespace is ${root}: mesh-wide AuthorizationPolicies there were not read`)

  const podsA = a.live.pods.ok ? a.live.pods.items : []
  const podsB = b.live.pods.ok ? b.live.pods.items : []
  const wpName = waypointNameOf(b.name, {ok: true, items: b.live.services}, state.namespaces[b.namespace])
  const wpPods = wpName ? await cluster.pods(b.namespace, {labelSelector: `${GATEWAY_NAME_LABEL}=${wpName}`}) : undefined
  const waypoint = wpName && wpPods ? waypointOf(wpName, b.namespace, wpPods) : undefined
  const evidence: EvidenceBundle = req.evidence.enabled
    ? await startEvidence(cluster, state, {
      srcIdentity: spiffeId(td.trustDomain, a.namespace, source.serviceAccount),
      dstIdentity: spiffeId(td.trustDomain, b.namespace, target.serviceAccount),
      podsA, podsB,
      ...(b.live.services[0] ? {targetService: `${b.live.services[0].metadata.name}.${b.namespace}.svc.cluster.local`} : {}),
      ...(waypoint && wpPods?.ok ? {waypoint: {namespace: b.namespace, name: waypoint.name, pods: wpPods.items}} : {}),
      ...(agents ? {agents} : {}),
    }, {...req.evidence, timeoutMs: req.connect.requestTimeoutMs ?? 10_000}, req.emit).bundle
    : {sources: evidenceNotAsked('--no-evidence')}
  warnings.push(...evidenceWarnings(evidence))

  const targetAddresses = targetAddressesOf(b.live.pods, b.live.services)
  const live: LiveFacts = {
    unavailable,
    ...(enforcementMode(state) ? {enforcementMode: enforcementMode(state)!} : {}),
    ...(b.live.pods.ok ? {targetReady: podsB.some(isReadyPod)} : {}),
    ...(targetAddresses ? {targetAddresses} : {}),
    ...(tetragonEvents(evidence) ? {events: tetragonEvents(evidence)!} : {}),
    annotate: annotateWithEvidence(evidence, warnings),
    rootNamespace: root,
  }
  const query: ConnectivityQuery = {
    source, target, trustDomain: td.trustDomain,
    ...(waypoint ? {waypoint} : {}),
    ...(req.clientBinary ? {clientBinary: req.clientBinary} : {}),
    ...(req.method ? {method: req.method} : {}),
    ...(req.path ? {path: req.path} : {}),
  }
  const diagnosis = {...evaluateWorkloadPair(query, ports, view, live, [a, b]), profile: req.profile}
  const out: Diagnosis = {
    ...diagnosis,
    source: {...diagnosis.source, kind: a.kind},
    target: {...diagnosis.target, kind: b.kind},
    warnings: [...new Set([...diagnosis.warnings, ...warnings])],
    evidenceSources: evidence.sources,
  }
  out.fix = plainFix(out, a, b, query)
  req.emit?.({type: 'diagnosis', diagnosis: out})
  return out
}

/**
 * The pair's layers for two workloads given directly (no compiled fleet): Admission, Cedar
 * and Declarations SKIP for the ends that are not Lattice services; L4, L7 and Runtime per
 * port, as evaluatePair does.
 */
export function evaluateWorkloadPair(base: ConnectivityQuery, ports: PortRef[], view: {l4: KubeObject[]; l7: KubeObject[]; runtime: KubeObject[]}, live: LiveFacts, ends: Array<{namespace: string; name: string; kind: string}>): Diagnosis {
  const {source, target} = base
  const plain = ends.filter((e) => e.kind !== 'LatticeService' && e.kind !== 'LatticeMeshMember').map((e) => `${e.namespace}/${e.name}`)
  const why = `${plain.join(' and ')} ${plain.length > 1 ? 'are' : 'is'} not a Lattice service`
  const skip = (id: 'admission' | 'cedar' | 'declarations', what: string) => layerResult(id, 'SKIP', `${why}: ${what}`)
  const admission = skip('admission', 'no spec admitted')
  const cedar = skip('cedar', 'no Cedar authorization applies')
  const declarations = skip('declarations', 'no declarations to match; L4 and L7 decide on the live policies')
  const decide = (r: LayerResult, ctx?: {wirePorts?: number[]; appPorts?: number[]}) => (live.annotate ? live.annotate(r, ctx) : r)
  const wire = (p: PortRef) => (source.ambient && target.ambient ? HBONE_PORT : p.targetPort)
  const verdicts = (ports.length > 0 ? ports : [undefined]).map((port) => {
    const q = port ? {...base, port} : base
    const onPorts = port ? {wirePorts: [wire(port)], appPorts: [port.servicePort, port.targetPort]} : {}
    const l4 = decide(gate('l4', live, () => l4Layer(q, view.l4, live.enforcementMode ? {enforcementMode: live.enforcementMode} : {})), onPorts)
    const l7 = decide(gate('l7', live, () => l7Layer(q, view.l7, live.rootNamespace ? {rootNamespace: live.rootNamespace} : {})), onPorts)
    const runtime = decide(gate('runtime', live, () => runtimeLayer(q, view.runtime, {
      ...(live.events ? {events: live.events} : {}),
      ...(live.targetReady !== undefined ? {targetReady: live.targetReady} : {}),
      ...(live.targetAddresses ? {targetAddresses: live.targetAddresses} : {}),
    })))
    const layers = [admission, cedar, declarations, l4, l7, runtime]
    const c = combine(layers)
    const blocking = layers.find((l) => l.layer === c.blockedAt)
    const unknown = layers.filter((l) => l.status === 'UNKNOWN')
    const explanation = blocking ? sentence(blocking.summary) : unknown.length ? `Not enough data: ${unknown.map((l) => `${l.layer} ${l.summary}`).join('; ')}.` : ''
    return {port, layers, result: {...c, explanation}}
  })
  const shown = verdicts.find((v) => v.result.status === 'BLOCKED') ?? verdicts.find((v) => v.result.status === 'UNKNOWN') ?? verdicts[0]!
  const portOf = (p: PortRef) => ({name: p.name, servicePort: p.servicePort, targetPort: p.targetPort, wirePort: wire(p)})
  return {
    source: {namespace: source.namespace, name: source.name, kind: 'Workload'},
    target: {namespace: target.namespace, name: target.name, kind: 'Workload', ...(shown.port ? {port: portOf(shown.port)} : {})},
    profile: 'seed',
    trustDomain: base.trustDomain,
    policySource: 'cluster',
    layers: shown.layers,
    result: combinePorts(verdicts.map((v) => ({name: v.port ? portLabel(v.port) : '', result: v.result})), shown.result),
    drift: [],
    warnings: [...new Set(verdicts.flatMap((v) => v.layers.flatMap((l) => l.warnings)))],
    fix: null,
    ...(ports.length > 0 ? {ports: verdicts.map((v) => ({port: portOf(v.port!), layers: v.layers, result: v.result}))} : {}),
  }
}

export async function readEnd(cluster: Cluster, text: string, defaultNs: string, role: string): Promise<End> {
  if (isWorkloadRef(text)) {
    const ref = parseWorkloadRef(text, defaultNs, role)
    const got = await readWorkload(cluster, ref)
    if (!got.ok) {
      if (got.status === 'not-found' || got.status === 'malformed') throw new InputError(`${role} '${text}': ${got.reason}`)
      throw new InconclusiveError(`cannot read ${role} '${text}' at ${cluster.info.server}: ${got.reason}`)
    }
    return {namespace: ref.namespace, name: ref.name, kind: ref.kind, live: got.workload}
  }
  // The other end is a Lattice service: its pods carry app.kubernetes.io/name (§5.1).
  const [namespace, name, extra] = text.includes('/') ? text.split('/') : [defaultNs, text]
  if (!namespace || !name || extra !== undefined) throw new InputError(`${role} '${text}': expected <namespace>/<name>, <name>, KIND/NAME or <namespace>/KIND/NAME`)
  const podSelector = `${NAME_LABEL}=${name}`
  const [pods, services] = await Promise.all([cluster.pods(namespace, {labelSelector: podSelector}), cluster.services(namespace, {fieldSelector: `metadata.name=${name}`})])
  const first = pods.ok ? pods.items[0] : undefined
  if (pods.ok && !first && services.ok && services.items.length === 0) throw new InputError(`${role} '${text}': no pods labelled ${podSelector} and no Service ${name} in namespace ${namespace} (name a workload as deploy/NAME, pod/NAME, svc/NAME...)`)
  return {
    namespace, name, kind: 'LatticeService',
    live: {
      namespace, name, object: first ?? ({kind: 'Pod', metadata: {name, namespace}} as KubeObject), podSelector,
      templateLabels: {...(first?.metadata.labels ?? {[NAME_LABEL]: name})},
      ...(typeof first?.spec?.serviceAccountName === 'string' ? {serviceAccountName: first.spec.serviceAccountName} : {}),
      pods: pods as ReadResult<KubeObject>, services: services.ok ? services.items : [],
    },
  }
}

/** The Workload the layers evaluate: live labels, service account (`default` when unset), ambient, ports. */
export function workloadOfEnd(end: End, namespaceLabels: Record<string, string> | undefined): Workload {
  const pod = end.live.pods.ok ? end.live.pods.items[0] : undefined
  const labels = {...(pod?.metadata.labels ?? end.live.templateLabels)}
  const sa = (typeof pod?.spec?.serviceAccountName === 'string' && pod.spec.serviceAccountName) || end.live.serviceAccountName || 'default'
  const podMode = labels['istio.io/dataplane-mode']
  const ambient = podMode === 'none' ? false : podMode === 'ambient' || namespaceLabels?.['istio.io/dataplane-mode'] === 'ambient' || pod?.metadata.annotations?.['ambient.istio.io/redirection'] === 'enabled'
  const containerPorts = pod ? namedContainerPorts(pod) : templatePorts(end.live.object)
  return {
    namespace: end.namespace, name: end.name, kind: end.kind === 'LatticeService' || end.kind === 'LatticeMeshMember' ? end.kind : 'Unknown',
    serviceAccount: sa, podLabels: labels,
    ...(namespaceLabels ? {namespaceLabels} : {}),
    ambient, ports: portsOf(end, containerPorts, pod ?? end.live.object), containerPorts,
  }
}

function templatePorts(obj: KubeObject): NonNullable<Workload['containerPorts']> {
  const spec = obj.spec?.template ? {metadata: {name: obj.metadata.name}, spec: obj.spec.template.spec} as KubeObject : obj
  return namedContainerPorts(spec)
}

/** Ports from the Services that select the pods (named target ports resolved), else the containers' ports. */
function portsOf(end: End, named: NonNullable<Workload['containerPorts']>, podLike: KubeObject): PortRef[] {
  const out: PortRef[] = []
  for (const svc of end.live.services) {
    for (const p of Array.isArray(svc.spec?.ports) ? svc.spec.ports : []) {
      if (typeof p?.port !== 'number') continue
      const tp = p.targetPort
      const target = typeof tp === 'number' ? tp : typeof tp === 'string' && /^\d+$/.test(tp) ? Number(tp) : typeof tp === 'string' ? named.find((c) => c.name === tp)?.port ?? p.port : p.port
      const protocol = String(p.protocol ?? 'TCP').toUpperCase()
      const name = typeof p.name === 'string' && p.name ? p.name : String(p.port)
      if (!out.some((x) => x.servicePort === p.port && x.protocol === protocol)) out.push({name, servicePort: p.port, targetPort: target, protocol})
    }
  }
  if (out.length > 0) return out
  const spec = podLike.spec?.template?.spec ?? podLike.spec
  for (const c of Array.isArray(spec?.containers) ? spec.containers : []) {
    for (const p of Array.isArray(c?.ports) ? c.ports : []) {
      if (typeof p?.containerPort !== 'number') continue
      out.push({name: typeof p.name === 'string' && p.name ? p.name : String(p.containerPort), servicePort: p.containerPort, targetPort: p.containerPort, protocol: String(p.protocol ?? 'TCP').toUpperCase()})
    }
  }
  return out
}

function describeEnd(end: End): string {
  return isWorkloadKind(end.kind) ? `${end.kind} ${end.namespace}/${end.name}` : `${end.namespace}/${end.name}`
}

/**
 * What would open the path (nothing to verify in memory: a plain workload has no spec to
 * recompile). The blocking layer's evidence names the policy to change; else the onboarding
 * (a LatticeMeshMember for the plain end, a declaration on the Lattice end).
 */
export function plainFix(d: Diagnosis, a: End, b: End, q: ConnectivityQuery): Fix | null {
  if (d.result.status !== 'BLOCKED') return null
  const layer = d.layers.find((l) => l.layer === d.result.blockedAt)
  if (!layer) return null
  const port = d.target.port
  const proto = q.target.ports.find((p) => p.targetPort === port?.targetPort && p.name === port?.name)?.protocol ?? 'TCP'
  const on = port ? ` on port ${port.targetPort}${proto !== 'TCP' ? `/${proto}` : ''}` : ''
  const stable = (w: Workload) => Object.fromEntries(Object.entries(w.podLabels).filter(([k]) => !/hash|controller-revision|pod-template/.test(k)).slice(0, 2))
  const sel = (w: Workload) => Object.entries(stable(w)).map(([k, v]) => `${k}=${v}`).join(',')
  const flow = (labels: Record<string, string>) => `{${Object.entries(labels).map(([k, v]) => `${k}: ${v}`).join(', ')}}`
  const portsYaml = port ? `\n  ports: [{port: ${port.targetPort}, protocol: ${proto}}]` : ''
  const steps: string[] = []
  const changes: SpecChange[] = []
  const onboard = () => {
    for (const x of [a, b]) {
      const peer = x === a ? b : a
      const dir = x === a ? 'outbound' : 'inbound'
      if (x.kind === 'LatticeMeshMember') {
        const field = x === a ? 'dependencies' : 'allowedCallers'
        steps.push(`add ${peer.namespace}/${peer.name} to spec.${field} of LatticeMeshMember ${x.namespace}/${x.name}`)
        changes.push({kind: 'Cluster', namespace: x.namespace, name: x.name, path: `LatticeMeshMember spec.${field}`, yaml: `- {name: ${peer.name}, namespace: ${peer.namespace}}`})
      } else if (x.kind === 'LatticeService') {
        steps.push(`declare ${peer.namespace}/${peer.name} ${dir} on LatticeService ${x.namespace}/${x.name}`)
        changes.push({kind: 'LatticeService', namespace: x.namespace, name: x.name, path: 'spec.workload.resources', yaml: `${peer.name}: {type: service, direction: ${dir}${peer.namespace !== x.namespace ? `, namespace: ${peer.namespace}` : ''}}`})
      } else {
        const w = x === a ? q.source : q.target
        steps.push(`onboard ${x.namespace}/${x.name}: create a LatticeMeshMember for it (pods ${sel(w)}) declaring ${peer.namespace}/${peer.name} ${dir}`)
        changes.push({kind: 'Cluster', namespace: x.namespace, name: x.name, path: 'new LatticeMeshMember spec', yaml: `target: {selector: ${flow(stable(w))}}\n${x === a ? `dependencies: [{name: ${peer.name}, namespace: ${peer.namespace}}]` : `allowedCallers: [{name: ${peer.name}, namespace: ${peer.namespace}}]`}`})
      }
    }
  }
  if (layer.layer === 'l4') {
    for (const e of layer.evidence) {
      if (e.kind !== 'NetworkPolicy' || !e.name) continue
      const ingress = e.namespace === b.namespace && !/egress/i.test(e.detail ?? '')
      const [peerNs, peer] = ingress ? [a.namespace, q.source] : [b.namespace, q.target]
      steps.push(`add an ${ingress ? 'ingress' : 'egress'} rule to NetworkPolicy ${e.namespace}/${e.name} allowing pods ${sel(peer)} of namespace ${peerNs}${on}`)
      changes.push({kind: 'Cluster', namespace: e.namespace!, name: `NetworkPolicy ${e.name}`, path: `spec.${ingress ? 'ingress' : 'egress'}`, yaml: `- ${ingress ? 'from' : 'to'}: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${peerNs}}}, podSelector: {matchLabels: ${flow(stable(peer))}}}]${portsYaml}`})
    }
    if (steps.length === 0) onboard()
  } else if (layer.layer === 'l7') {
    const who = `${d.trustDomain}/ns/${a.namespace}/sa/${q.source.serviceAccount}`
    if (b.kind === 'LatticeService') onboard()
    else {
      steps.push(`add an ALLOW AuthorizationPolicy in ${b.namespace} selecting ${sel(q.target)} for principal ${who}${on}, or onboard ${b.namespace}/${b.name} as a LatticeMeshMember allowing ${a.namespace}/${a.name}`)
      changes.push({kind: 'Cluster', namespace: b.namespace, name: `AuthorizationPolicy allow-${a.name}-to-${b.name}`.slice(0, 80), path: 'new AuthorizationPolicy spec', yaml: `selector: {matchLabels: ${flow(stable(q.target))}}\naction: ALLOW\nrules: [{from: [{source: {principals: [${who}]}}]${port ? `, to: [{operation: {ports: ["${port.targetPort}"]}}]` : ''}}]`})
    }
  } else if (layer.layer === 'runtime') {
    steps.push(`${layer.summary}: allow the binary in the TracingPolicy that kills it, or call with the workload's own binary`)
  }
  if (changes.length === 0) return null
  return {summary: steps.join('; '), changes, verified: false, verification: 'a workload that is not a Lattice service has no spec to recompile in memory'}
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Service'])
const isWorkloadKind = (kind: string) => WORKLOAD_KINDS.has(kind)

function sentence(s: string): string {
  const text = s.endsWith('.') ? s : `${s}.`
  return /^[a-z]+\s/.test(text) ? text[0]!.toUpperCase() + text.slice(1) : text
}
