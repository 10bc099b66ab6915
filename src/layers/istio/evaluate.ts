// Istio AuthorizationPolicy + PeerAuthentication evaluation on plain objects (compiled or
// live). Order: CUSTOM, then DENY (any matching rule denies), then ALLOW (if any ALLOW policy
// applies, some rule of one of them must match; none applying = allow). AUDIT never decides.
// A policy without rules (`spec: {}`) is an ALLOW policy that matches nothing.

import {MESH_ROOT_NAMESPACE} from '../../core/constants.js'
import type {KubeObject, ObjectRef} from '../../core/kube.js'
import {refOf} from '../../core/kube.js'
import {appliesTo, isAuthorizationPolicy, type PolicyTarget} from './attachment.js'
import {arr, matchRule, type AuthzRequest, type Tri} from './match.js'
import {effectiveMtls, type MtlsDecision} from './mtls.js'
import {parseIdentity, principalMatches, splitPrincipal} from './principals.js'

export type {AuthzRequest, EnforcementPoint} from './match.js'
export type {PolicyTarget, WaypointTarget, ZtunnelTarget} from './attachment.js'

export interface EvalContext {
  trustDomain: string
  trustDomainAliases?: string[]
  rootNamespace?: string
}

export type Verdict = 'allow' | 'deny' | 'unknown'

export type Decider =
  /** A rule of this policy decided (ALLOW matched, DENY matched, or CUSTOM delegated). */
  | {kind: 'policy'; ref: ObjectRef; action: 'ALLOW' | 'DENY' | 'CUSTOM'; ruleIndex?: number}
  /** ALLOW policies apply but none matched; `ref` is the one to blame (rule-less first). */
  | {kind: 'default-deny'; ref: ObjectRef}
  /** No ALLOW policy applies: Istio allows. */
  | {kind: 'no-policy'}
  /** Plaintext rejected by the effective PeerAuthentication. */
  | {kind: 'mtls'; ref?: ObjectRef}

export interface TrustDomainMismatch {
  ref: ObjectRef
  ruleIndex: number
  /** The policy principal whose `/ns/.../sa/...` part matches the caller. */
  principal: string
  policyTrustDomain: string
  callerTrustDomain: string
}

export interface AuthzDecision {
  verdict: Verdict
  allowed: boolean
  decidedBy: Decider
  /** Policies attached at this enforcement point (any action). */
  applicable: ObjectRef[]
  /** Inputs the CLI lacked when the verdict is unknown (e.g. `methods`, `requestPrincipals`). */
  unknownAttributes: string[]
  trustDomainMismatch?: TrustDomainMismatch
  notes: string[]
}

export function evaluateAuthorization(
  objects: KubeObject[],
  target: PolicyTarget,
  req: AuthzRequest,
  ctx: EvalContext,
): AuthzDecision {
  const root = ctx.rootNamespace ?? MESH_ROOT_NAMESPACE
  const notes: string[] = []
  const policies = objects.filter((o) => isAuthorizationPolicy(o) && appliesTo(o, target, root))
  const byAction = (a: string) => policies.filter((p) => actionOf(p) === a)
  const unknownAttrs = new Set<string>()
  const mctx = (p: KubeObject) => ({
    trustDomain: ctx.trustDomain,
    trustDomainAliases: ctx.trustDomainAliases ?? [],
    policyNamespace: p.metadata.namespace ?? 'default',
  })
  const base = {applicable: policies.map(refOf), notes}
  const done = (verdict: Verdict, decidedBy: Decider, extra: Partial<AuthzDecision> = {}): AuthzDecision => ({
    verdict,
    allowed: verdict === 'allow',
    decidedBy,
    unknownAttributes: verdict === 'unknown' ? [...unknownAttrs] : [],
    ...base,
    ...extra,
  })

  for (const p of byAction('AUDIT')) notes.push(`${describe(p)} has action AUDIT; it never decides`)

  // CUSTOM: ztunnel does not support it (istiod skips it); at a waypoint an external
  // authorizer decides, which the CLI cannot know.
  for (const p of byAction('CUSTOM')) {
    if (req.at === 'ztunnel') {
      notes.push(`${describe(p)} has action CUSTOM, which ztunnel does not enforce`)
      continue
    }
    const hit = firstMatch(p, 'CUSTOM', req, mctx(p), unknownAttrs, notes)
    if (hit.match !== 'no') {
      notes.push(`${describe(p)} delegates to external authorizer ${p.spec?.provider?.name ?? '(unnamed)'}`)
      return done('unknown', {kind: 'policy', ref: refOf(p), action: 'CUSTOM', ruleIndex: hit.index})
    }
  }

  let denyUnknown: {p: KubeObject; index: number} | undefined
  for (const p of byAction('DENY')) {
    const hit = firstMatch(p, 'DENY', req, mctx(p), unknownAttrs, notes)
    if (hit.match === 'yes') return done('deny', {kind: 'policy', ref: refOf(p), action: 'DENY', ruleIndex: hit.index})
    if (hit.match === 'unknown' && !denyUnknown) denyUnknown = {p, index: hit.index!}
  }

  const allows = byAction('ALLOW')
  let allowUnknown: {p: KubeObject; index: number} | undefined
  for (const p of allows) {
    const hit = firstMatch(p, 'ALLOW', req, mctx(p), unknownAttrs, notes)
    if (hit.match === 'yes') {
      if (denyUnknown) return done('unknown', {kind: 'policy', ref: refOf(denyUnknown.p), action: 'DENY', ruleIndex: denyUnknown.index})
      return done('allow', {kind: 'policy', ref: refOf(p), action: 'ALLOW', ruleIndex: hit.index})
    }
    if (hit.match === 'unknown' && !allowUnknown) allowUnknown = {p, index: hit.index!}
  }
  if (allows.length === 0) {
    if (denyUnknown) return done('unknown', {kind: 'policy', ref: refOf(denyUnknown.p), action: 'DENY', ruleIndex: denyUnknown.index})
    return done('allow', {kind: 'no-policy'})
  }
  if (allowUnknown) return done('unknown', {kind: 'policy', ref: refOf(allowUnknown.p), action: 'ALLOW', ruleIndex: allowUnknown.index})
  return done('deny', {kind: 'default-deny', ref: refOf(blameFor(allows, root))}, {trustDomainMismatch: findMismatch(allows, req)})
}

function firstMatch(
  p: KubeObject,
  action: string,
  req: AuthzRequest,
  mctx: Parameters<typeof matchRule>[3],
  unknownAttrs: Set<string>,
  notes: string[],
): {match: Tri; index?: number} {
  let firstUnknown: number | undefined
  const rules = arr(p.spec?.rules) // absent rules: the policy matches nothing
  for (let i = 0; i < rules.length; i++) {
    const r = matchRule(rules[i], action, req, mctx)
    if (r.httpAttributes.length > 0) {
      notes.push(
        action === 'ALLOW'
          ? `${describe(p)} rule ${i} uses HTTP attributes (${r.httpAttributes.join(', ')}) that ztunnel cannot evaluate; at ztunnel it matches nothing`
          : `${describe(p)} rule ${i} uses HTTP attributes (${r.httpAttributes.join(', ')}); ztunnel enforces it without them`,
      )
    }
    if (r.match === 'yes') return {match: 'yes', index: i}
    if (r.match === 'unknown') {
      r.unknown.forEach((u) => unknownAttrs.add(u))
      if (firstUnknown === undefined) firstUnknown = i
    }
  }
  return firstUnknown === undefined ? {match: 'no'} : {match: 'unknown', index: firstUnknown}
}

/** The policy that "put the workload into default deny": a rule-less one, root namespace first. */
function blameFor(allows: KubeObject[], root: string): KubeObject {
  const ruleless = allows.filter((p) => arr(p.spec?.rules).length === 0)
  return ruleless.find((p) => p.metadata.namespace === root) ?? ruleless[0] ?? allows[0]
}

/** An ALLOW principal naming the caller's namespace/SA under another trust domain. */
function findMismatch(allows: KubeObject[], req: AuthzRequest): TrustDomainMismatch | undefined {
  const caller = req.sourceIdentity ? parseIdentity(req.sourceIdentity) : undefined
  if (!caller) return undefined
  const callerSuffix = `/ns/${caller.namespace}/sa/${caller.serviceAccount}`
  for (const p of allows) {
    const rules = arr(p.spec?.rules)
    for (let i = 0; i < rules.length; i++) {
      for (const from of arr(rules[i]?.from)) {
        for (const principal of arr(from?.source?.principals).map(String)) {
          const split = splitPrincipal(principal)
          if (!split || split.trustDomain.includes('*') || split.trustDomain === caller.trustDomain) continue
          if (principalMatches(split.suffix, callerSuffix)) {
            return {ref: refOf(p), ruleIndex: i, principal, policyTrustDomain: split.trustDomain, callerTrustDomain: caller.trustDomain}
          }
        }
      }
    }
  }
  return undefined
}

export function actionOf(p: KubeObject): string {
  return p.spec?.action ?? 'ALLOW'
}

function describe(p: KubeObject): string {
  return `AuthorizationPolicy ${p.metadata.namespace ?? 'default'}/${p.metadata.name}`
}

// ---------------------------------------------------------------------------------------------

export interface L7Decision {
  verdict: Verdict
  allowed: boolean
  decidedBy: Decider
  /** Effective PeerAuthentication (ztunnel only; waypoints always receive HBONE). */
  mtls?: MtlsDecision
  authz?: AuthzDecision
  notes: string[]
}

/**
 * Full decision at one enforcement point: at ztunnel a plaintext source is first checked
 * against the effective PeerAuthentication of the target port, then authorization runs.
 */
export function evaluateIstio(
  objects: KubeObject[],
  target: PolicyTarget,
  req: AuthzRequest,
  ctx: EvalContext,
): L7Decision {
  let mtls: MtlsDecision | undefined
  if (target.at === 'ztunnel') {
    mtls = effectiveMtls(objects, target, req.port, ctx.rootNamespace ?? MESH_ROOT_NAMESPACE)
    if (!req.sourceIdentity && !mtls.acceptsPlaintext) {
      return {verdict: 'deny', allowed: false, decidedBy: {kind: 'mtls', ref: mtls.ref}, mtls, notes: []}
    }
  }
  const authz = evaluateAuthorization(objects, target, req, ctx)
  return {verdict: authz.verdict, allowed: authz.allowed, decidedBy: authz.decidedBy, mtls, authz, notes: authz.notes}
}
