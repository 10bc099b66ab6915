// The service graph (LATTICE-SPEC §4): nodes are mesh members (compiled from
// LatticeServices, or LatticeMeshMembers written by operators); an active edge A→B exists
// only when A declares B outbound (or dependsAll) AND B allows A (or allowsAll).
// Layers read this graph; none of them writes it.

import type {CallerRef, L7Params, LatticeMeshMember, LatticeService, MeshMemberPort, EgressRule} from '../spec/model.js'

export type NodeKind = 'LatticeService' | 'LatticeMeshMember'

export interface GraphNode {
  /** `ns/name` */
  key: string
  namespace: string
  name: string
  kind: NodeKind
  /** SPIFFE service account: the service name, or an LMM's spec.serviceAccount ?? name. */
  serviceAccount: string
  /** Pod labels the member selects (without the Cilium `k8s:` prefix). */
  selector: Record<string, string>
  /** True when the member targets a whole namespace instead of a selector. */
  namespaceScoped: boolean
  ambient: boolean
  ports: MeshMemberPort[]
  egress: EgressRule[]
  allowedCallers: CallerRef[]
  allowsAll: boolean
  dependsAll: boolean
  allowPeerTraffic: boolean
  advertise?: {allowedServices: string[]}
  /** The mesh member (derived from the service, or as written). */
  member: LatticeMeshMember
  /** The LatticeService, for Local nodes. */
  service?: LatticeService
  /** A member the platform itself deploys (the namespace ingress gateway, §10.15): no spec, nothing emitted. */
  platform?: 'ingress-gateway'
}

export interface Edge {
  from: string
  to: string
  /** Order of creation: declaration order of the callee's/caller's resource map (§10.7). */
  order: number
  /** The callee allowed the caller only through `id: "*"`. */
  viaWildcard: boolean
  /** The caller is an implicit caller (ingress gateway, vmagent) of the callee (§4.6). */
  implicit: boolean
  /** The caller reached the callee through `dependsAll`. */
  viaDependsAll: boolean
  /** A self-edge (peer traffic through `direction: both` on itself) — "derived" (§4.9). */
  self: boolean
  /** L7 constraints the callee placed on this caller (§6.3.2 extension). */
  l7?: L7Params
}

export type FindingKind =
  | 'one-sided-outbound'
  | 'one-sided-inbound'
  | 'missing-target'
  | 'namespace-mismatch'
  | 'wildcard-denied'
  | 'depends-all-denied'
  | 'self-wildcard'

export interface Finding {
  kind: FindingKind
  /** Caller key (ns/name). */
  from: string
  /** Callee key (ns/name). */
  to: string
  /** The normative §4.7 wording. */
  message: string
}

export interface ServiceGraph {
  nodes: Map<string, GraphNode>
  edges: Edge[]
  findings: Finding[]
  node(key: string): GraphNode | undefined
  /** Active edges where `key` is the caller, in edge order. */
  outbound(key: string): Edge[]
  /** Active edges where `key` is the callee, in edge order. */
  inbound(key: string): Edge[]
  hasEdge(from: string, to: string): boolean
  /** §4.7 findings that concern the pair (either direction of declaration). */
  findingsFor(from: string, to: string): Finding[]
}
