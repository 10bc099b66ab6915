// The Cedar gate of an operator-written LatticeMeshMember (LATTICE-SPEC §1.9, §3.3, §4.5):
// the mesh-member controller asks `AllowWildcard` for each wildcard the member uses —
// `allowedCallers: [{name: "*"}]` (Mesh::"inbound"), `dependsAll: true` (Mesh::"outbound"),
// an open `advertise` (Mesh::"advertise") — with the principal `<ns>/<serviceAccount or
// member name>`. A denial fails the member (§3.7 wording) and none of its policies are
// (re)applied. Members have no workload gates (no containers, secrets or endpoints).

import type {LatticeMeshMember} from '../../spec/model.js'
import {keyOf} from '../../spec/model.js'
import {meshEntity, serviceEntity} from './entities.js'
import {REASON_FORBIDDEN, REASON_NO_PERMIT, internalErrorReason} from './gates.js'
import {wildcardFailure} from './messages.js'
import type {CedarPolicySet} from './policy-set.js'
import type {CedarRequest} from './engine.js'
import type {AnswerOf, CedarDecision, CedarServiceReport} from './service.js'

export type MeshDirection = 'inbound' | 'outbound' | 'advertise'

/** The wildcard directions a member uses, in the order §3.7 lists them. */
export function memberWildcards(lmm: LatticeMeshMember): MeshDirection[] {
  const out: MeshDirection[] = []
  if ((lmm.spec.allowedCallers ?? []).some((c) => c.name === '*')) out.push('inbound')
  if (lmm.spec.dependsAll === true) out.push('outbound')
  if (lmm.spec.advertise?.allowedServices?.includes('*')) out.push('advertise')
  return out
}

/** `<ns>/<serviceAccount ?? name>`: the Cedar principal id of a member (§3.3). */
export function memberPrincipalId(lmm: LatticeMeshMember): string {
  return `${lmm.metadata.namespace}/${lmm.spec.serviceAccount ?? lmm.metadata.name}`
}

/** The AllowWildcard requests of a member's gate, one per wildcard it uses. */
export function meshMemberRequests(lmm: LatticeMeshMember): CedarRequest[] {
  const principal = serviceEntity(lmm.metadata.namespace, lmm.spec.serviceAccount ?? lmm.metadata.name)
  return memberWildcards(lmm).map((direction) => ({action: 'AllowWildcard', principal, resource: meshEntity(direction)}))
}

/** `answered`: verdicts already given for meshMemberRequests (layers/cedar/thread.ts), the rest asked of the engine. */
export function authorizeMeshMember(set: CedarPolicySet, lmm: LatticeMeshMember, answered?: AnswerOf): CedarServiceReport {
  const principal = serviceEntity(lmm.metadata.namespace, lmm.spec.serviceAccount ?? lmm.metadata.name)
  const decisions: CedarDecision[] = []
  const warnings: string[] = []
  for (const [k, request] of meshMemberRequests(lmm).entries()) {
    const direction = request.resource.id
    const v = answered?.(k) ?? set.engine.authorize(request)
    for (const e of v.policyErrors) warnings.push(`Cedar policy ${e} (evaluation error for AllowWildcard on Mesh::"${direction}"; the policy was skipped)`)
    const reason = v.error !== undefined ? internalErrorReason(v.error) : v.allowed ? `permitted by ${v.policies.join(', ')}` : v.forbidden ? REASON_FORBIDDEN : REASON_NO_PERMIT
    decisions.push({
      gate: 'AllowWildcard', resource: `Lattice::Mesh::"${direction}"`, resourceId: direction, item: direction,
      allowed: v.allowed, reason, policies: v.policies, enforced: true, message: `${direction}: ${reason}`,
    })
  }
  const denials = decisions.filter((d) => !d.allowed)
  const report: CedarServiceReport = {
    service: keyOf(lmm), ...(principal.id !== keyOf(lmm) ? {principal: principal.id} : {}), permitted: denials.length === 0, decisions, denials, warnings: [...new Set(warnings)],
    failures: denials.length > 0 ? [{gate: 'AllowWildcard', message: denials.map((d) => wildcardFailure(principal.id, d.item)).join('; ')}] : [],
  }
  if (denials.length > 0) {
    report.firstFailingGate = 'AllowWildcard'
    report.failureMessage = report.failures[0].message
  }
  const inbound = decisions.find((d) => d.item === 'inbound')
  if (inbound) report.wildcardInboundPermitted = inbound.allowed
  return report
}
