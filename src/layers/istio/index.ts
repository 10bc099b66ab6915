// Public API of the L7 (Istio ambient) layer.
export {compileIstio, istioBaseline} from './compile.js'
export {
  evaluateAuthorization,
  evaluateIstio,
  type AuthzDecision,
  type AuthzRequest,
  type Decider,
  type EnforcementPoint,
  type EvalContext,
  type L7Decision,
  type PolicyTarget,
  type TrustDomainMismatch,
  type Verdict,
  type WaypointTarget,
  type ZtunnelTarget,
} from './evaluate.js'
export {effectiveMtls, type MtlsDecision, type MtlsMode} from './mtls.js'
export {l7Layer, type L7LayerContext} from './layer.js'
export {canonicalIstio, ISTIO_KIND_GROUPS, ISTIO_KINDS, type IstioKind} from './canonical.js'
export {parseIdentity, type Identity} from './principals.js'
export {l7ExternalLayer, serviceEntriesFor, type ExternalL7Context} from './external-layer.js'
export {
  convertAuthorizationPolicy,
  convertForZtunnel,
  hasEffectiveRules,
  ztunnelMatches,
  type ZConnection,
  type ZtunnelConversion,
} from './ztunnel.js'
export {convertWorkloadPeerAuthentication} from './mtls.js'
