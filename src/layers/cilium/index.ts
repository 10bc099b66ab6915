// Public API of the L4 (Cilium) layer.

export {ciliumObjects, compileCilium, compileMember, needsWaypointIngress, podSelector} from './compile.js'
export {ciliumBaseline} from './baseline.js'
export {
  evaluateL4,
  evaluateDirection,
  putsInDefaultDeny,
  ENFORCEMENT_ALWAYS,
  type DenyMatch,
  type Direction,
  type DirectionVerdict,
  type EnforcementMode,
  type EvaluateOptions,
  type L4Verdict,
  type RuleMatch,
} from './evaluate.js'
export type {L4Peer, PodPeer, WorldPeer, ReservedKind} from './peer.js'
export type {L4Flow, ContainerPort} from './ports.js'
export {dnsNameMatches, entityMatches, inCidr} from './peer-match.js'
export {l4Layer, BROAD_HBONE_WARNING, type L4Context} from './layer.js'
export {canonicalCilium, CILIUM_KINDS, isCiliumKind, type CiliumKind} from './canonical.js'
export {CILIUM_API_VERSION, CNP_KIND, CCNP_KIND} from './keys.js'
export {l4ExternalLayer, type ExternalL4Context} from './external.js'
export {NETWORK_POLICY_KIND, isNetworkPolicy, networkPolicySpec} from './networkpolicy.js'
