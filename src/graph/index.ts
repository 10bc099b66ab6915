// Public API of the service graph: build it from specs, read it, ask where waypoints are.

export type {Edge, Finding, FindingKind, GraphNode, NodeKind, ServiceGraph} from './model.js'
export {createGraph} from './graph.js'
export {hasMeshExternalEgress, isWaypointEnforced, waypointNamespaces} from './waypoints.js'
export {buildGraph, type BuildGraphOptions, type GraphInput} from './build.js'
export {createNodeCache, type NodeCache} from './nodes.js'
export {deriveMeshMember, portsOf, type DeriveContext} from './member.js'
export {egressRulesOf, egressTargetOf, type EgressContext} from './egress.js'
export {displayName, findingMessages} from './findings.js'
export type {WildcardPermitted} from './match.js'
export {hasIngressRoutes, ingressGatewayKey, ingressGatewayKeys, ingressGatewayMember, ingressGatewayName, ingressGatewayNamespaces} from './gateways.js'
