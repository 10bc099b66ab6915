// Shared builders for the L7 tests: the seed 001 pair (commerce/checkout → commerce/payments),
// queries from graph nodes, and a few hand-written policies.
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import type {ConnectivityQuery, Waypoint, Workload} from '../../src/core/query.js'
import type {GraphNode} from '../../src/graph/model.js'
import {graph, node, type NodeInput} from '../helpers/graph.js'

export const opts = defaultCompileOptions()

export function seedPair(payments: Partial<NodeInput> = {}, edge: Record<string, unknown> = {}) {
  const checkout = node({ns: 'commerce', name: 'checkout'})
  const pay = node({ns: 'commerce', name: 'payments', ...payments})
  return {checkout, payments: pay, graph: graph([checkout, pay], [{from: checkout.key, to: pay.key, ...edge}])}
}

export function workload(n: GraphNode): Workload {
  return {
    namespace: n.namespace,
    name: n.name,
    kind: n.kind,
    serviceAccount: n.serviceAccount,
    podLabels: {...n.selector},
    ambient: n.ambient,
    ports: n.ports.map((p) => ({name: p.name, servicePort: p.servicePort ?? p.port, targetPort: p.port, protocol: 'TCP'})),
  }
}

export function query(from: GraphNode, to: GraphNode, extra: Partial<ConnectivityQuery> = {}): ConnectivityQuery {
  const target = workload(to)
  return {source: workload(from), target, port: target.ports[0], trustDomain: 'cluster.local', ...extra}
}

export function waypointOf(ns: string, ready?: boolean): Waypoint {
  return {
    namespace: ns,
    name: `${ns}-waypoint`,
    serviceAccount: `${ns}-waypoint`,
    podLabels: {'gateway.networking.k8s.io/gateway-name': `${ns}-waypoint`},
    ready,
  }
}

export function ap(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return {apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: {name, namespace: ns}, spec}
}

export function pa(ns: string, name: string, spec: Record<string, unknown>, creationTimestamp?: string): KubeObject {
  return {apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: {name, namespace: ns, creationTimestamp}, spec}
}

export const P = {
  checkout: 'cluster.local/ns/commerce/sa/checkout',
  payments: 'cluster.local/ns/commerce/sa/payments',
}
