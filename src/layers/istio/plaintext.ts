// Permissive and Webhook ports (LATTICE-SPEC §6.4): a workload PeerAuthentication that keeps
// STRICT but makes those target ports PERMISSIVE, and an ALLOW with no `from` on them (any
// source, plaintext included).

import {names} from '../../core/names.js'
import type {KubeObject} from '../../core/kube.js'
import type {GraphNode} from '../../graph/model.js'
import {unique} from './inbound.js'
import {authorizationPolicy, ownerReference, policyLabels, SECURITY_API_VERSION, selectorFor} from './objects.js'

export function plaintextObjects(node: GraphNode): KubeObject[] {
  const ports = unique(node.ports.filter((p) => p.peerAuth === 'Permissive' || p.peerAuth === 'Webhook').map((p) => String(p.port)))
  // portLevelMtls requires a workload selector (CRD rule), so a namespace-scoped member cannot
  // get per-port PERMISSIVE; it stays STRICT (fails closed) rather than opening the namespace.
  if (ports.length === 0 || Object.keys(node.selector).length === 0) return []
  const paName = names.permissive(node.namespace, node.name)
  const peerAuthentication: KubeObject = {
    apiVersion: SECURITY_API_VERSION,
    kind: 'PeerAuthentication',
    metadata: {name: paName, namespace: node.namespace, labels: policyLabels(paName), ownerReferences: [ownerReference(node)]},
    spec: {
      ...selectorFor(node),
      mtls: {mode: 'STRICT'},
      portLevelMtls: Object.fromEntries(ports.map((p) => [p, {mode: 'PERMISSIVE'}])),
    },
  }
  const allow = authorizationPolicy(names.allowPlaintext(node.namespace, node.name), node, {
    ...selectorFor(node),
    action: 'ALLOW',
    rules: [{to: [{operation: {ports}}]}],
  })
  return [peerAuthentication, allow]
}
