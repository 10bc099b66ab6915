// Which AuthorizationPolicies an enforcement point applies (Istio's policy attachment rules):
// - ztunnel: policies without targetRefs; root-namespace ones mesh-wide, others in their own
//   namespace; no selector = every workload in scope, else matchLabels ⊆ pod labels.
// - waypoint: only targetRefs (Service / ServiceEntry in the policy's namespace, the waypoint's
//   Gateway in its namespace, GatewayClass istio-waypoint from the root namespace). Istio
//   never attaches selector or selector-less policies to a waypoint.

import {WAYPOINT_GATEWAY_CLASS} from '../../core/constants.js'
import type {KubeObject} from '../../core/kube.js'
import {arr} from './match.js'

export interface ZtunnelTarget {
  at: 'ztunnel'
  namespace: string
  podLabels: Record<string, string>
}

export interface WaypointTarget {
  at: 'waypoint'
  /** Namespace of the waypoint's Gateway. */
  namespace: string
  gateway: string
  gatewayClass?: string
  /** Services (and ServiceEntries) the request is addressed to. */
  services: Array<{namespace: string; name: string}>
  serviceEntries?: Array<{namespace: string; name: string}>
}

export type PolicyTarget = ZtunnelTarget | WaypointTarget

const GATEWAY_GROUP = 'gateway.networking.k8s.io'
const ISTIO_NETWORKING_GROUP = 'networking.istio.io'

export function isAuthorizationPolicy(o: KubeObject): boolean {
  return o.kind === 'AuthorizationPolicy' && String(o.apiVersion ?? '').startsWith('security.istio.io/')
}

export function targetRefsOf(spec: any): any[] {
  const refs = arr(spec?.targetRefs)
  return refs.length > 0 ? refs : spec?.targetRef ? [spec.targetRef] : []
}

export function selectorMatches(spec: any, labels: Record<string, string>): boolean {
  const match = spec?.selector?.matchLabels
  if (!match || typeof match !== 'object') return true
  return Object.entries(match).every(([k, v]) => labels[k] === v)
}

export function appliesTo(policy: KubeObject, target: PolicyTarget, rootNamespace: string): boolean {
  const ns = policy.metadata.namespace ?? 'default'
  const refs = targetRefsOf(policy.spec)
  if (target.at === 'ztunnel') {
    if (refs.length > 0) return false
    if (ns !== rootNamespace && ns !== target.namespace) return false
    return selectorMatches(policy.spec, target.podLabels)
  }
  return refs.some((ref) => refMatches(ref, ns, target, rootNamespace))
}

function refMatches(ref: any, policyNs: string, t: WaypointTarget, rootNamespace: string): boolean {
  const group = canonicalGroup(ref?.group)
  const kind = ref?.kind
  const name = ref?.name
  // As pilot/pkg/model/policyattachment.go ShouldAttachPolicy: the GatewayClass form attaches
  // to every waypoint proxy ("Is p.IsWaypoint good enough…": the waypoint's own class is not
  // compared); a ref's `namespace` is only compared for the Gateway form.
  if (kind === 'GatewayClass' && group === GATEWAY_GROUP) return policyNs === rootNamespace && name === WAYPOINT_GATEWAY_CLASS
  if (kind === 'Gateway' && group === GATEWAY_GROUP) {
    if (ref?.namespace && ref.namespace !== policyNs) return false // a cross-namespace ref never matches
    return policyNs === t.namespace && name === t.gateway
  }
  if (kind === 'Service' && group === 'core') return t.services.some((s) => s.namespace === policyNs && s.name === name)
  if (kind === 'ServiceEntry' && group === ISTIO_NETWORKING_GROUP) {
    return (t.serviceEntries ?? []).some((s) => s.namespace === policyNs && s.name === name)
  }
  return false
}

/** Istio's canonical group: the core group is "" or "core". */
function canonicalGroup(group: unknown): string {
  return group === undefined || group === null || group === '' ? 'core' : String(group)
}
