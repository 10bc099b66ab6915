// Turning the live reads of one pair (src/cluster PairState) into what the evaluators
// need: policy views per layer (or SKIP/UNKNOWN with the reason), specs, and the facts only
// a cluster knows (enforcement mode, trust domain, waypoint and pod readiness).

// js-yaml, as the spec reader: the `yaml` package would be one more large module on the live path.
import jsyaml from 'js-yaml'
import {DEFAULT_TRUST_DOMAIN, GATEWAY_NAME_LABEL, MESH_ROOT_NAMESPACE, USE_WAYPOINT_LABEL} from '../core/constants.js'
import type {KubeObject} from '../core/kube.js'
import type {Waypoint, Workload} from '../core/query.js'
import type {PairState, PerNamespace, ReadResult} from '../cluster/index.js'
import {mergePerNamespace} from '../cluster/index.js'
import {specSetFromDocuments} from '../spec/load.js'
import type {SpecSet} from '../spec/model.js'
import {keyOf} from '../spec/model.js'
import type {LiveFacts, PolicyView} from './pair.js'

type Unavailable = NonNullable<LiveFacts['unavailable']>

const LAYER_GROUPS = {
  l4: {group: 'cilium.io', what: 'Cilium policies (cilium.io/v2)'},
  l7: {group: 'security.istio.io', what: 'Istio security policies (security.istio.io)'},
  runtime: {group: 'cilium.io', what: 'Tetragon TracingPolicies (cilium.io/v1alpha1)'},
} as const

/** All objects of several reads, or the reason the set is incomplete (a partial set is not a policy set). */
function combined(reads: Array<ReadResult<KubeObject>>): {ok: true; items: KubeObject[]} | {ok: false; status: string; reason: string} {
  const items: KubeObject[] = []
  for (const r of reads) {
    if (!r.ok) return r
    items.push(...r.items)
  }
  return {ok: true, items}
}

const all = (p: PerNamespace) => mergePerNamespace(p)

export function liveViews(state: PairState): {view: PolicyView; unavailable: Unavailable; notes: string[]} {
  const view: PolicyView = {source: 'cluster', l4: [], l7: [], runtime: []}
  const unavailable: Unavailable = {}
  const notes: string[] = []
  const sources = {
    // NetworkPolicies are enforced by Cilium alongside CNPs: without them L4 is not known.
    l4: [all(state.cnps), state.ccnps, ...(state.networkPolicies ? [all(state.networkPolicies)] : [])],
    l7: [all(state.authorizationPolicies), all(state.peerAuthentications)],
    runtime: [state.tracingPolicies, all(state.tracingPoliciesNamespaced)],
  }
  for (const layer of ['l4', 'l7', 'runtime'] as const) {
    const r = combined(sources[layer])
    if (r.ok) {
      view[layer] = r.items
      continue
    }
    if (r.status === 'not-installed') unavailable[layer] = {status: 'SKIP', reason: `not installed (${LAYER_GROUPS[layer].what} not served)`}
    else unavailable[layer] = {status: 'UNKNOWN', reason: `could not read ${LAYER_GROUPS[layer].what}: ${r.reason}`}
  }
  // ServiceEntries, Gateways and Services help L7 place waypoints; their absence is not fatal.
  for (const extra of [all(state.serviceEntries), all(state.gateways), state.servicesB]) {
    if (extra.ok) view.l7.push(...extra.items)
    else if (extra.status !== 'not-installed') notes.push(`L7 context incomplete: ${extra.reason}`)
  }
  return {view, unavailable, notes}
}

/** LatticeServices/LatticeMeshMembers/CedarPolicies from the cluster, with --specs files overriding by ns/name. */
export function liveSpecs(state: Pick<PairState, 'latticeServices' | 'meshMembers' | 'cedarPolicies'>, files: SpecSet | undefined): {specs: SpecSet; problems: string[]} {
  const problems: string[] = []
  const docs: Array<{value: Record<string, unknown>; origin: {file: string; index: number}; label: string}> = []
  const take = (r: ReadResult<KubeObject>, what: string) => {
    if (!r.ok) {
      if (r.status !== 'not-installed') problems.push(`${what}: ${r.reason}`)
      else problems.push(`${what}: Lattice CRDs not installed`)
      return
    }
    for (const item of r.items) docs.push({value: item as unknown as Record<string, unknown>, origin: {file: 'cluster', index: docs.length}, label: `${item.kind} ${item.metadata.namespace}/${item.metadata.name}`})
  }
  for (const [ns, r] of Object.entries(state.latticeServices)) take(r, `LatticeServices in ${ns}`)
  for (const [ns, r] of Object.entries(state.meshMembers)) take(r, `LatticeMeshMembers in ${ns}`)
  take(state.cedarPolicies, 'CedarPolicies in lattice-system')
  const fromCluster = specSetFromDocuments(docs)
  if (!files) return {specs: fromCluster, problems}
  const override = new Set([...files.services, ...files.meshMembers, ...files.cedarPolicies].map((o) => `${o.kind} ${keyOf(o)}`))
  const keep = <T extends {kind: string; metadata: {namespace?: string; name: string}}>(list: T[]) => list.filter((o) => !override.has(`${o.kind} ${keyOf(o)}`))
  return {
    specs: {
      services: [...keep(fromCluster.services), ...files.services],
      meshMembers: [...keep(fromCluster.meshMembers), ...files.meshMembers],
      cedarPolicies: [...keep(fromCluster.cedarPolicies), ...files.cedarPolicies],
      others: [],
      warnings: [...fromCluster.warnings, ...files.warnings],
    },
    problems,
  }
}

/** `--trust-domain` → Istio mesh config → principals in live policies → cluster.local (§6.2). */
export function resolveTrustDomain(flag: string | undefined, state: PairState, policies: KubeObject[]): {trustDomain: string; source: string} {
  if (flag) return {trustDomain: flag, source: '--trust-domain'}
  if (state.istioConfig.ok) {
    const mesh = (state.istioConfig.items[0] as {data?: Record<string, unknown>} | undefined)?.data?.mesh
    if (typeof mesh === 'string') {
      try {
        const td = (jsyaml.load(mesh) as {trustDomain?: unknown} | null)?.trustDomain
        if (typeof td === 'string' && td) return {trustDomain: td, source: 'ConfigMap istio-system/istio (mesh.trustDomain)'}
      } catch {
        // fall through: a broken mesh config is reported by Istio itself
      }
    }
  }
  for (const p of policies) {
    if (p.kind !== 'AuthorizationPolicy') continue
    for (const rule of p.spec?.rules ?? []) for (const from of rule?.from ?? []) for (const principal of from?.source?.principals ?? []) {
      const m = /^([^/*]+)\/ns\//.exec(String(principal))
      if (m) return {trustDomain: m[1], source: `principals of AuthorizationPolicy ${p.metadata.namespace}/${p.metadata.name}`}
    }
  }
  return {trustDomain: DEFAULT_TRUST_DOMAIN, source: 'default (cluster.local)'}
}

/** The Istio mesh root namespace (mesh config `rootNamespace`, default istio-system): its policies apply mesh-wide. */
export function meshRootNamespace(state: Pick<PairState, 'istioConfig'>): string {
  if (!state.istioConfig.ok) return MESH_ROOT_NAMESPACE
  const mesh = (state.istioConfig.items[0] as {data?: Record<string, unknown>} | undefined)?.data?.mesh
  if (typeof mesh !== 'string') return MESH_ROOT_NAMESPACE
  try {
    const root = (jsyaml.load(mesh) as {rootNamespace?: unknown} | null)?.rootNamespace
    return typeof root === 'string' && root ? root : MESH_ROOT_NAMESPACE
  } catch {
    return MESH_ROOT_NAMESPACE
  }
}

/** Cilium's `enable-policy` (default | always | never). */
export function enforcementMode(state: PairState): 'default' | 'always' | 'never' | undefined {
  if (!state.ciliumConfig.ok) return undefined
  const v = (state.ciliumConfig.items[0] as {data?: Record<string, unknown>} | undefined)?.data?.['enable-policy']
  return v === 'always' || v === 'never' || v === 'default' ? v : undefined
}

/** Exempt namespaces as the live `default-deny` CCNP states them (§5.2), if present. */
export function liveExemptNamespaces(state: PairState): string[] | undefined {
  if (!state.ccnps.ok) return undefined
  const dd = state.ccnps.items.find((p) => p.metadata.name === 'default-deny')
  const expr = (dd?.spec?.endpointSelector?.matchExpressions ?? []).find((e: any) => e?.key === 'k8s:io.kubernetes.pod.namespace' && e?.operator === 'NotIn')
  return Array.isArray(expr?.values) ? [...expr.values].map(String).sort() : undefined
}

export function isReadyPod(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp) return false
  return (pod.status?.conditions ?? []).some((c: any) => c?.type === 'Ready' && c?.status === 'True')
}

/** The waypoint B's traffic goes through: label on B's Service, else on B's namespace. */
export function waypointName(state: PairState): string | undefined {
  return waypointNameOf(state.target.name, state.servicesB, state.namespaces[state.target.namespace])
}

/** waypointName from the two reads it needs (B's Services and B's Namespace), as soon as they are in. */
export function waypointNameOf(target: string, servicesB: ReadResult<KubeObject>, namespaceB: ReadResult<KubeObject> | undefined): string | undefined {
  const svc = servicesB.ok ? servicesB.items.find((s) => s.metadata.name === target) : undefined
  const fromSvc = svc?.metadata.labels?.[USE_WAYPOINT_LABEL]
  if (fromSvc && fromSvc !== 'none') return fromSvc
  if (fromSvc === 'none') return undefined
  const ns = namespaceB
  const fromNs = ns?.ok ? ns.items[0]?.metadata.labels?.[USE_WAYPOINT_LABEL] : undefined
  return fromNs && fromNs !== 'none' ? fromNs : undefined
}

export function waypointOf(name: string, namespace: string, pods: ReadResult<KubeObject>): Waypoint {
  const ready = pods.ok ? pods.items.some(isReadyPod) : undefined
  const labels = pods.ok && pods.items[0] ? {...(pods.items[0].metadata.labels ?? {})} : {[GATEWAY_NAME_LABEL]: name}
  const sa = pods.ok ? pods.items[0]?.spec?.serviceAccountName : undefined
  const containerPorts = pods.ok && pods.items[0] ? namedContainerPorts(pods.items[0]) : undefined
  return {namespace, name, podLabels: labels, serviceAccount: typeof sa === 'string' ? sa : name, ...(ready !== undefined ? {ready} : {}), ...(containerPorts ? {containerPorts} : {})}
}

/** The pod's named container ports (`spec.containers[].ports[]` with a name), for Cilium named ports (§10.11). */
export function namedContainerPorts(pod: KubeObject): NonNullable<Workload['containerPorts']> {
  const out: NonNullable<Workload['containerPorts']> = []
  for (const c of Array.isArray(pod.spec?.containers) ? pod.spec.containers : []) {
    for (const p of Array.isArray(c?.ports) ? c.ports : []) {
      if (typeof p?.name === 'string' && p.name && typeof p.containerPort === 'number') out.push({name: p.name, port: p.containerPort, protocol: String(p.protocol ?? 'TCP').toUpperCase()})
    }
  }
  return out
}

/** Refines a spec-derived workload with what its live pods say (labels, service account, ambient). */
export function withLivePods(w: Workload, pods: ReadResult<KubeObject>, namespace: ReadResult<KubeObject> | undefined): Workload {
  const nsLabels = namespace?.ok ? namespace.items[0]?.metadata.labels ?? {} : undefined
  const pod = pods.ok ? pods.items[0] : undefined
  if (!pod) return nsLabels ? {...w, namespaceLabels: nsLabels} : w
  const sa = pod.spec?.serviceAccountName
  const ambient = nsLabels?.['istio.io/dataplane-mode'] === 'ambient' || pod.metadata.annotations?.['ambient.istio.io/redirection'] === 'enabled'
  return {
    ...w,
    podLabels: {...(pod.metadata.labels ?? {})},
    containerPorts: namedContainerPorts(pod),
    ...(typeof sa === 'string' && sa ? {serviceAccount: sa} : {}),
    ...(nsLabels ? {namespaceLabels: nsLabels, ambient: nsLabels['istio.io/dataplane-mode'] === 'none' ? false : ambient || w.ambient} : {}),
  }
}

/**
 * §5.4.5: with ambient DNS capture (the default since Istio 1.25) lookups leave from ztunnel,
 * so Cilium's DNS proxy never learns the addresses behind `toFQDNs` rules of this pod.
 * Pods opt out with ambient.istio.io/dns-capture=false or bypass-dns-capture=true.
 */
export function dnsCaptureWarning(pods: ReadResult<KubeObject>, policies: KubeObject[], ambient: boolean): string | undefined {
  if (!ambient || !pods.ok || pods.items.length === 0) return undefined
  const pod = pods.items[0]
  const ann = pod.metadata.annotations ?? {}
  if (ann['ambient.istio.io/dns-capture'] === 'false' || ann['ambient.istio.io/bypass-dns-capture'] === 'true') return undefined
  const labels = pod.metadata.labels ?? {}
  const ns = pod.metadata.namespace
  const usesFqdn = policies.some((p) => {
    if (p.kind === 'CiliumNetworkPolicy' && p.metadata.namespace !== ns) return false
    const sel = p.spec?.endpointSelector?.matchLabels ?? {}
    const selects = Object.entries(sel).every(([k, v]) => labels[k.replace(/^(k8s|any):/, '')] === v)
    return selects && (p.spec?.egress ?? []).some((r: any) => Array.isArray(r?.toFQDNs) && r.toFQDNs.length > 0)
  })
  return usesFqdn
    ? `L4: DNS captured by ztunnel (ambient default since Istio 1.25); FQDN rules of ${pod.metadata.namespace}/${labels['app.kubernetes.io/name'] ?? pod.metadata.name} may not learn addresses (annotate the pods ambient.istio.io/dns-capture=false, or allow the external hosts by CIDR)`
    : undefined
}

/**
 * The addresses A's connect() may carry for B: its pods' IPs and its Services' ClusterIPs
 * (a connect hook sees the ClusterIP, or the pod IP once Cilium's socket LB translated it).
 * The Runtime layer decides Tetragon's DAddr/NotDAddr filters only when every one agrees.
 * Undefined when a read failed or nothing is known (the filters then stay undecided).
 */
export function targetAddressesOf(pods: ReadResult<KubeObject>, services: ReadResult<KubeObject> | KubeObject[]): string[] | undefined {
  const svcs = Array.isArray(services) ? services : services.ok ? services.items : undefined
  if (!pods.ok || !svcs) return undefined
  const out = new Set<string>()
  for (const p of pods.items) {
    const ips = Array.isArray(p.status?.podIPs) ? p.status.podIPs.map((x: {ip?: unknown}) => x?.ip) : [p.status?.podIP]
    for (const ip of ips) if (typeof ip === 'string' && ip) out.add(ip)
  }
  for (const s of svcs) {
    const ips = Array.isArray(s.spec?.clusterIPs) ? s.spec.clusterIPs : [s.spec?.clusterIP]
    for (const ip of ips) if (typeof ip === 'string' && ip && ip !== 'None') out.add(ip)
  }
  return out.size > 0 ? [...out] : undefined
}
