// The L4 line of the connectivity report (LATTICE-SPEC §9.2 step 6, §9.3, §5.4.1, §10.2):
// evaluates A's egress and B's ingress on the wire tuple, over whatever policies it is given
// (live, exported or compiled), and words the verdict.

import {HBONE_PORT} from '../../core/constants.js'
import type {Evidence, LayerResult} from '../../core/result.js'
import {layerResult} from '../../core/result.js'
import {describeRef, type KubeObject, type ObjectRef} from '../../core/kube.js'
import type {ConnectivityQuery, Workload} from '../../core/query.js'
import {ENFORCEMENT_ALWAYS, evaluateDirection, evaluateL4, type DirectionVerdict, type EnforcementMode, type L4Flow, type RuleMatch} from './evaluate.js'
import {withNamespaceLabels, type PodPeer} from './peer.js'

export interface L4Context {
  enforcementMode?: EnforcementMode
  sourceNamespaceLabels?: Record<string, string>
  targetNamespaceLabels?: Record<string, string>
  clusterName?: string
}

export const BROAD_HBONE_WARNING = 'L4 does not check caller identity on this cluster (broad HBONE rules)'

interface Hop {
  from: PodPeer
  to: PodPeer
  fromName: string
  toName: string
  /** What the caller is trying to reach, e.g. `payments:8080 (wire: HBONE 15008)`. */
  target: string
  /** Named container ports of the hop's destination pod (undefined = not known, §10.11). */
  namedPorts?: Workload['containerPorts']
}

interface HopResult extends Hop {
  egress: DirectionVerdict
  ingress: DirectionVerdict
}

export function l4Layer(query: ConnectivityQuery, policies: KubeObject[], ctx: L4Context = {}): LayerResult {
  const {source: a, target: b, port} = query
  const aName = shortName(a, b.namespace)
  const bName = shortName(b, a.namespace)
  if (!port) {
    return b.ports.length === 0
      ? layerResult('l4', 'DENY', `${bName} exposes no ports`, {reasons: [`${bName} declares no ports, so no L4 rule can admit a connection to it`]})
      : layerResult('l4', 'UNKNOWN', `no port of ${bName} selected`)
  }
  if (port.exposed === false) {
    const ports = b.ports.map((p) => `${p.name} ${p.servicePort}`).join(', ')
    return layerResult('l4', 'DENY', `${bName} exposes no port ${port.servicePort}${ports ? ` (ports: ${ports})` : ''}`, {
      reasons: [`the Service of ${bName} has no port ${port.servicePort}: Cilium's service load balancing has no backend for it, and ${bName}'s policies open only its declared ports`],
    })
  }
  const opts = {enforcementMode: ctx.enforcementMode, clusterName: ctx.clusterName}
  const hbone = a.ambient && b.ambient
  const app: L4Flow = {port: port.targetPort, protocol: (port.protocol || 'TCP').toUpperCase()}
  // Cilium's L7 rules see the request only on a plain connection (inside HBONE it is mTLS).
  if (query.method || query.path) app.request = {...(query.method ? {method: query.method} : {}), ...(query.path ? {path: query.path} : {})}
  const wire: L4Flow = hbone ? {port: HBONE_PORT, protocol: 'TCP'} : app
  const logical = `${bName}:${port.targetPort}${hbone ? ` (wire: HBONE ${HBONE_PORT})` : app.protocol !== 'TCP' ? `/${app.protocol}` : ''}`
  const src = podOf(a, ctx.sourceNamespaceLabels)
  const dst = podOf(b, ctx.targetNamespaceLabels)

  // A waypoint on the path splits the flow into two HBONE hops (§10.2); it is only on the
  // path of ambient traffic.
  const wp = hbone ? query.waypoint : undefined
  const hops: Hop[] = wp
    ? [
        {from: src, to: waypointPod(wp, ctx.targetNamespaceLabels), fromName: aName, toName: wp.name, target: `${wp.name}:${HBONE_PORT} (HBONE)`, namedPorts: wp.containerPorts},
        {from: waypointPod(wp, ctx.targetNamespaceLabels), to: dst, fromName: wp.name, toName: bName, target: logical, namedPorts: b.containerPorts},
      ]
    : [{from: src, to: dst, fromName: aName, toName: bName, target: logical, namedPorts: b.containerPorts}]
  const results: HopResult[] = hops.map((h) => ({...h, ...evaluateL4(policies, h.from, h.to, hopFlow(wire, h), opts)}))

  const evidence = results.flatMap(evidenceOf)
  const reasons = [...new Set(results.flatMap((r) => [...r.egress.notes, ...r.ingress.notes]))]
  const prefix = (r: HopResult) => (results.length > 1 ? `${r.fromName} → ${r.toName}: ` : '')

  const failures: string[] = []
  const undecided: string[] = []
  for (const r of results) {
    for (const v of [r.egress, r.ingress]) {
      if (v.allowed) continue
      if (v.undetermined.length > 0) {
        const who = v.direction === 'egress' ? `egress of ${r.fromName}` : `ingress of ${r.toName}`
        undecided.push(`${prefix(r)}cannot decide ${who} for ${r.target}: ${v.undetermined[0]}`)
        continue
      }
      const broken = hbone ? appPortOnly(policies, r, v, app, opts) : undefined
      failures.push(prefix(r) + (broken ?? failureText(r, v)))
    }
  }
  if (failures.length > 0) return layerResult('l4', 'DENY', failures[0], {reasons: [...failures.slice(1), ...undecided, ...reasons], evidence})
  // Never PASS on a guess: a rule the verdict depends on could not be evaluated (§10.11).
  if (undecided.length > 0) return layerResult('l4', 'UNKNOWN', undecided[0], {reasons: [...undecided.slice(1), ...reasons], evidence})

  const warnings: string[] = []
  const last = results[results.length - 1]
  if (hbone && (!last.ingress.inDefaultDeny || last.ingress.allows.some((m) => m.broad))) warnings.push(BROAD_HBONE_WARNING)
  if (ctx.enforcementMode === 'never') {
    return layerResult('l4', 'WARN', 'policy enforcement mode never: Cilium enforces no L4 policy', {reasons, evidence, warnings})
  }
  const open = results.some((r) => !r.egress.inDefaultDeny || !r.ingress.inDefaultDeny)
  const summary = passText(results, prefix)
  return layerResult('l4', open ? 'WARN' : 'PASS', summary, {reasons, evidence, warnings})
}

function failureText(r: HopResult, v: DirectionVerdict): string {
  if (v.deniedBy) {
    const d = v.deniedBy
    return `${d.section} rule #${d.ruleIndex}${specSuffix(d.specIndex)} of ${describeRef(d.ref)} drops ${r.fromName} → ${r.target}`
  }
  const causes = (v.defaultDenyExplicit.length > 0 ? v.defaultDenyExplicit : v.defaultDenyBy).map((d) => (d === ENFORCEMENT_ALWAYS ? d : describeRef(d) + inertNote(v, d)))
  if (v.authDrop) return v.authDrop
  // The port is open but only for other HTTP requests (l7.ts): say so, it is not a drop.
  const l7 = v.notes.find((n) => n.endsWith("Cilium's HTTP proxy answers 403"))
  if (l7) return l7
  const head = v.direction === 'egress' ? `no egress rule on ${r.fromName} for ${r.target}` : `no ingress rule on ${r.toName} from ${r.fromName} for ${r.target}`
  return `${head}; ${v.direction} default-deny from ${causes.join(', ')}`
}

/**
 * ` (ingress: [{}] allows nothing)` when the policy put the direction into default-deny by
 * the mere presence of a rule that can never match (an explicit enableDefaultDeny needs no
 * such explanation).
 */
function inertNote(v: DirectionVerdict, ref: ObjectRef): string {
  if (v.defaultDenyExplicit.some((d) => d !== ENFORCEMENT_ALWAYS && sameRef(d, ref))) return ''
  const hit = v.inert.find((i) => sameRef(i.ref, ref))
  return hit ? ` (${hit.reason})` : ''
}

function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return a.kind === b.kind && a.name === b.name && a.namespace === b.namespace
}

function hopFlow(flow: L4Flow, hop: Hop): L4Flow {
  return {...flow, destination: hop.toName, ...(hop.namedPorts ? {namedPorts: hop.namedPorts} : {})}
}

/**
 * An ambient pair is carried on 15008. If the application port would pass where 15008
 * does not, the policy was written for the logical port and silently breaks ambient.
 */
function appPortOnly(policies: KubeObject[], r: HopResult, v: DirectionVerdict, app: L4Flow, opts: {enforcementMode?: EnforcementMode; clusterName?: string}): string | undefined {
  if (v.deniedBy) return undefined
  const flow = hopFlow(app, r)
  const again = v.direction === 'egress' ? evaluateDirection(policies, 'egress', r.from, r.to, flow, opts) : evaluateDirection(policies, 'ingress', r.to, r.from, flow, opts)
  const m = again.allowed ? again.allowedBy : undefined
  if (!m) return undefined
  const who = v.direction === 'egress' ? `egress of ${r.fromName}` : `ingress of ${r.toName}`
  return `${m.section} rule #${m.ruleIndex}${specSuffix(m.specIndex)} of ${describeRef(m.ref)} opens only the application port ${app.port}/${app.protocol} for ${who}, not HBONE ${HBONE_PORT}: ambient traffic is carried on ${HBONE_PORT}, so this policy silently breaks ambient`
}

function passText(results: HopResult[], prefix: (r: HopResult) => string): string {
  let lastKind: string | undefined
  const named = (ref: ObjectRef) => {
    const text = ref.kind === lastKind ? ref.name : `${ref.kind} ${ref.name}`
    lastKind = ref.kind
    return text
  }
  return results
    .map((r) => {
      const parts: string[] = []
      const e = r.egress.allowedBy
      if (!r.egress.inDefaultDeny || !e) parts.push(`egress of ${r.fromName} is not in default-deny (${r.target} not filtered)`)
      else parts.push(`${named(e.ref)} allows egress to ${r.target}`)
      const i = r.ingress.allowedBy
      if (!r.ingress.inDefaultDeny || !i) parts.push(`ingress of ${r.toName} is not in default-deny (any source accepted)`)
      else parts.push(`${named(i.ref)} allows ingress from ${r.fromName}`)
      return prefix(r) + parts.join('; ')
    })
    .join('; ')
}

function evidenceOf(r: HopResult): Evidence[] {
  const out: Evidence[] = []
  for (const v of [r.egress, r.ingress]) {
    if (v.deniedBy) out.push(ruleEvidence(v.deniedBy.ref, `${v.deniedBy.section} rule #${v.deniedBy.ruleIndex}${specSuffix(v.deniedBy.specIndex)}`))
    else if (v.allowed && v.allowedBy && v.inDefaultDeny) out.push(ruleEvidence(v.allowedBy.ref, matchDetail(v.allowedBy)))
    else if (!v.allowed) {
      for (const d of v.defaultDenyBy) {
        if (d === ENFORCEMENT_ALWAYS) out.push({kind: 'ConfigMap', name: 'cilium-config', detail: `${v.direction} default-deny (enforcement mode always)`, source: 'policy'})
        else out.push(ruleEvidence(d, `${v.direction} default-deny`))
      }
    }
  }
  return out
}

function matchDetail(m: RuleMatch): string {
  return `${m.section} rule #${m.ruleIndex}${specSuffix(m.specIndex)}${m.broad ? ' (broad)' : ''}`
}

function ruleEvidence(ref: ObjectRef, detail: string): Evidence {
  const e: Evidence = {kind: ref.kind, name: ref.name, detail, source: 'policy'}
  if (ref.namespace) e.namespace = ref.namespace
  return e
}

function specSuffix(specIndex: number | undefined): string {
  return specIndex === undefined ? '' : ` (specs[${specIndex}])`
}

/** `name` in the other party's namespace, else `ns/name` (§4.7 convention). */
function shortName(w: {namespace: string; name: string}, otherNamespace: string): string {
  return w.namespace === otherNamespace ? w.name : `${w.namespace}/${w.name}`
}

function podOf(w: Workload, namespaceLabels?: Record<string, string>): PodPeer {
  const pod: PodPeer = {kind: 'pod', namespace: w.namespace, labels: w.podLabels, serviceAccount: w.serviceAccount}
  return withNamespaceLabels(pod, namespaceLabels ?? w.namespaceLabels)
}

function waypointPod(wp: NonNullable<ConnectivityQuery['waypoint']>, namespaceLabels?: Record<string, string>): PodPeer {
  const pod: PodPeer = {kind: 'pod', namespace: wp.namespace, labels: wp.podLabels, serviceAccount: wp.serviceAccount}
  return withNamespaceLabels(pod, namespaceLabels)
}
