// Cilium label keys and selector shapes shared by the compiler and the baseline
// (LATTICE-SPEC §1.8, §5, Appendix A). Keys carry the `k8s:` source prefix because Cilium
// selects on labels by source; an unprefixed key would also match other sources.

import {GATEWAY_NAME_LABEL, MESH_ROOT_NAMESPACE} from '../../core/constants.js'

export const CILIUM_API_VERSION = 'cilium.io/v2'
export const CNP_KIND = 'CiliumNetworkPolicy'
export const CCNP_KIND = 'CiliumClusterwideNetworkPolicy'

export const K8S_SOURCE = 'k8s'
export const POD_NAMESPACE_KEY = 'io.kubernetes.pod.namespace'
export const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.'
export const SERVICE_ACCOUNT_KEY = 'io.cilium.k8s.policy.serviceaccount'
export const CLUSTER_KEY = 'io.cilium.k8s.policy.cluster'

export const NS_LABEL = `k8s:${POD_NAMESPACE_KEY}`
export const GATEWAY_NAME_KEY = `k8s:${GATEWAY_NAME_LABEL}`

export const CLUSTER_DNS_DOMAIN = 'cluster.local'
export const KUBE_DNS_SELECTOR = {matchLabels: {[NS_LABEL]: 'kube-system', 'k8s:k8s-app': 'kube-dns'}}
export const ISTIOD_SELECTOR = {matchLabels: {'k8s:app': 'istiod', [NS_LABEL]: MESH_ROOT_NAMESPACE}}

/** Prefixes every key with `k8s:` (keys that already name a source are kept). */
export function k8sLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(labels)) out[k.includes(':') ? k : `k8s:${k}`] = v
  return out
}

export function waypointName(ns: string): string {
  return `${ns}-waypoint`
}

/** Pods of the namespace waypoint `<ns>-waypoint`, as a peer selector. */
export function waypointPeer(ns: string): {matchLabels: Record<string, string>} {
  return {matchLabels: {[GATEWAY_NAME_KEY]: waypointName(ns), [NS_LABEL]: ns}}
}
