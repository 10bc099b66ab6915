// All Cedar gates for one LatticeService (LATTICE-SPEC §3), evaluated together: upstream
// stops at the first failing gate, the CLI lists every denial and marks that first one.

import type {LatticeService} from '../../spec/model.js'
import {keyOf} from '../../spec/model.js'
import type {CedarPolicySet} from './policy-set.js'
import type {Verdict} from './engine.js'
import {GATE_ORDER, type GateName, REASON_FORBIDDEN, REASON_NO_PERMIT, internalErrorReason} from './gates.js'
import {entityUidText, meshEntity, serviceEntity, serviceEntityFromKey, volumeEntity} from './entities.js'
import {type GateRequest, endpointRequests, imageRequests, overrideRequests, secretRequests, wildcardRequests} from './requests.js'
import {consentFailure, volumeReferences} from './volumes.js'
import {gateFailure, wildcardFailure} from './messages.js'

export interface CedarDecision {
  gate: GateName
  /** Entity uid text, e.g. `Lattice::SecretPath::"vault-prod:commerce/payments/stripe"`. */
  resource: string
  /** The entity id alone, e.g. `vault-prod:commerce/payments/stripe`. */
  resourceId: string
  /** Resource key (secrets, volumes, endpoints), override id, mesh direction or image. */
  item: string
  container?: string
  allowed: boolean
  /** §3.7 reason text for denials; `permitted by ...` / consent wording for allows. */
  reason: string
  /** Determining policies (rewritten ids): the permits that allowed, or the forbids that denied. */
  policies: string[]
  /** False for image gates and entity egress: reported, never blocking. */
  enforced: boolean
  /** §3.7 per-item fragment, e.g. `'stripe-key': no permit policy for this service and resource`. */
  message: string
}

export interface CedarServiceReport {
  service: string
  /** Cedar principal id when it differs from `service` (a mesh member's `<ns>/<serviceAccount>`). */
  principal?: string
  permitted: boolean
  decisions: CedarDecision[]
  /** Enforced denials only. */
  denials: CedarDecision[]
  warnings: string[]
  /** Compile-failure message of every failing gate, in upstream order. */
  failures: Array<{gate: GateName; message: string}>
  failureMessage?: string
  firstFailingGate?: GateName
  wildcardInboundPermitted?: boolean
}

export interface AuthorizeContext {
  /** Every service that may own a shared volume this one references (§3.3 AccessVolume). */
  services: LatticeService[]
  /** Evaluate the informational image gates (default true); bulk callers may skip them. */
  imageGates?: boolean
}

export function authorizeService(set: CedarPolicySet, svc: LatticeService, ctx: AuthorizeContext): CedarServiceReport {
  const principal = serviceEntity(svc.metadata.namespace, svc.metadata.name)
  const decisions: CedarDecision[] = []
  const warnings: string[] = []
  const ask = (r: GateRequest) => set.engine.authorize({action: r.gate, principal, resource: r.resource})
  const policyErrorWarnings = (r: GateRequest, v: Verdict) => {
    for (const e of v.policyErrors) warnings.push(`Cedar policy ${e} (evaluation error for ${r.gate} on ${entityUidText(r.resource)}; the policy was skipped)`)
  }
  const record = (r: GateRequest, v: Verdict) => {
    policyErrorWarnings(r, v)
    decisions.push(decisionOf(r, v))
  }

  for (const r of secretRequests(svc)) record(r, ask(r))
  for (const ref of volumeReferences(svc)) {
    const resource = volumeEntity(ref.namespace, ref.volumeId)
    const base = {gate: 'AccessVolume' as const, resource: entityUidText(resource), resourceId: resource.id, item: ref.resourceKey, enforced: true}
    const refused = consentFailure(svc, ref, ctx.services)
    if (refused) {
      decisions.push({...base, allowed: false, reason: refused, policies: [], message: `'${ref.resourceKey}': ${refused}`})
      continue
    }
    // Permissive Cedar (§3.3, §8 D20): only an explicit forbid (or an error) denies.
    const req: GateRequest = {gate: 'AccessVolume', resource, item: ref.resourceKey, enforced: true, subject: `'${ref.resourceKey}' (volume '${ref.volumeId}')`}
    const v = ask(req)
    policyErrorWarnings(req, v)
    if (v.forbidden || v.error !== undefined) {
      decisions.push(decisionOf(req, v))
    } else if (v.allowed) {
      decisions.push(decisionOf(req, v))
    } else {
      const reason = 'allowed by owner consent (no Cedar policy)'
      decisions.push({...base, allowed: true, reason, policies: [], message: `${req.subject}: ${reason}`})
      warnings.push(`AccessVolume allowed by owner consent only (no Cedar policy): ${req.subject}`)
    }
  }
  for (const r of overrideRequests(svc)) record(r, ask(r))
  for (const r of endpointRequests(svc)) {
    const v = ask(r)
    record(r, v)
    if (r.entityEgress && !v.allowed) {
      warnings.push(`AccessExternalEndpoint for ${r.subject} would be denied under seed semantics; not enforced by upstream (${reasonOf(v)})`)
    }
  }
  if (ctx.imageGates !== false) for (const r of imageRequests(svc)) record(r, ask(r))
  let wildcardInboundPermitted: boolean | undefined
  for (const r of wildcardRequests(svc)) {
    const v = ask(r)
    record(r, v)
    if (r.item === 'inbound') wildcardInboundPermitted = v.allowed
  }

  const denials = decisions.filter((d) => d.enforced && !d.allowed)
  const failures = GATE_ORDER.flatMap((gate) => {
    const denied = denials.filter((d) => d.gate === gate)
    if (denied.length === 0) return []
    const message = gate === 'AllowWildcard' ? denied.map((d) => wildcardFailure(principal.id, d.item)).join('; ') : gateFailure(gate, denied.map((d) => d.message))
    return [{gate, message}]
  })
  const report: CedarServiceReport = {service: keyOf(svc), permitted: denials.length === 0, decisions, denials, warnings: [...new Set(warnings)], failures}
  if (failures.length > 0) {
    report.firstFailingGate = failures[0].gate
    report.failureMessage = failures[0].message
  }
  if (wildcardInboundPermitted !== undefined) report.wildcardInboundPermitted = wildcardInboundPermitted
  return report
}

/** AllowWildcard for any graph node (LatticeService or LatticeMeshMember, §4.5); the
 * principal is `<ns>/<service account or member name>` as the node key carries it. */
export function wildcardPermitted(set: CedarPolicySet, nodeKey: string, direction: 'inbound' | 'outbound' | 'advertise'): boolean {
  return set.engine.authorize({action: 'AllowWildcard', principal: serviceEntityFromKey(nodeKey), resource: meshEntity(direction)}).allowed
}

function reasonOf(v: Verdict): string {
  if (v.error !== undefined) return internalErrorReason(v.error)
  if (v.allowed) return `permitted by ${v.policies.join(', ')}`
  return v.forbidden ? REASON_FORBIDDEN : REASON_NO_PERMIT
}

function decisionOf(r: GateRequest, v: Verdict): CedarDecision {
  const reason = reasonOf(v)
  const d: CedarDecision = {
    gate: r.gate,
    resource: entityUidText(r.resource),
    resourceId: r.resource.id,
    item: r.item,
    allowed: v.allowed,
    reason,
    policies: v.policies,
    enforced: r.enforced,
    message: `${r.subject}: ${reason}`,
  }
  if (r.container !== undefined) d.container = r.container
  return d
}
