// Mesh-wide L7 objects installed once (LATTICE-SPEC §6.1): the root-namespace default deny,
// mesh-wide STRICT mTLS, and the default deny at every waypoint (targetRefs GatewayClass).

import {MESH_ROOT_NAMESPACE, WAYPOINT_GATEWAY_CLASS, type CompileOptions} from '../../core/constants.js'
import {MANAGED_BY_LABEL, MANAGED_BY_LATTICE, type KubeObject} from '../../core/kube.js'
import {SECURITY_API_VERSION} from './objects.js'

export function istioBaseline(_opts: CompileOptions): KubeObject[] {
  return [
    {
      apiVersion: SECURITY_API_VERSION,
      kind: 'AuthorizationPolicy',
      metadata: {name: 'mesh-default-deny', namespace: MESH_ROOT_NAMESPACE, labels: {[MANAGED_BY_LABEL]: MANAGED_BY_LATTICE}},
      spec: {},
    },
    {
      apiVersion: SECURITY_API_VERSION,
      kind: 'PeerAuthentication',
      metadata: {name: 'default', namespace: MESH_ROOT_NAMESPACE},
      spec: {mtls: {mode: 'STRICT'}},
    },
    {
      apiVersion: SECURITY_API_VERSION,
      kind: 'AuthorizationPolicy',
      metadata: {name: 'waypoint-default-deny', namespace: MESH_ROOT_NAMESPACE},
      spec: {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: WAYPOINT_GATEWAY_CLASS}]},
    },
  ]
}
