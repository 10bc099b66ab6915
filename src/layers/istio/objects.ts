// Object scaffolding shared by the L7 compiler: API versions, the generated-object labels
// and the ownerReference to the LatticeMeshMember (LATTICE-SPEC §1.8).

import {createHash} from 'node:crypto'
import {LATTICE_API_VERSION} from '../../core/constants.js'
import {MANAGED_BY_LABEL, MANAGED_BY_LATTICE, NAME_LABEL, type KubeObject} from '../../core/kube.js'
import type {GraphNode} from '../../graph/model.js'

export const SECURITY_API_VERSION = 'security.istio.io/v1'
export const NETWORKING_API_VERSION = 'networking.istio.io/v1'
export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1'

export function policyLabels(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {[NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY_LATTICE, ...extra}
}

/**
 * The real uid is only known in the cluster; offline it is a stable UUID-shaped value derived
 * from `ns/name` so expected objects are deterministic (canonical keys ignore ownerReferences).
 */
export function ownerUid(node: GraphNode): string {
  const live = node.member.metadata.uid
  if (live) return live
  const h = createHash('sha256').update(`${node.namespace}/${node.name}`, 'utf8').digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export function ownerReference(node: GraphNode): Record<string, unknown> {
  return {
    apiVersion: LATTICE_API_VERSION,
    kind: 'LatticeMeshMember',
    name: node.member.metadata.name ?? node.name,
    uid: ownerUid(node),
    controller: true,
    blockOwnerDeletion: true,
  }
}

export function authorizationPolicy(name: string, node: GraphNode, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: SECURITY_API_VERSION,
    kind: 'AuthorizationPolicy',
    metadata: {name, namespace: node.namespace, labels: policyLabels(name), ownerReferences: [ownerReference(node)]},
    spec,
  }
}

/** `{selector: {matchLabels}}`, or nothing for a namespace-scoped member (namespace-wide). */
export function selectorFor(node: GraphNode): Record<string, unknown> {
  return Object.keys(node.selector).length > 0 ? {selector: {matchLabels: {...node.selector}}} : {}
}
