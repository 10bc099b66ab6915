// Gate (Cedar action) names and the order upstream evaluates them in (LATTICE-SPEC §3.1,
// §3.3). The image gates are the seeds' names (§8 D7) and are informational only.

export type GateName =
  | 'AccessSecret'
  | 'AccessVolume'
  | 'OverrideSecurity'
  | 'AccessExternalEndpoint'
  | 'DeployImage'
  | 'AllowTagReference'
  | 'AllowWildcard'

/** Upstream order: quota → secrets → volumes → overrides → endpoints → images; the
 * mesh-member controller evaluates AllowWildcard later. */
export const GATE_ORDER: GateName[] = [
  'AccessSecret',
  'AccessVolume',
  'OverrideSecurity',
  'AccessExternalEndpoint',
  'DeployImage',
  'AllowTagReference',
  'AllowWildcard',
]

/** Gates whose result the CLI reports but which never make a service denied (§8 D7). */
export const INFORMATIONAL_GATES: ReadonlySet<GateName> = new Set<GateName>(['DeployImage', 'AllowTagReference'])

export const REASON_NO_PERMIT = 'no permit policy for this service and resource'
export const REASON_FORBIDDEN = 'access explicitly forbidden by policy'
export const internalErrorReason = (detail: string) => `internal authorization error: ${detail}`
