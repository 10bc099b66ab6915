// The endpoints an L4 flow connects, and the label set Cilium gives them. Pods get their
// Kubernetes labels (source `k8s`) plus the pseudo-labels Cilium derives: namespace,
// namespace labels, service account and cluster. Reserved identities get `reserved:<name>`.

import {CLUSTER_KEY, K8S_SOURCE, NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_KEY, SERVICE_ACCOUNT_KEY} from './keys.js'

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name'

export interface PodPeer {
  kind: 'pod'
  namespace: string
  /** Plain Kubernetes label keys; a key written `source:key` keeps that source (e.g. `container:app`). */
  labels: Record<string, string>
  namespaceLabels?: Record<string, string>
  /** `namespaceLabels` holds only some labels (what the specs say), not the Namespace's own. */
  namespaceLabelsPartial?: boolean
  serviceAccount?: string
  ip?: string
}

export interface WorldPeer {
  kind: 'world'
  ip?: string
  fqdn?: string
}

export type ReservedKind = 'host' | 'remote-node' | 'kube-apiserver' | 'health' | 'init' | 'ingress' | 'unmanaged'

export type L4Peer = PodPeer | WorldPeer | {kind: ReservedKind}

export interface Label {
  source: string
  key: string
  value: string
}

/** Splits `source:key`; a key without a source is `any` (matches every source). */
export function splitKey(k: string): {source: string; key: string} {
  const i = k.indexOf(':')
  return i === -1 ? {source: 'any', key: k} : {source: k.slice(0, i), key: k.slice(i + 1)}
}

export function labelsOfPeer(peer: L4Peer, clusterName = 'default'): Label[] {
  if (peer.kind !== 'pod') return [{source: 'reserved', key: peer.kind, value: ''}]
  const out: Label[] = []
  for (const [k, value] of Object.entries(peer.labels)) {
    const {source, key} = k.includes(':') ? splitKey(k) : {source: K8S_SOURCE, key: k}
    out.push({source, key, value})
  }
  out.push({source: K8S_SOURCE, key: POD_NAMESPACE_KEY, value: peer.namespace})
  // The API server labels every namespace with its name (kubernetes.io/metadata.name).
  const nsLabels = {[NAMESPACE_NAME_LABEL]: peer.namespace, ...(peer.namespaceLabels ?? {})}
  for (const [k, value] of Object.entries(nsLabels)) out.push({source: K8S_SOURCE, key: NAMESPACE_LABELS_PREFIX + k, value})
  if (peer.serviceAccount) out.push({source: K8S_SOURCE, key: SERVICE_ACCOUNT_KEY, value: peer.serviceAccount})
  out.push({source: K8S_SOURCE, key: CLUSTER_KEY, value: clusterName})
  return out
}

/**
 * For a pod whose namespace labels are not known (`namespaceLabels` absent): which selector
 * keys name a namespace label other than the name label the API server always sets.
 */
export function unknownNamespaceLabel(peer: L4Peer): ((key: string) => boolean) | undefined {
  if (peer.kind !== 'pod' || (peer.namespaceLabels && !peer.namespaceLabelsPartial)) return undefined
  const known = peer.namespaceLabels ?? {}
  return (key) => key.startsWith(NAMESPACE_LABELS_PREFIX) && key !== NAMESPACE_LABELS_PREFIX + NAMESPACE_NAME_LABEL && !(key.slice(NAMESPACE_LABELS_PREFIX.length) in known)
}

/**
 * A Workload's namespace labels as a peer's: a map read from a Namespace always carries
 * `kubernetes.io/metadata.name` (the API server sets it), so one without it is only what
 * the specs say (e.g. the ambient mode label) and the other labels are unknown.
 */
export function withNamespaceLabels(pod: PodPeer, labels: Record<string, string> | undefined): PodPeer {
  if (!labels) return pod
  return {...pod, namespaceLabels: labels, ...(NAMESPACE_NAME_LABEL in labels ? {} : {namespaceLabelsPartial: true})}
}

/** Short human name of a peer for messages. */
export function describePeer(peer: L4Peer): string {
  if (peer.kind === 'pod') {
    const name = peer.labels['app.kubernetes.io/name'] ?? Object.entries(peer.labels).map(([k, v]) => `${k}=${v}`).join(',')
    return `${peer.namespace}/${name}`
  }
  if (peer.kind === 'world') return peer.fqdn ?? peer.ip ?? 'world'
  return peer.kind
}
