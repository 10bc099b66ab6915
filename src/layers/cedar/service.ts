// All Cedar gates for one LatticeService (LATTICE-SPEC §3), evaluated together: upstream
// stops at the first failing gate, the CLI lists every denial and marks that first one.

import type {LatticeService} from '../../spec/model.js'
import {keyOf} from '../../spec/model.js'
import type {CedarPolicySet} from './policy-set.js'
import type {CedarRequest, Verdict} from './engine.js'
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

/**
 * One Cedar check of a service's gates, in upstream gate order: a request Cedar answers
 * (`role` says how its verdict is read), or a volume refused by owner consent before Cedar.
 */
export type GateStep =
  | {kind: 'ask'; role: 'gate' | 'volume' | 'endpoint' | 'wildcard'; request: GateRequest}
  | {kind: 'refused'; request: GateRequest; reason: string}

/** What authorizeService asks, decided from the spec alone (no verdict changes which requests follow). */
export function gateSteps(svc: LatticeService, ctx: AuthorizeContext): GateStep[] {
  const steps: GateStep[] = []
  const ask = (role: 'gate' | 'volume' | 'endpoint' | 'wildcard', request: GateRequest) => steps.push({kind: 'ask', role, request})
  for (const r of secretRequests(svc)) ask('gate', r)
  for (const ref of volumeReferences(svc)) {
    const resource = volumeEntity(ref.namespace, ref.volumeId)
    const request: GateRequest = {gate: 'AccessVolume', resource, item: ref.resourceKey, enforced: true, subject: `'${ref.resourceKey}' (volume '${ref.volumeId}')`}
    const refused = consentFailure(svc, ref, ctx.services)
    if (refused) steps.push({kind: 'refused', request, reason: refused})
    else ask('volume', request)
  }
  for (const r of overrideRequests(svc)) ask('gate', r)
  for (const r of endpointRequests(svc)) ask('endpoint', r)
  if (ctx.imageGates !== false) for (const r of imageRequests(svc)) ask('gate', r)
  for (const r of wildcardRequests(svc)) ask('wildcard', r)
  return steps
}

/** The Cedar requests of gateSteps, as the engine is asked them. */
export function stepRequests(svc: LatticeService, steps: GateStep[]): CedarRequest[] {
  const principal = serviceEntity(svc.metadata.namespace, svc.metadata.name)
  return steps.flatMap((s) => (s.kind === 'ask' ? [{action: s.request.gate, principal, resource: s.request.resource}] : []))
}

/** The verdict of the k-th Cedar request of a service's steps (stepRequests order), when answered elsewhere. */
export type AnswerOf = (k: number) => Verdict | undefined

/**
 * `steps`: gateSteps of the same service and context, when the caller already has them;
 * `answered`: verdicts already given for their requests (layers/cedar/thread.ts), the rest
 * asked of the set's engine.
 */
export function authorizeService(set: CedarPolicySet, svc: LatticeService, ctx: AuthorizeContext, steps: GateStep[] = gateSteps(svc, ctx), answered?: AnswerOf): CedarServiceReport {
  const principal = serviceEntity(svc.metadata.namespace, svc.metadata.name)
  const decisions: CedarDecision[] = []
  const warnings: string[] = []
  let wildcardInboundPermitted: boolean | undefined
  let asked = 0

  for (const step of steps) {
    const r = step.request
    if (step.kind === 'refused') {
      decisions.push({gate: r.gate, resource: entityUidText(r.resource), resourceId: r.resource.id, item: r.item, enforced: true, allowed: false, reason: step.reason, policies: [], message: `'${r.item}': ${step.reason}`})
      continue
    }
    const v = answered?.(asked++) ?? set.engine.authorize({action: r.gate, principal, resource: r.resource})
    for (const e of v.policyErrors) warnings.push(`Cedar policy ${e} (evaluation error for ${r.gate} on ${entityUidText(r.resource)}; the policy was skipped)`)
    // Permissive Cedar for volumes (§3.3, §8 D20): only an explicit forbid (or an error) denies.
    if (step.role === 'volume' && !v.forbidden && v.error === undefined && !v.allowed) {
      const reason = 'allowed by owner consent (no Cedar policy)'
      decisions.push({gate: r.gate, resource: entityUidText(r.resource), resourceId: r.resource.id, item: r.item, enforced: true, allowed: true, reason, policies: [], message: `${r.subject}: ${reason}`})
      warnings.push(`AccessVolume allowed by owner consent only (no Cedar policy): ${r.subject}`)
      continue
    }
    decisions.push(decisionOf(r, v))
    if (step.role === 'endpoint' && r.entityEgress && !v.allowed) {
      warnings.push(`AccessExternalEndpoint for ${r.subject} would be denied under seed semantics; not enforced by upstream (${reasonOf(v)})`)
    }
    if (step.role === 'wildcard' && r.item === 'inbound') wildcardInboundPermitted = v.allowed
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
