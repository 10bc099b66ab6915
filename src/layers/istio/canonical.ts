// Semantic keys for drift (LATTICE-SPEC §9.2 step 9): two objects with the same key enforce
// the same thing. Name, labels, ownerReferences and status are ignored; lists that Istio
// treats as sets (principals, ports, rules, sources, targetRefs, hosts) are sorted. Kept:
// the namespace (it scopes a policy), the ServiceEntry's istio.io/use-waypoint label (it
// steers traffic), and a Gateway's name and waypoint-for label (workloads reference them).

import {USE_WAYPOINT_LABEL, WAYPOINT_FOR_LABEL} from '../../core/constants.js'
import type {KubeObject} from '../../core/kube.js'
import {arr} from './match.js'

export const ISTIO_KINDS = ['AuthorizationPolicy', 'PeerAuthentication', 'ServiceEntry', 'Gateway'] as const
export type IstioKind = (typeof ISTIO_KINDS)[number]

/** API group of each kind (a networking.istio.io Gateway is a different object). */
export const ISTIO_KIND_GROUPS: Record<IstioKind, string> = {
  AuthorizationPolicy: 'security.istio.io',
  PeerAuthentication: 'security.istio.io',
  ServiceEntry: 'networking.istio.io',
  Gateway: 'gateway.networking.k8s.io',
}

export function canonicalIstio(obj: KubeObject): string | undefined {
  const group = String(obj.apiVersion ?? '').split('/')[0]
  if (!(ISTIO_KINDS as readonly string[]).includes(obj.kind) || ISTIO_KIND_GROUPS[obj.kind as IstioKind] !== group) return undefined
  const spec = obj.spec ?? {}
  const head = {kind: obj.kind, namespace: obj.metadata.namespace ?? 'default'}
  switch (obj.kind) {
    case 'AuthorizationPolicy':
      return stable({...head, spec: authorizationPolicyKey(spec)})
    case 'PeerAuthentication':
      return stable({...head, spec: peerAuthenticationKey(spec)})
    case 'ServiceEntry':
      return stable({...head, useWaypoint: obj.metadata.labels?.[USE_WAYPOINT_LABEL] ?? null, spec: serviceEntryKey(spec)})
    default:
      return stable({
        ...head,
        name: obj.metadata.name,
        waypointFor: obj.metadata.labels?.[WAYPOINT_FOR_LABEL] ?? null,
        spec: {gatewayClassName: spec.gatewayClassName ?? null, listeners: sortedBy(arr(spec.listeners).map(normalize))},
      })
  }
}

function authorizationPolicyKey(spec: any): unknown {
  const refs = arr(spec.targetRefs).length > 0 ? arr(spec.targetRefs) : spec.targetRef ? [spec.targetRef] : []
  return {
    action: spec.action ?? 'ALLOW',
    provider: spec.provider?.name ?? null,
    selector: nonEmpty(spec.selector?.matchLabels) ? sortKeys(spec.selector.matchLabels) : null,
    targetRefs: sortedBy(refs.map((r: any) => ({group: r.group || '', kind: r.kind, name: r.name, namespace: r.namespace || ''}))),
    rules: sortedBy(
      arr(spec.rules).map((r: any) => ({
        from: sortedBy(arr(r?.from).map((f: any) => setFields(f?.source ?? {}))),
        to: sortedBy(arr(r?.to).map((t: any) => setFields(t?.operation ?? {}))),
        when: sortedBy(arr(r?.when).map((w: any) => setFields(w ?? {}))),
      })),
    ),
  }
}

function peerAuthenticationKey(spec: any): unknown {
  const ports = spec.portLevelMtls ?? {}
  return {
    selector: nonEmpty(spec.selector?.matchLabels) ? sortKeys(spec.selector.matchLabels) : null,
    mode: spec.mtls?.mode ?? 'UNSET',
    portLevelMtls: Object.fromEntries(
      Object.keys(ports)
        .sort()
        .map((p) => [p, ports[p]?.mode ?? 'UNSET']),
    ),
  }
}

function serviceEntryKey(spec: any): unknown {
  return {
    hosts: [...arr(spec.hosts)].map(String).sort(),
    addresses: [...arr(spec.addresses)].map(String).sort(),
    ports: sortedBy(arr(spec.ports).map(normalize)),
    location: spec.location ?? 'MESH_EXTERNAL',
    resolution: spec.resolution ?? 'NONE',
    endpoints: sortedBy(arr(spec.endpoints).map(normalize)),
    workloadSelector: normalize(spec.workloadSelector ?? null),
    exportTo: [...arr(spec.exportTo)].map(String).sort(),
  }
}

/** Every array field of a source/operation/condition as a sorted, de-duplicated set. */
function setFields(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(o).sort()) {
    const v = o[k]
    if (Array.isArray(v)) {
      if (v.length > 0) out[k] = [...new Set(v.map(String))].sort()
    } else if (v !== undefined && v !== null) out[k] = v
  }
  return out
}

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize)
  if (v && typeof v === 'object') return sortKeys(v as Record<string, unknown>)
  return v
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, normalize(o[k])]),
  )
}

function sortedBy(list: unknown[]): unknown[] {
  const seen = new Map<string, unknown>()
  for (const item of list) seen.set(stable(item), item)
  return [...seen.keys()].sort().map((k) => seen.get(k))
}

function nonEmpty(o: unknown): o is Record<string, unknown> {
  return Boolean(o && typeof o === 'object' && Object.keys(o as object).length > 0)
}

function stable(v: unknown): string {
  return JSON.stringify(normalize(v))
}
