// Cilium endpoint selectors: matchLabels/matchExpressions over source-qualified labels,
// with the implicit namespace scoping of namespaced policies (LATTICE-SPEC §5.1-1).

import {CLUSTER_KEY, NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_KEY} from './keys.js'
import {splitKey, type Label} from './peer.js'
import type {Tri} from './tri.js'

export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{key: string; operator: string; values?: string[]}>
}

interface Requirement {
  source: string
  key: string
  operator: string
  values: string[]
}

export function requirementsOf(sel: LabelSelector | undefined): Requirement[] {
  const out: Requirement[] = []
  if (!sel || typeof sel !== 'object') return out
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) out.push({...splitKey(k), operator: 'In', values: [String(v)]})
  for (const e of sel.matchExpressions ?? []) out.push({...splitKey(e.key), operator: e.operator, values: (e.values ?? []).map(String)})
  return out
}

/**
 * Cilium's getEndpointSelector (pkg/k8s/apis/cilium.io/utils/utils.go) scopes a CNP peer
 * selector to the policy's namespace unless it names the pod-namespace label or a
 * namespace-labels key (`k8s:io.cilium.k8s.namespace.labels.*`).
 */
export function liftsNamespaceScope(sel: LabelSelector | undefined): boolean {
  return requirementsOf(sel).some((r) => (r.source === 'k8s' || r.source === 'any') && (r.key === POD_NAMESPACE_KEY || r.key.startsWith(NAMESPACE_LABELS_PREFIX)))
}

/** Names a reserved identity (`reserved:host` ...): the only way a selector matches a non-pod. */
export function mentionsReserved(sel: LabelSelector | undefined): boolean {
  return requirementsOf(sel).some((r) => r.source === 'reserved')
}

/**
 * Matches `labels`. `scopeNamespace` adds the implicit `k8s:io.kubernetes.pod.namespace`
 * requirement (namespaced policies) unless the selector lifts it; `force` adds it even when the selector names a
 * namespace (a CNP's own endpointSelector can never reach outside its namespace).
 */
export function selectorMatches(sel: LabelSelector | undefined, labels: Label[], scopeNamespace?: string, force = false): boolean {
  return selectorMatch(sel, labels, scopeNamespace, force) === 'yes'
}

/**
 * selectorMatches, three-valued: a requirement on a key for which `unknownKey` is true (a
 * label whose value is not known for this peer) is undetermined unless another one fails.
 */
export function selectorMatch(sel: LabelSelector | undefined, labels: Label[], scopeNamespace?: string, force = false, unknownKey?: (key: string) => boolean): Tri {
  const reqs = requirementsOf(sel)
  if (scopeNamespace !== undefined && (force || !liftsNamespaceScope(sel))) {
    reqs.push({source: 'k8s', key: POD_NAMESPACE_KEY, operator: 'In', values: [scopeNamespace]})
  }
  let out: Tri = 'yes'
  for (const r of reqs) {
    if (unknownKey?.(r.key) && (r.source === 'k8s' || r.source === 'any')) out = 'unknown'
    else if (!requirementMatches(r, labels)) return 'no'
  }
  return out
}

function requirementMatches(r: Requirement, labels: Label[]): boolean {
  const found = labels.filter((l) => l.key === r.key && (r.source === 'any' || l.source === r.source))
  switch (r.operator) {
    case 'In':
      return found.some((l) => r.values.includes(l.value))
    case 'NotIn':
      return !found.some((l) => r.values.includes(l.value))
    case 'Exists':
      return found.length > 0
    case 'DoesNotExist':
      return found.length === 0
    default:
      return false // an unknown operator selects nothing (the API server would reject it)
  }
}

/** Selects every pod (of a namespace, a labelled set of namespaces, or the cluster): no identity check. */
export function isAllPodsSelector(sel: LabelSelector | undefined): boolean {
  return requirementsOf(sel).every((r) => r.key === POD_NAMESPACE_KEY || r.key === CLUSTER_KEY || r.key.startsWith(NAMESPACE_LABELS_PREFIX))
}
