// The L7 line for an external destination (LATTICE-SPEC §6.5, issue 9.2). In ambient mode
// a connection to a host the mesh does not know is passed through by ztunnel with no L7
// authorization at all. A ServiceEntry makes the host known; with `istio.io/use-waypoint`
// (on the ServiceEntry or its namespace) its traffic goes through that waypoint, where the
// AuthorizationPolicies bound to the ServiceEntry (targetRefs kind ServiceEntry), to the
// waypoint's Gateway, or mesh-wide to the GatewayClass decide — the platform's
// `allow-fqdn-…` egress grant is one of them. A waypoint with no ready pod fails closed.

import {MESH_ROOT_NAMESPACE, USE_WAYPOINT_LABEL} from '../../core/constants.js'
import {describeExternal, type ExternalQuery} from '../../core/external.js'
import {describeRef, type KubeObject} from '../../core/kube.js'
import {spiffeId} from '../../core/query.js'
import {layerResult, type Evidence, type LayerResult} from '../../core/result.js'
import {evaluateAuthorization} from './evaluate.js'
import {arr} from './match.js'
import {istioStringMatch, ipMatch} from './strings.js'

export interface ExternalL7Context {
  /** Labels of the ServiceEntry namespaces (a namespace-level use-waypoint label). */
  namespaceLabels?: Record<string, Record<string, string>>
  rootNamespace?: string
}

/** ServiceEntries visible from the caller's namespace that carry the destination and port. */
export function serviceEntriesFor(q: ExternalQuery, objects: KubeObject[]): KubeObject[] {
  const t = q.target
  return objects.filter((o) => {
    if (o.kind !== 'ServiceEntry') return false
    const ns = o.metadata.namespace ?? 'default'
    const exportTo = arr(o.spec?.exportTo).map(String)
    const visible = ns === q.source.namespace || exportTo.length === 0 || exportTo.includes('*')
    if (!visible || (exportTo.includes('.') && ns !== q.source.namespace)) return false
    const hosts = arr(o.spec?.hosts).map(String)
    const addresses = [...arr(o.spec?.addresses), ...arr(o.spec?.endpoints).map((e: any) => e?.address)].filter((x) => typeof x === 'string') as string[]
    const byHost = t.host !== undefined && hosts.some((h) => istioStringMatch(h.toLowerCase(), t.host!))
    const byIp = (t.ip ?? t.cidr?.split('/')[0]) !== undefined && addresses.some((a) => ipMatch(a, (t.ip ?? t.cidr!.split('/')[0])!))
    if (!byHost && !byIp) return false
    const ports = arr(o.spec?.ports)
    return ports.length === 0 || ports.some((p: any) => Number(p?.number) === t.port)
  })
}

export function l7ExternalLayer(q: ExternalQuery, objects: KubeObject[], ctx: ExternalL7Context = {}): LayerResult {
  const dest = describeExternal(q.target)
  const a = q.source.name
  if (!q.source.ambient) {
    return layerResult('l7', 'PASS', `${a} is not in the ambient mesh: Istio does not authorize its egress to ${dest}`)
  }
  const entries = serviceEntriesFor(q, objects)
  if (entries.length === 0) {
    return layerResult('l7', 'WARN', `no ServiceEntry for ${dest} visible in ${q.source.namespace}: ztunnel passes the connection through with no L7 authorization`, {
      reasons: [`the platform creates a ServiceEntry and an egress grant for each declared external host (LATTICE-SPEC §6.5); without one the egress is not on the waypoint`],
      warnings: [`L7: egress from ${q.source.namespace}/${a} to ${dest} bypasses the waypoint (no ServiceEntry)`],
    })
  }
  const se = entries[0]!
  const seNs = se.metadata.namespace ?? 'default'
  const seRef = `ServiceEntry ${seNs}/${se.metadata.name}`
  const waypointName = se.metadata.labels?.[USE_WAYPOINT_LABEL] ?? ctx.namespaceLabels?.[seNs]?.[USE_WAYPOINT_LABEL]
  const evidence: Evidence[] = [{kind: 'ServiceEntry', namespace: seNs, name: se.metadata.name, detail: `hosts ${arr(se.spec?.hosts).join(', ')}`, source: 'policy'}]
  if (!waypointName || waypointName === 'none') {
    return layerResult('l7', 'PASS', `${seRef} carries ${dest} with no waypoint: ztunnel connects directly, no L7 authorization applies`, {evidence})
  }
  const wp = q.waypoint
  if (!wp || wp.name !== waypointName) {
    return layerResult('l7', 'DENY', `${seRef} routes ${dest} through waypoint ${waypointName}, which does not exist: traffic fails closed (ServiceEntry pending: waypoint not programmed)`, {evidence})
  }
  if (wp.ready === false) {
    return layerResult('l7', 'DENY', `waypoint ${wp.namespace}/${wp.name} has no ready pod; egress to ${dest} fails closed`, {evidence})
  }
  const decision = evaluateAuthorization(
    objects,
    {at: 'waypoint', namespace: wp.namespace, gateway: wp.name, services: [], serviceEntries: [{namespace: seNs, name: se.metadata.name}]},
    {at: 'waypoint', sourceIdentity: spiffeId(q.trustDomain, q.source.namespace, q.source.serviceAccount), port: q.target.port, ...(q.target.host ? {host: q.target.host} : {})},
    {trustDomain: q.trustDomain, rootNamespace: ctx.rootNamespace ?? MESH_ROOT_NAMESPACE},
  )
  const who = spiffeId(q.trustDomain, q.source.namespace, q.source.serviceAccount)
  const by = decision.decidedBy
  const policyRef = by.kind === 'policy' || by.kind === 'default-deny' ? by.ref : undefined
  if (policyRef) evidence.push({kind: policyRef.kind, name: policyRef.name, ...(policyRef.namespace ? {namespace: policyRef.namespace} : {}), detail: by.kind === 'policy' && by.ruleIndex !== undefined ? `rule ${by.ruleIndex}` : 'default deny', source: 'policy'})
  const reasons = decision.notes
  if (decision.verdict === 'unknown') {
    return layerResult('l7', 'UNKNOWN', `waypoint ${wp.name}: the decision for ${who} to ${dest} depends on ${decision.unknownAttributes.join(', ') || 'an external authorizer'}`, {reasons, evidence})
  }
  if (decision.allowed) {
    const text = policyRef ? `${describeRef(policyRef)} allows ${who} to ${dest} at waypoint ${wp.name}` : `no AuthorizationPolicy applies at waypoint ${wp.name}: ${dest} allowed`
    return layerResult('l7', 'PASS', text, {reasons, evidence})
  }
  const text =
    by.kind === 'policy'
      ? `${describeRef(by.ref)} denies ${who} to ${dest} at waypoint ${wp.name}`
      : `no AuthorizationPolicy allows ${who} to ${dest} at waypoint ${wp.name}${policyRef ? `; default deny from ${describeRef(policyRef)}` : ''}`
  return layerResult('l7', 'DENY', text, {reasons, evidence})
}

