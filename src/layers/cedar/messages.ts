// §3.7 wording: compile-failure messages (what upstream writes to status.message) and the
// seed-style summary phrases of the CLI's Cedar line.

import type {GateName} from './gates.js'

const FAILURE_PREFIX: Partial<Record<GateName, string>> = {
  AccessSecret: 'secret access denied',
  AccessVolume: 'volume access denied',
  OverrideSecurity: 'security override denied',
  AccessExternalEndpoint: 'external endpoint access denied',
}

const WILDCARD_LABEL: Record<string, string> = {
  inbound: 'allows_all (wildcard inbound)',
  outbound: 'depends_all (wildcard outbound)',
  advertise: 'advertise (wildcard cross-cluster)',
}

/** The mesh-member failure for a denied AllowWildcard request. */
export function wildcardFailure(principalId: string, direction: string): string {
  return `MeshMember failed: Cedar policy denied ${WILDCARD_LABEL[direction] ?? direction} for ${principalId}; add a permit policy for Action::"AllowWildcard" on Mesh::"${direction}"`
}

/** One gate's compile failure from its denied items' `'<subject>': <reason>` fragments. */
export function gateFailure(gate: GateName, fragments: string[]): string {
  const prefix = FAILURE_PREFIX[gate]
  return prefix ? `${prefix}: ${fragments.join('; ')}` : fragments.join('; ')
}

const NOUN: Record<GateName, string> = {
  AccessSecret: 'secret',
  AccessVolume: 'volume',
  OverrideSecurity: 'override',
  AccessExternalEndpoint: 'endpoint',
  DeployImage: 'image',
  AllowTagReference: 'image',
  AllowWildcard: 'mesh',
}

/** `AccessSecret denied for secret vault-prod:commerce/payments/stripe: <reason>` */
export function denialPhrase(gate: GateName, entityId: string, reason: string, container?: string): string {
  const where = container !== undefined && gate === 'OverrideSecurity' ? ` (container '${container}')` : ''
  return `${gate} denied for ${NOUN[gate]} ${entityId}${where}: ${reason}`
}
