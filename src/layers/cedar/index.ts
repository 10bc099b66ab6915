// Layer 2: Cedar authorization gates (LATTICE-SPEC §3). Load the policy set once
// (async: it instantiates cedar-wasm), then authorize services synchronously.

export {loadCedarPolicies, orderPolicyObjects, schemaWarnings, INHERITED_LABEL} from './policy-set.js'
export type {CedarPolicySet, SkippedPolicyObject} from './policy-set.js'
export type {LoadedPolicy} from './engine.js'
export {authorizeService, wildcardPermitted} from './service.js'
export {consentFailure, findVolumeOwner, volumeReferences} from './volumes.js'
export type {VolumeReference} from './volumes.js'
export type {AuthorizeContext, CedarDecision, CedarServiceReport} from './service.js'
export {cedarLayer} from './layer.js'
export {GATE_ORDER, INFORMATIONAL_GATES, REASON_FORBIDDEN, REASON_NO_PERMIT} from './gates.js'
export type {GateName} from './gates.js'
export {entityUidText, parseImageRef, volumeEntity} from './entities.js'
export {securityOverrides, DEFAULT_CAPABILITIES} from './overrides.js'
export type {OverrideRequest} from './overrides.js'
export {LATTICE_CEDAR_SCHEMA} from './schema.js'
export {authorizeMeshMember, memberPrincipalId, memberWildcards, type MeshDirection} from './mesh-member.js'
