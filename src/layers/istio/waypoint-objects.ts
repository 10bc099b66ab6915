// The namespace waypoint set (LATTICE-SPEC §6.5, §6.3.3): Gateway `<ns>-waypoint`, the fixed
// `allow-to-waypoint` ALLOW on HBONE, and `allow-wp-to-<h8>` letting the waypoint identity
// reach a member's target ports at the member's ztunnel.

import {HBONE_PORT, WAYPOINT_FOR_LABEL, WAYPOINT_GATEWAY_CLASS} from '../../core/constants.js'
import type {KubeObject} from '../../core/kube.js'
import {names} from '../../core/names.js'
import {principalOf} from '../../core/query.js'
import type {GraphNode} from '../../graph/model.js'
import {unique} from './inbound.js'
import {authorizationPolicy, GATEWAY_API_VERSION, policyLabels, SECURITY_API_VERSION, selectorFor} from './objects.js'

export function waypointNamespaceObjects(namespace: string): KubeObject[] {
  const gatewayName = names.waypoint(namespace)
  const gateway: KubeObject = {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: {name: gatewayName, namespace, labels: {...policyLabels(gatewayName), [WAYPOINT_FOR_LABEL]: 'service'}},
    spec: {
      gatewayClassName: WAYPOINT_GATEWAY_CLASS,
      listeners: [{name: 'mesh', port: HBONE_PORT, protocol: 'HBONE', allowedRoutes: {namespaces: {from: 'Same'}}}],
    },
  }
  const allowToWaypoint: KubeObject = {
    apiVersion: SECURITY_API_VERSION,
    kind: 'AuthorizationPolicy',
    // One per namespace, owned by no single member.
    metadata: {name: 'allow-to-waypoint', namespace, labels: {...policyLabels('allow-to-waypoint')}},
    spec: {
      selector: {matchLabels: {[WAYPOINT_FOR_LABEL]: 'service'}},
      action: 'ALLOW',
      rules: [{to: [{operation: {ports: [String(HBONE_PORT)]}}]}],
    },
  }
  return [gateway, allowToWaypoint]
}

/** Waypoint service account = Gateway name (Istio's waypoint deployment convention). */
export function waypointPrincipal(trustDomain: string, namespace: string): string {
  return principalOf(trustDomain, namespace, names.waypoint(namespace))
}

export function allowWaypointTo(node: GraphNode, trustDomain: string): KubeObject | undefined {
  if (node.ports.length === 0) return undefined
  return authorizationPolicy(names.allowWaypointTo(node.namespace, node.name), node, {
    ...selectorFor(node),
    action: 'ALLOW',
    rules: [
      {
        from: [{source: {principals: [waypointPrincipal(trustDomain, node.namespace)]}}],
        to: [{operation: {ports: unique(node.ports.map((p) => String(p.port)))}}],
      },
    ],
  })
}
