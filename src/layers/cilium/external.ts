// The L4 line for an external destination (issue 9.2): A's egress to `world` with Cilium's
// FQDN semantics — toFQDNs matches only addresses the DNS proxy learned from a lookup that a
// DNS rule (`toPorts[].rules.dns`) of the same endpoint allowed, so the lookup itself
// (A → kube-dns on 53/UDP) and the DNS rule are checked too — toCIDR/toCIDRSet with
// `except`, toEntities `world`. When an egress ServiceEntry routes the host through a
// waypoint (LATTICE-SPEC §6.5), the connection is two hops: A → waypoint on HBONE 15008,
// then the waypoint → the destination.

import {HBONE_PORT} from '../../core/constants.js'
import {describeExternal, representativeIp, type ExternalQuery} from '../../core/external.js'
import {describeRef, type KubeObject} from '../../core/kube.js'
import type {Workload} from '../../core/query.js'
import {layerResult, type Evidence, type LayerResult} from '../../core/result.js'
import {ENFORCEMENT_ALWAYS, evaluateDirection, type DirectionVerdict, type EnforcementMode, type L4Flow} from './evaluate.js'
import {withNamespaceLabels, type PodPeer, type WorldPeer} from './peer.js'

export interface ExternalL4Context {
  enforcementMode?: EnforcementMode
  clusterName?: string
}

const UNKNOWN_PUBLIC_IP = '0.0.0.0'

/** kube-dns as Cilium sees it (the labels of a standard install). */
const KUBE_DNS: PodPeer = {kind: 'pod', namespace: 'kube-system', labels: {'k8s-app': 'kube-dns'}}

interface Step {
  what: string
  verdict: DirectionVerdict
}

export function l4ExternalLayer(q: ExternalQuery, policies: KubeObject[], ctx: ExternalL4Context = {}): LayerResult {
  const opts = {enforcementMode: ctx.enforcementMode, clusterName: ctx.clusterName}
  const a = podOf(q.source)
  const t = q.target
  const dest = describeExternal(t)
  // A name's addresses are not known offline: it stands for "some public IPv4 address",
  // which 0.0.0.0/0 and `world` match; narrower CIDR rules are not assumed to contain it.
  const ip = representativeIp(t) ?? UNKNOWN_PUBLIC_IP
  const world: WorldPeer = {kind: 'world', ...(t.host ? {fqdn: t.host} : {}), ip}
  const flow: L4Flow = {port: t.port, protocol: t.protocol}
  const steps: Step[] = []
  const wp = q.source.ambient ? q.waypoint : undefined
  if (wp) {
    const wpPod: PodPeer = {kind: 'pod', namespace: wp.namespace, labels: wp.podLabels, serviceAccount: wp.serviceAccount}
    const hbone: L4Flow = {port: HBONE_PORT, protocol: 'TCP'}
    steps.push({what: `${q.source.name} → ${wp.name}:${HBONE_PORT} (HBONE)`, verdict: evaluateDirection(policies, 'egress', a, wpPod, hbone, opts)})
    steps.push({what: `${wp.name} accepts ${q.source.name} on ${HBONE_PORT}`, verdict: evaluateDirection(policies, 'ingress', wpPod, a, hbone, opts)})
    steps.push({what: `${wp.name} → ${dest}`, verdict: evaluateDirection(policies, 'egress', wpPod, world, flow, opts)})
  } else {
    if (t.host) {
      // The name must resolve first: A's lookups go to kube-dns (53/UDP).
      steps.push({what: `${q.source.name} → kube-dns:53/UDP (DNS lookup of ${t.host})`, verdict: evaluateDirection(policies, 'egress', a, KUBE_DNS, {port: 53, protocol: 'UDP', dnsName: t.host}, opts)})
    }
    steps.push({what: `${q.source.name} → ${dest}`, verdict: evaluateDirection(policies, 'egress', a, world, flow, opts)})
  }
  const evidence = steps.flatMap((s) => evidenceOf(s.verdict))
  const notes = [...new Set(steps.flatMap((s) => s.verdict.notes))]
  const t0 = t.cidr
    ? [`${t.cidr} is checked at its first address ${representativeIp(t)}`]
    : t.host
      ? [`the addresses of ${t.host} are not known offline: toCIDR rules other than 0.0.0.0/0 are not assumed to contain them`]
      : []
  // A step that cannot be decided (an L7 rule without the request, ...) is UNKNOWN, not a drop.
  const failed = steps.filter((s) => !s.verdict.allowed && s.verdict.undetermined.length === 0)
  const undecided = steps.filter((s) => !s.verdict.allowed && s.verdict.undetermined.length > 0).map((s) => `cannot decide ${s.what}: ${s.verdict.undetermined[0]}`)
  if (failed.length > 0) {
    const texts = failed.map((s) => failure(s, t.host !== undefined))
    return layerResult('l4', 'DENY', texts[0]!, {reasons: [...texts.slice(1), ...undecided, ...notes, ...t0], evidence})
  }
  if (undecided.length > 0) return layerResult('l4', 'UNKNOWN', undecided[0]!, {reasons: [...undecided.slice(1), ...notes, ...t0], evidence})
  const open = steps.some((s) => !s.verdict.inDefaultDeny)
  if (ctx.enforcementMode === 'never') return layerResult('l4', 'WARN', 'policy enforcement mode never: Cilium enforces no L4 policy', {reasons: [...notes, ...t0], evidence})
  const parts = steps.map((s) => (s.verdict.inDefaultDeny && s.verdict.allowedBy ? `${describeRef(s.verdict.allowedBy.ref)} allows ${s.what}` : `${s.what}: not in default-deny`))
  return layerResult('l4', open ? 'WARN' : 'PASS', parts.join('; '), {reasons: [...notes, ...t0], evidence})
}

function failure(s: Step, byName: boolean): string {
  const v = s.verdict
  if (v.deniedBy) return `${v.deniedBy.section} rule #${v.deniedBy.ruleIndex} of ${describeRef(v.deniedBy.ref)} drops ${s.what}`
  const causes = (v.defaultDenyExplicit.length > 0 ? v.defaultDenyExplicit : v.defaultDenyBy).map((d) => (d === ENFORCEMENT_ALWAYS ? d : describeRef(d)))
  const fqdnNote = byName ? v.notes.find((n) => n.includes('toFQDNs')) : undefined
  return `no ${v.direction} rule for ${s.what}${fqdnNote ? ` (${fqdnNote.replace(/^.*?: /, '')})` : ''}; ${v.direction} default-deny from ${causes.join(', ')}`
}

function evidenceOf(v: DirectionVerdict): Evidence[] {
  const ref = v.deniedBy?.ref ?? (v.allowed && v.inDefaultDeny ? v.allowedBy?.ref : undefined)
  const detail = v.deniedBy ? `${v.deniedBy.section} rule #${v.deniedBy.ruleIndex}` : v.allowedBy ? `${v.allowedBy.section} rule #${v.allowedBy.ruleIndex}` : ''
  if (ref) return [{kind: ref.kind, name: ref.name, ...(ref.namespace ? {namespace: ref.namespace} : {}), detail, source: 'policy'}]
  if (v.allowed) return []
  return v.defaultDenyBy.map((d) =>
    d === ENFORCEMENT_ALWAYS
      ? {kind: 'ConfigMap', name: 'cilium-config', detail: `${v.direction} default-deny (enforcement mode always)`, source: 'policy'}
      : {kind: d.kind, name: d.name, ...(d.namespace ? {namespace: d.namespace} : {}), detail: `${v.direction} default-deny`, source: 'policy'},
  )
}

function podOf(w: Workload): PodPeer {
  return withNamespaceLabels({kind: 'pod', namespace: w.namespace, labels: w.podLabels, serviceAccount: w.serviceAccount}, w.namespaceLabels)
}
