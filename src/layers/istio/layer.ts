// The L7 (Istio ambient) line of the verdict (LATTICE-SPEC §9.2 step 7, §9.3, §6.6, §10.3).
// Enforcement point: B's waypoint when one is on the path (A's identity, Service port, method
// and path; then B's ztunnel must admit the waypoint identity on the target port), otherwise
// B's ztunnel (A's identity, target port). A non-ambient caller has no identity and no
// waypoint redirection: its plaintext reaches B's ztunnel, where PeerAuthentication decides
// first.

import {MESH_ROOT_NAMESPACE} from '../../core/constants.js'
import type {KubeObject, ObjectRef} from '../../core/kube.js'
import {spiffeId, type ConnectivityQuery, type PortRef, type Workload} from '../../core/query.js'
import {layerResult, type Evidence, type LayerResult} from '../../core/result.js'
import {targetRefsOf} from './attachment.js'
import {evaluateIstio, type EvalContext, type L7Decision, type ZtunnelTarget} from './evaluate.js'
import {arr} from './match.js'

export interface L7LayerContext {
  rootNamespace?: string
  trustDomainAliases?: string[]
}

const REQUEST_ATTRIBUTES = new Set(['methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts'])

export function l7Layer(query: ConnectivityQuery, objects: KubeObject[], ctx: L7LayerContext = {}): LayerResult {
  const A = query.source
  const B = query.target
  const a = display(A, B)
  const b = display(B, A)
  const ectx: EvalContext = {
    trustDomain: query.trustDomain,
    trustDomainAliases: ctx.trustDomainAliases ?? [],
    rootNamespace: ctx.rootNamespace ?? MESH_ROOT_NAMESPACE,
  }
  if (!query.port) {
    if (B.ports.length === 0) return layerResult('l7', 'DENY', `${b} exposes no ports; no AuthorizationPolicy can allow it`)
    return layerResult('l7', 'UNKNOWN', `no port of ${b} selected`)
  }
  const port = query.port
  if (!B.ambient) {
    return layerResult('l7', 'PASS', `${b} is not in the ambient mesh; Istio enforces no L7 policy on it`, {
      warnings: [`L7 does not check callers of ${b} (not in the ambient mesh)`],
    })
  }
  const zt: ZtunnelTarget = {at: 'ztunnel', namespace: B.namespace, podLabels: B.podLabels}

  if (!A.ambient) {
    const d = evaluateIstio(objects, zt, {at: 'ztunnel', port: port.targetPort}, ectx)
    const reasons = [`caller ${a} is not in the ambient mesh: it has no SPIFFE identity and sends plaintext to ${b}'s ztunnel`]
    if (query.waypoint) reasons.push(`a non-ambient caller bypasses waypoint ${query.waypoint.name}`)
    if (d.decidedBy.kind === 'mtls') {
      const evidence = d.decidedBy.ref ? [policyEvidence(d.decidedBy.ref, d.mtls?.portLevel ? `port ${port.targetPort}` : 'mtls')] : []
      return layerResult('l7', 'DENY', `caller ${a} is not in the ambient mesh; ${b} requires mTLS on port ${port.targetPort}`, {
        reasons: [...reasons, `effective mTLS mode on port ${port.targetPort} is STRICT${d.decidedBy.ref ? ` (PeerAuthentication ${d.decidedBy.ref.namespace}/${d.decidedBy.ref.name})` : ''}`],
        evidence,
      })
    }
    return fromDecision(d, {subject: `plaintext from ${a}`, port: port.targetPort, b, reasons, objects})
  }

  const caller = spiffeId(query.trustDomain, A.namespace, A.serviceAccount)
  const wp = query.waypoint
  if (!wp) {
    const d = evaluateIstio(objects, zt, {at: 'ztunnel', sourceIdentity: caller, port: port.targetPort}, ectx)
    const result = fromDecision(d, {subject: caller, port: port.targetPort, b, reasons: [], objects})
    if (!d.allowed) result.warnings.push(...bypassedWaypointPolicies(objects, B, b))
    return result
  }

  if (wp.ready === false) {
    return layerResult('l7', 'DENY', `waypoint ${wp.name} has no ready pod; traffic fails closed`, {
      evidence: [{kind: 'Gateway', namespace: wp.namespace, name: wp.name, detail: 'no ready pod'}],
    })
  }
  const atWaypoint = evaluateIstio(
    objects,
    {at: 'waypoint', namespace: wp.namespace, gateway: wp.name, services: servicesOf(objects, B)},
    {
      at: 'waypoint',
      sourceIdentity: caller,
      port: port.servicePort,
      method: query.method,
      path: query.path,
      ...(waypointTcpPort(objects, B, port) ? {protocol: 'tcp' as const} : {}),
    },
    ectx,
  )
  const wpReasons = [`enforced at waypoint ${wp.name} (Service port ${port.servicePort}), then at ${b}'s ztunnel (target port ${port.targetPort})`]
  const first = fromDecision(atWaypoint, {subject: caller, port: port.servicePort, b, reasons: wpReasons, objects})
  if (atWaypoint.verdict === 'deny') return first

  // ztunnel sees the waypoint's identity, not the caller's (waypoints do not impersonate).
  const waypointId = spiffeId(query.trustDomain, wp.namespace, wp.serviceAccount)
  const hop = evaluateIstio(objects, zt, {at: 'ztunnel', sourceIdentity: waypointId, port: port.targetPort}, ectx)
  const second = fromDecision(hop, {subject: waypointId, port: port.targetPort, b, reasons: [], objects})
  if (!hop.allowed) {
    second.reasons.unshift(...wpReasons)
    if (hop.decidedBy.kind === 'default-deny') {
      second.warnings.push(
        `waypoint ${wp.name} is on the path to ${b}, but no ztunnel ALLOW on ${b} names the waypoint principal ${waypointId.slice('spiffe://'.length)} on port ${port.targetPort}`,
      )
    }
    return second
  }
  const statuses = [first.status, second.status]
  const status = statuses.includes('UNKNOWN') ? 'UNKNOWN' : statuses.includes('WARN') ? 'WARN' : 'PASS'
  const hopPolicy = hop.decidedBy.kind === 'policy' ? hop.decidedBy.ref.name : 'no AuthorizationPolicy'
  const passLine = `${first.summary} at waypoint ${wp.name}; ${hopPolicy} allows the waypoint on port ${port.targetPort}`
  const summary = status === 'PASS' ? passLine : first.status !== 'PASS' ? first.summary : second.summary
  return layerResult('l7', status, summary, {
    reasons: [...(status !== 'PASS' && first.status === 'PASS' ? [passLine] : []), ...first.reasons, ...second.reasons],
    evidence: [...first.evidence, ...second.evidence],
    warnings: [...first.warnings, ...second.warnings],
  })
}

interface Framing {
  /** Who is being authorized: a SPIFFE id, or "plaintext from <A>". */
  subject: string
  port: number
  b: string
  reasons: string[]
  objects: KubeObject[]
}

function fromDecision(d: L7Decision, f: Framing): LayerResult {
  const reasons = [...f.reasons, ...d.notes]
  const evidence: Evidence[] = []
  const warnings: string[] = []
  const by = d.decidedBy
  if (by.kind === 'policy' || by.kind === 'default-deny') {
    evidence.push(policyEvidence(by.ref, by.kind === 'policy' && by.ruleIndex !== undefined ? `rule ${by.ruleIndex}` : 'default deny'))
  }
  const plaintextWarn = d.mtls?.acceptsPlaintext ? `port ${f.port} accepts plaintext from any source` : undefined
  const pass = (summary: string): LayerResult => {
    if (plaintextWarn) {
      reasons.unshift(summary)
      return layerResult('l7', 'WARN', plaintextWarn, {reasons, evidence, warnings: [plaintextWarn, ...warnings]})
    }
    return layerResult('l7', 'PASS', summary, {reasons, evidence, warnings})
  }

  for (const x of d.authz?.ineffectiveDenies ?? []) {
    warnings.push(
      `AuthorizationPolicy ${qualified(x.ref)} (DENY) has no effect at ztunnel: istiod omits its HTTP attributes (${x.attributes.join(', ')}) and no rule is left to match; enforce it at a waypoint (targetRefs)`,
    )
  }
  if (d.verdict === 'allow') {
    if (by.kind === 'policy') return pass(`AuthorizationPolicy ${by.ref.name} allows ${f.subject} on port ${f.port}`)
    const summary = `no AuthorizationPolicy applies to ${f.b} on port ${f.port}; Istio allows by default`
    warnings.push(`${f.b} is not in L7 default-deny (no AuthorizationPolicy applies)`)
    if (plaintextWarn) return pass(summary)
    return layerResult('l7', 'WARN', summary, {reasons, evidence, warnings})
  }
  if (d.verdict === 'deny') {
    if (by.kind === 'policy') {
      const stripped = by.ignoredHttp?.length ? ` (enforced at ztunnel without its HTTP attributes: ${by.ignoredHttp.join(', ')})` : ''
      return layerResult('l7', 'DENY', `denied by AuthorizationPolicy ${qualified(by.ref)} rule ${by.ruleIndex ?? 0}${stripped}`, {reasons, evidence})
    }
    if (by.kind === 'default-deny' && by.droppedHttp) {
      const dr = by.droppedHttp
      const rules = `rule${dr.ruleIndexes.length > 1 ? 's' : ''} ${dr.ruleIndexes.join(', ')}`
      const summary = `AuthorizationPolicy ${qualified(by.ref)} (ALLOW) would allow ${f.subject}, but ztunnel dropped its ${rules} (HTTP attributes: ${dr.attributes.join(', ')}); no ALLOW matches on ${f.b} port ${f.port} (default deny)`
      evidence.splice(0, evidence.length, policyEvidence(by.ref, `${rules} dropped at ztunnel (HTTP attributes: ${dr.attributes.join(', ')})`))
      const fix = `ztunnel cannot evaluate HTTP attributes: enforce this policy at a waypoint (targetRefs Service ${f.b}, and label the Service istio.io/use-waypoint)`
      return layerResult('l7', 'DENY', summary, {reasons: [...reasons, fix], evidence})
    }
    if (by.kind === 'default-deny') {
      const defaultDeny = `no AuthorizationPolicy allows ${f.subject} on ${f.b} port ${f.port}; default deny from AuthorizationPolicy ${qualified(by.ref)}`
      const mm = d.authz?.trustDomainMismatch
      if (mm) {
        evidence.unshift(policyEvidence(mm.ref, `rule ${mm.ruleIndex}: ${mm.principal}`))
        return layerResult(
          'l7',
          'DENY',
          `trust domain mismatch: AuthorizationPolicy ${qualified(mm.ref)} allows ${mm.principal} (trust domain ${mm.policyTrustDomain}) but the caller is ${f.subject} (trust domain ${mm.callerTrustDomain})`,
          {reasons: [defaultDeny, ...reasons], evidence},
        )
      }
      return layerResult('l7', 'DENY', defaultDeny, {reasons, evidence})
    }
    return layerResult('l7', 'DENY', `plaintext rejected on port ${f.port} (mTLS required)`, {reasons, evidence})
  }

  // Unknown: an external authorizer, or an input the CLI lacks.
  if (by.kind === 'policy' && by.action === 'CUSTOM') {
    const policy = f.objects.find((o) => o.kind === by.ref.kind && o.metadata.name === by.ref.name && o.metadata.namespace === by.ref.namespace)
    const provider = policy?.spec?.provider?.name ? ` ${policy.spec.provider.name}` : ''
    return layerResult(
      'l7',
      'UNKNOWN',
      `AuthorizationPolicy ${qualified(by.ref)} rule ${by.ruleIndex ?? 0} (CUSTOM) sends the request to external authorizer${provider}; its answer is unknown to the CLI, so L7 cannot pass`,
      {reasons, evidence},
    )
  }
  const attrs = d.authz?.unknownAttributes ?? []
  if (by.kind === 'policy' && attrs.length > 0 && attrs.every((x) => REQUEST_ATTRIBUTES.has(x))) {
    const what = describeOperation(f.objects, by.ref, by.ruleIndex ?? 0)
    const verb = by.action === 'ALLOW' ? `allows ${f.subject} on port ${f.port} only for some requests` : `denies some requests to port ${f.port}`
    const summary = `AuthorizationPolicy ${by.ref.name} ${verb} (${what}); pass --method and --path to check one`
    return layerResult('l7', 'WARN', summary, {reasons, evidence, warnings: [summary]})
  }
  const ref = by.kind === 'policy' ? ` ${qualified(by.ref)} rule ${by.ruleIndex ?? 0}` : ''
  return layerResult('l7', 'UNKNOWN', `cannot evaluate AuthorizationPolicy${ref}: depends on ${attrs.join(', ') || 'unknown attributes'}`, {reasons, evidence})
}

/** Policies that target B's Service (waypoint form) while no waypoint is on the path. */
function bypassedWaypointPolicies(objects: KubeObject[], B: Workload, b: string): string[] {
  const services = new Set(selectingServices(objects, B).map((s) => s.name))
  return objects
    .filter((o) => o.kind === 'AuthorizationPolicy' && o.metadata.namespace === B.namespace)
    .filter((o) => targetRefsOf(o.spec).some((r) => r?.kind === 'Service' && services.has(r?.name)))
    .map(
      (o) =>
        `AuthorizationPolicy ${qualified({kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name})} targets Service ${b} but no waypoint is on the path (istio.io/use-waypoint missing?); ztunnel ignores it`,
    )
}

/**
 * The Service the request is addressed to, for Service-bound (targetRefs) policies: a waypoint
 * applies only the policies of the Service the request names (pilot's NewBuilderForService), so
 * when several Services select B's pods, B's own Service is the one asked about (the union would
 * let another Service's ALLOW admit the caller). Else every Service selecting B, else B's name.
 */
function servicesOf(objects: KubeObject[], B: Workload): Array<{namespace: string; name: string}> {
  const all = selectingServices(objects, B)
  const own = all.filter((s) => s.name === B.name)
  return own.length > 0 ? own : all
}

/** Protocols Istio handles on a TCP filter chain (protocol.Instance IsTCP), by port name or appProtocol. */
const TCP_PROTOCOLS = new Set(['tcp', 'https', 'tls', 'mongo', 'redis', 'mysql', 'kubernetes.io/wss'])
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017])

/**
 * Whether the waypoint serves this Service port on a TCP chain, so its RBAC is built for TCP
 * (listener_waypoint.go: HTTP ports get the HTTP chain, undeclared ones are sniffed, the rest
 * TCP). The protocol is the Service port's appProtocol, else its name's prefix before `-`
 * (pkg/config/kube/conversion.go ConvertProtocol); an undeclared well-known port is TCP.
 */
function waypointTcpPort(objects: KubeObject[], B: Workload, port: PortRef): boolean {
  const names = new Set(servicesOf(objects, B).map((s) => s.name))
  const svcPort = objects
    .filter((o) => o.kind === 'Service' && o.apiVersion === 'v1' && o.metadata.namespace === B.namespace && names.has(o.metadata.name))
    .flatMap((o) => arr(o.spec?.ports))
    .find((p) => Number(p?.port) === port.servicePort)
  const declared = String(svcPort ? (svcPort.appProtocol ?? svcPort.name ?? '') : port.name).toLowerCase()
  if (declared.startsWith('grpc-web')) return false
  const prefix = declared.startsWith('kubernetes.io/') ? declared : declared.split('-', 1)[0]
  if (TCP_PROTOCOLS.has(prefix)) return true
  const known = ['http', 'http2', 'http_proxy', 'grpc', 'udp', 'kubernetes.io/h2c', 'kubernetes.io/ws'].includes(prefix)
  return !known && WELL_KNOWN_TCP_PORTS.has(port.servicePort)
}

/** Services selecting B's pods (from Service objects when given), else B's own name. */
function selectingServices(objects: KubeObject[], B: Workload): Array<{namespace: string; name: string}> {
  const found = objects
    .filter((o) => o.kind === 'Service' && o.apiVersion === 'v1' && o.metadata.namespace === B.namespace)
    .filter((o) => {
      const sel = o.spec?.selector as Record<string, string> | undefined
      return sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => B.podLabels[k] === v)
    })
    .map((o) => ({namespace: B.namespace, name: o.metadata.name}))
  return found.length > 0 ? found : [{namespace: B.namespace, name: B.name}]
}

function describeOperation(objects: KubeObject[], ref: ObjectRef, ruleIndex: number): string {
  const policy = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace)
  const ops = arr(arr(policy?.spec?.rules)[ruleIndex]?.to).map((t) => t?.operation ?? {})
  const parts: string[] = []
  for (const field of REQUEST_ATTRIBUTES) {
    const values = ops.flatMap((op) => arr(op[field]).map(String))
    if (values.length > 0) parts.push(`${field} ${values.join(', ')}`)
  }
  return parts.join('; ') || 'HTTP attributes'
}

function policyEvidence(ref: ObjectRef, detail: string): Evidence {
  return {kind: ref.kind, namespace: ref.namespace, name: ref.name, detail, source: 'policy'}
}

function qualified(ref: ObjectRef): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name
}

/** `name` when in the same namespace as the other party, else `ns/name` (§4.7). */
function display(w: Workload, other: Workload): string {
  return w.namespace === other.namespace ? w.name : `${w.namespace}/${w.name}`
}
