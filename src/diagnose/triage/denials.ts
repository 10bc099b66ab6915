// Turning evidence records into denials for `platform debug triage` (issue 9.1): who was
// denied, towards what, on which port, at which layer. Only the forward direction of a
// connection counts (LATTICE-SPEC §10.14): Hubble replies are skipped, and a ztunnel denial
// logged by both ends of one connection is counted once (the destination's inbound record;
// the source's outbound record only when the log holds no inbound side).

import type {FlowEndpoint, FlowRecord, MeshAccessRecord, ProcessEventRecord} from '../../core/evidence.js'

export type DenialLayer = 'l4' | 'l7' | 'runtime'
export type EvidenceSource = 'hubble' | 'ztunnel' | 'waypoint' | 'tetragon'

export interface Party {
  kind: 'workload' | 'external' | 'binary'
  namespace?: string
  /** Workload name (the `app.kubernetes.io/name` label, else the owning workload, else the pod), IP, or binary path. */
  name: string
}

export interface Denial {
  layer: DenialLayer
  evidence: EvidenceSource
  time: string
  source: Party
  destination: Party
  port?: number
  protocol?: string
  /** Drop reason, error text or the policy that matched. */
  reason: string
  policy?: string
}

const NAME_LABELS = ['k8s:app.kubernetes.io/name', 'k8s:app']

function labelValue(labels: string[] | undefined, key: string): string | undefined {
  const hit = labels?.find((l) => l.startsWith(`${key}=`))
  return hit?.slice(key.length + 1)
}

export function partyOfEndpoint(ep: FlowEndpoint): Party {
  if (!ep.namespace) return {kind: 'external', name: ep.ip ?? 'world'}
  for (const key of NAME_LABELS) {
    const v = labelValue(ep.labels, key)
    if (v) return {kind: 'workload', namespace: ep.namespace, name: v}
  }
  return {kind: 'workload', namespace: ep.namespace, name: ep.workloads?.[0] ?? ep.pod ?? ep.ip ?? 'unknown'}
}

/** A Hubble flow that is a denial of the forward direction, or undefined. */
export function denialFromFlow(f: FlowRecord): Denial | undefined {
  if (f.verdict !== 'DROPPED' || f.isReply === true) return undefined
  const policy = [...(f.egressDeniedBy ?? []), ...(f.ingressDeniedBy ?? [])][0]
  return {
    layer: 'l4',
    evidence: 'hubble',
    time: f.time,
    source: partyOfEndpoint(f.source),
    destination: partyOfEndpoint(f.destination),
    ...(f.destinationPort !== undefined ? {port: f.destinationPort} : {}),
    ...(f.protocol ? {protocol: f.protocol} : {}),
    reason: f.dropReason ?? 'DROPPED',
    ...(policy ? {policy: `${policy.namespace ? `${policy.namespace}/` : ''}${policy.name}`} : {}),
  }
}

function fromIdentity(id: string | undefined): Party | undefined {
  const m = id ? /(?:spiffe:\/\/)?[^/]+\/ns\/([^/]+)\/sa\/([^/]+)/.exec(id) : null
  return m ? {kind: 'workload', namespace: m[1]!, name: m[2]!} : undefined
}

function portOf(addr: string | undefined): number | undefined {
  const m = addr ? /:(\d+)$/.exec(addr) : null
  return m ? Number(m[1]) : undefined
}

/** `orders.shop.svc.cluster.local` → shop/orders. */
function fromService(svc: string | undefined): Party | undefined {
  const m = svc ? /^([^.]+)\.([^.]+)\.svc(\.|$)/.exec(svc) : null
  return m ? {kind: 'workload', namespace: m[2]!, name: m[1]!} : undefined
}

/** A ztunnel or waypoint authorization denial, or undefined. */
export function denialFromMesh(r: MeshAccessRecord): Denial | undefined {
  if (r.outcome !== 'denied') return undefined
  const source = fromIdentity(r.srcIdentity) ?? (r.srcWorkload ? {kind: 'workload' as const, ...(r.srcNamespace ? {namespace: r.srcNamespace} : {}), name: r.srcWorkload} : {kind: 'external' as const, name: r.srcAddr?.replace(/:\d+$/, '') ?? 'unknown'})
  const destination = fromService(r.dstService) ?? (r.dstWorkload ? {kind: 'workload' as const, ...(r.dstNamespace ? {namespace: r.dstNamespace} : {}), name: r.dstWorkload} : fromIdentity(r.dstIdentity) ?? {kind: 'external' as const, name: r.dstAddr?.replace(/:\d+$/, '') ?? 'unknown'})
  const port = portOf(r.dstAddr)
  return {
    layer: 'l7',
    evidence: r.source,
    time: r.time,
    source,
    destination,
    ...(port !== undefined ? {port} : {}),
    reason: r.error ?? r.message ?? (r.responseCode ? `HTTP ${r.responseCode}` : 'denied'),
    ...(r.policy && r.policy !== 'none' ? {policy: r.policy} : {}),
  }
}

/** A Tetragon SIGKILL, as a runtime denial of the binary in its workload. */
export function denialFromEvent(e: ProcessEventRecord): Denial | undefined {
  if (e.type !== 'kprobe' || !/SIGKILL/i.test(e.action ?? '')) return undefined
  const labels = e.podLabels ?? {}
  const name = labels['app.kubernetes.io/name'] ?? labels.app ?? e.pod?.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '') ?? 'unknown'
  return {
    layer: 'runtime',
    evidence: 'tetragon',
    time: e.time,
    source: {kind: 'workload', ...(e.namespace ? {namespace: e.namespace} : {}), name},
    destination: {kind: 'binary', name: e.binary},
    reason: `SIGKILL in ${e.function ?? 'an exec hook'}`,
    ...(e.policy ? {policy: e.policy} : {}),
  }
}

export function partyText(p: Party): string {
  return p.namespace ? `${p.namespace}/${p.name}` : p.name
}
