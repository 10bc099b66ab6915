// What one node declares about its peers (LATTICE-SPEC §4.1), in declaration order.
// The derived LatticeMeshMember shows sorted lists; the graph needs the order as written
// (§10.7), so both are computed from this one reading of the resources.

import {VMAGENT, type Profile} from '../core/constants.js'
import {names} from '../core/names.js'
import type {CallerRef, DependencyRef, L7Params, LatticeMeshMember, LatticeService, ResourceSpec} from '../spec/model.js'
import {targetOf} from '../spec/security.js'

/** One entry of a callee's inbound list: a named caller, or the `*` wildcard at its position. */
export type CallerSlot = {kind: 'caller'; ref: Required<Pick<CallerRef, 'name' | 'namespace'>> & {l7?: L7Params}} | {kind: 'wildcard'}

export interface NodeDeclarations {
  /** Outbound/both `service` targets, declaration order, first occurrence kept, no `*`. */
  dependencies: DependencyRef[]
  /** Inbound/both `service` targets and `*` markers, declaration order, first occurrence kept. */
  callers: CallerSlot[]
  /** Any inbound target is `*` (as declared; Cedar may still deny it). */
  allowsAll: boolean
  dependsAll: boolean
  /** §4.6 implicit callers, sorted by namespace/name (LatticeServices only). */
  implicitCallers: DependencyRef[]
}

export const WILDCARD = '*'

export function isServiceResource(r: ResourceSpec): boolean {
  return r.type === 'service'
}

export function isOutbound(r: ResourceSpec): boolean {
  return r.direction === 'outbound' || r.direction === 'both'
}

export function isInbound(r: ResourceSpec): boolean {
  return r.direction === 'inbound' || r.direction === 'both'
}

/** §6.3.2 extension: `params.methods/paths/ports` of an inbound service resource (seed profile only). */
export function l7ParamsOf(r: ResourceSpec, profile: Profile): L7Params | undefined {
  if (profile !== 'seed' || !r.params) return undefined
  const out: L7Params = {}
  for (const field of ['methods', 'paths', 'ports'] as const) {
    const v = r.params[field]
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) out[field] = [...(v as string[])]
  }
  return Object.keys(out).length > 0 ? out : undefined
}

export function serviceDeclarations(svc: LatticeService, profile: Profile = 'seed'): NodeDeclarations {
  const ns = svc.metadata.namespace
  const deps = new RefList()
  const callers = new RefList()
  const slots: CallerSlot[] = []
  let allowsAll = false
  for (const [key, r] of Object.entries(svc.spec.workload.resources)) {
    if (!isServiceResource(r)) continue
    const target = targetOf(ns, key, r)
    if (isOutbound(r) && target.name !== WILDCARD) deps.add(target)
    if (!isInbound(r)) continue
    if (target.name === WILDCARD) {
      // Only the first `*` has a position; later ones add nothing.
      if (!allowsAll) slots.push({kind: 'wildcard'})
      allowsAll = true
    } else if (callers.add(target)) {
      const l7 = l7ParamsOf(r, profile)
      slots.push({kind: 'caller', ref: l7 ? {...target, l7} : {...target}})
    }
  }
  return {dependencies: deps.items, callers: slots, allowsAll, dependsAll: false, implicitCallers: implicitCallersOf(svc)}
}

/** §4.6: ingress gateway when routes exist; vmagent when a metrics port exists. Sorted. */
export function implicitCallersOf(svc: LatticeService): DependencyRef[] {
  const ns = svc.metadata.namespace
  const out: DependencyRef[] = []
  if (Object.keys(svc.spec.ingress?.routes ?? {}).length > 0) out.push({namespace: ns, name: names.ingressGatewaySa(ns)})
  const ports = svc.spec.workload.service?.ports ?? {}
  const metricsPort = svc.spec.observability?.metrics?.port
  if ('metrics' in ports || (metricsPort !== undefined && metricsPort in ports)) out.push({namespace: VMAGENT.namespace, name: VMAGENT.name})
  return out.sort(compareRefs)
}

/** An operator-written member declares its lists directly (§4.1); no implicit callers. */
export function memberDeclarations(lmm: LatticeMeshMember): NodeDeclarations {
  const ns = lmm.metadata.namespace
  const deps = new RefList()
  for (const d of lmm.spec.dependencies ?? []) {
    if (d.name !== WILDCARD) deps.add({namespace: d.namespace ?? ns, name: d.name})
  }
  const callers = new RefList()
  const slots: CallerSlot[] = []
  let allowsAll = false
  for (const c of lmm.spec.allowedCallers ?? []) {
    if (c.name === WILDCARD) {
      if (!allowsAll) slots.push({kind: 'wildcard'})
      allowsAll = true
      continue
    }
    // The CRD says namespace is absent only for `*`; tolerate hand-written members.
    const ref = {namespace: c.namespace ?? ns, name: c.name}
    if (callers.add(ref)) slots.push({kind: 'caller', ref: c.l7 ? {...ref, l7: c.l7} : ref})
  }
  return {dependencies: deps.items, callers: slots, allowsAll, dependsAll: lmm.spec.dependsAll === true, implicitCallers: []}
}

export function refKey(r: {namespace: string; name: string}): string {
  return `${r.namespace}/${r.name}`
}

export function compareRefs(a: {namespace: string; name: string}, b: {namespace: string; name: string}): number {
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

/** Insertion-ordered set of (namespace, name) refs. */
class RefList {
  readonly items: DependencyRef[] = []
  private readonly seen = new Set<string>()
  add(r: DependencyRef): boolean {
    const k = refKey(r)
    if (this.seen.has(k)) return false
    this.seen.add(k)
    this.items.push({namespace: r.namespace, name: r.name})
    return true
  }
}
