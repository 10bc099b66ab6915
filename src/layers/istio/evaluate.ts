// Istio AuthorizationPolicy + PeerAuthentication evaluation on plain objects (compiled or
// live), per enforcement point. Order: CUSTOM (waypoint only), then DENY (any matching rule
// denies), then ALLOW (if any ALLOW policy applies, some rule of one of them must match; none
// applying = allow). AUDIT and dry-run never decide. A policy without rules (`spec: {}`) is an
// ALLOW policy that matches nothing (and a DENY without rules matches nothing).
// At ztunnel the policies are first converted as istiod does for ambient (ztunnel.ts); at a
// waypoint they are matched with Envoy RBAC's semantics (match.ts).

import {MESH_ROOT_NAMESPACE} from '../../core/constants.js'
import type {KubeObject, ObjectRef} from '../../core/kube.js'
import {refOf} from '../../core/kube.js'
import {appliesTo, isAuthorizationPolicy, type PolicyTarget, type ZtunnelTarget} from './attachment.js'
import {arr, matchRule, type AuthzRequest, type Tri} from './match.js'
import {attachedAtZtunnel, convertForZtunnel, isDryRun, ztunnelMatches, type ZConnection, type ZtunnelConversion} from './ztunnel.js'
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
  /**
   * A rule of this policy decided (ALLOW matched, DENY matched, or CUSTOM delegated).
   * `ignoredHttp`: a DENY rule ztunnel enforced without these HTTP attributes.
   */
  | {kind: 'policy'; ref: ObjectRef; action: 'ALLOW' | 'DENY' | 'CUSTOM'; ruleIndex?: number; ignoredHttp?: string[]}
  /**
   * ALLOW policies apply but none matched; `ref` is the one to blame: at ztunnel the ALLOW
   * whose HTTP rules were dropped (`droppedHttp`), else a rule-less one, root namespace first.
   */
  | {kind: 'default-deny'; ref: ObjectRef; droppedHttp?: DroppedHttp}
  /** No ALLOW policy applies: Istio allows. */
  | {kind: 'no-policy'}
  /** Plaintext rejected by the effective PeerAuthentication. */
  | {kind: 'mtls'; ref?: ObjectRef}

/** ALLOW rules istiod dropped for ztunnel because they use HTTP attributes. */
export interface DroppedHttp {
  ruleIndexes: number[]
  attributes: string[]
  /** The dropped rule's L4 attributes alone would have admitted this connection. */
  callerMatched: boolean
}

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
  /** ztunnel: attached DENY policies that have no effect once istiod omits their HTTP attributes. */
  ineffectiveDenies?: Array<{ref: ObjectRef; attributes: string[]}>
  notes: string[]
}

export function evaluateAuthorization(
  objects: KubeObject[],
  target: PolicyTarget,
  req: AuthzRequest,
  ctx: EvalContext,
): AuthzDecision {
  return target.at === 'ztunnel' ? evaluateAtZtunnel(objects, target, req, ctx) : evaluateAtWaypoint(objects, target, req, ctx)
}

/**
 * ztunnel: istiod's conversion of every policy (ztunnel.ts), then ztunnel's assert_rbac
 * (src/state.rs): any matching DENY denies; no ALLOW attached ⇒ allow; else some ALLOW must
 * match. Dry-run, CUSTOM, AUDIT and targetRefs policies never reach it.
 */
function evaluateAtZtunnel(objects: KubeObject[], target: ZtunnelTarget, req: AuthzRequest, ctx: EvalContext): AuthzDecision {
  const root = ctx.rootNamespace ?? MESH_ROOT_NAMESPACE
  const notes: string[] = []
  const unknownAttrs = new Set<string>()
  const workload = {namespace: target.namespace, podLabels: target.podLabels}
  const conn: ZConnection = {sourceIdentity: req.sourceIdentity, sourceIp: req.sourceIp, destinationIp: req.destinationIp, destinationPort: req.port}
  const converted = objects.filter(isAuthorizationPolicy).map((p) => ({p, c: convertForZtunnel(p, root)}))
  for (const {p, c} of converted) {
    if (c.sent || c.ignored === 'targetRefs') continue
    // Would it be in scope were it sent? Then say why ztunnel does not enforce it.
    if (!attachedAtZtunnel({...c, sent: true}, p, workload, root)) continue
    if (c.ignored === 'dry-run') notes.push(`${describe(p)} is dry-run (istio.io/dry-run); it never decides`)
    else notes.push(`${describe(p)} has action ${actionOf(p)}, which ztunnel does not enforce (istiod: "${c.status?.message}")`)
  }
  const attached = converted.filter(({p, c}) => attachedAtZtunnel(c, p, workload, root))
  notes.push(...policyNotes(attached.map(({p}) => p)))
  const ineffectiveDenies = attached
    .filter(({c}) => c.action === 'DENY' && c.httpAttributes.length > 0 && !c.effective)
    .map(({p, c}) => ({ref: refOf(p), attributes: c.httpAttributes}))
  const base = {applicable: attached.map(({p}) => refOf(p)), notes, ...(ineffectiveDenies.length > 0 ? {ineffectiveDenies} : {})}
  const done = decider(base, unknownAttrs)
  for (const {p, c} of attached) {
    if (c.omittedFields.length > 0) {
      notes.push(`${describe(p)} uses ${c.omittedFields.join(', ')}, which istiod does not send to ztunnel: a source with nothing else never matches there`)
    }
    if (c.httpAttributes.length === 0) continue
    const attrs = c.httpAttributes.join(', ')
    const istiod = `; istiod status: "${c.status?.message}"`
    if (c.action === 'ALLOW') {
      notes.push(`${describe(p)}: ztunnel dropped rule ${c.droppedRules.map((r) => r.index).join(', ')} (HTTP attributes: ${attrs}); a dropped ALLOW rule allows nothing${istiod}`)
    } else if (!c.effective) {
      notes.push(`${describe(p)} has no effect at ztunnel: without its HTTP attributes (${attrs}) no rule can match${istiod}`)
    } else {
      notes.push(`${describe(p)} is enforced at ztunnel without its HTTP attributes (${attrs}): more restrictive than written${istiod}`)
    }
  }

  let denyUnknown: {p: KubeObject; index: number} | undefined
  for (const {p, c} of attached.filter(({c}) => c.action === 'DENY')) {
    const m = ztunnelMatches(c, conn)
    if (m.match === 'yes') {
      const index = c.groupRule[m.group!]
      const stripped = c.strippedRules.find((r) => r.index === index)
      return done('deny', {kind: 'policy', ref: refOf(p), action: 'DENY', ruleIndex: index, ...(stripped ? {ignoredHttp: stripped.attributes} : {})})
    }
    if (m.match === 'unknown') {
      m.unknown?.forEach((u) => unknownAttrs.add(u))
      if (!denyUnknown) denyUnknown = {p, index: c.groupRule[m.group!]}
    }
  }

  const allows = attached.filter(({c}) => c.action === 'ALLOW')
  let allowUnknown: {p: KubeObject; index: number} | undefined
  for (const {p, c} of allows) {
    const m = ztunnelMatches(c, conn)
    if (m.match === 'yes') {
      if (denyUnknown) return done('unknown', {kind: 'policy', ref: refOf(denyUnknown.p), action: 'DENY', ruleIndex: denyUnknown.index})
      return done('allow', {kind: 'policy', ref: refOf(p), action: 'ALLOW', ruleIndex: c.groupRule[m.group!]})
    }
    if (m.match === 'unknown') {
      m.unknown?.forEach((u) => unknownAttrs.add(u))
      if (!allowUnknown) allowUnknown = {p, index: c.groupRule[m.group!]}
    }
  }
  if (allows.length === 0) {
    if (denyUnknown) return done('unknown', {kind: 'policy', ref: refOf(denyUnknown.p), action: 'DENY', ruleIndex: denyUnknown.index})
    return done('allow', {kind: 'no-policy'})
  }
  if (allowUnknown) return done('unknown', {kind: 'policy', ref: refOf(allowUnknown.p), action: 'ALLOW', ruleIndex: allowUnknown.index})
  const dropped = droppedFor(allows, conn, target.namespace)
  const blame = dropped ? dropped.p : blameFor(allows.map(({p}) => p), root)
  return done(
    'deny',
    {
      kind: 'default-deny',
      ref: refOf(blame),
      ...(dropped ? {droppedHttp: {ruleIndexes: dropped.ruleIndexes, attributes: dropped.attributes, callerMatched: dropped.callerMatched}} : {}),
    },
    {trustDomainMismatch: findMismatch(allows.map(({p}) => p), req)},
  )
}

/**
 * The ALLOW whose HTTP rules ztunnel dropped and whose dropped rule would have admitted this
 * connection on its L4 attributes alone (the policy meant for this caller), preferring one in
 * the workload's own namespace.
 */
function droppedFor(
  allows: Array<{p: KubeObject; c: ZtunnelConversion}>,
  conn: ZConnection,
  workloadNs: string,
): {p: KubeObject; ruleIndexes: number[]; attributes: string[]; callerMatched: boolean} | undefined {
  const candidates = allows
    .filter(({c}) => c.droppedRules.length > 0)
    .map(({p, c}) => {
      const asDeny = convertForZtunnel({...p, spec: {...p.spec, action: 'DENY'}}, '')
      const hits = c.droppedRules.filter((r) => {
        const g = asDeny.groupRule.indexOf(r.index)
        return g >= 0 && ztunnelMatches({groups: [asDeny.groups[g]]}, conn, true).match === 'yes'
      })
      return {p, ruleIndexes: hits.map((r) => r.index), attributes: [...new Set(hits.flatMap((r) => r.attributes))].sort(), callerMatched: true}
    })
    // A dropped rule whose L4 part excludes this caller would not have admitted it anyway.
    .filter((x) => x.ruleIndexes.length > 0)
  const rank = (x: (typeof candidates)[number]) => (x.p.metadata.namespace === workloadNs ? 0 : 1)
  return candidates.sort((a, b) => rank(a) - rank(b))[0]
}

/**
 * Waypoint (Envoy RBAC built by pilot/pkg/security/authz): CUSTOM (ext_authz) first — it can
 * only deny, so when it applies the result is unknown unless DENY/ALLOW deny anyway — then
 * DENY, then ALLOW. AUDIT and dry-run (shadow) policies never decide.
 */
function evaluateAtWaypoint(objects: KubeObject[], target: PolicyTarget, req: AuthzRequest, ctx: EvalContext): AuthzDecision {
  const root = ctx.rootNamespace ?? MESH_ROOT_NAMESPACE
  const notes: string[] = []
  const attached = objects.filter((o) => isAuthorizationPolicy(o) && appliesTo(o, target, root))
  // A dry-run CUSTOM policy still reaches the waypoint's filters: builder.go (multiple CUSTOM
  // providers, #58082) puts a provider's dry-run rules in the RBAC filter's enforced `rules`,
  // with ext_authz triggered on them ("dry-run CUSTOM policies still call ext_authz"). So it is
  // kept as a CUSTOM that may decide; other dry-run policies are shadow rules and never decide.
  const shadowOnly = (p: KubeObject) => isDryRun(p) && actionOf(p) !== 'CUSTOM'
  for (const p of attached.filter(shadowOnly)) notes.push(`${describe(p)} is dry-run (istio.io/dry-run); it never decides`)
  for (const p of attached.filter((x) => isDryRun(x) && !shadowOnly(x))) {
    notes.push(`${describe(p)} is CUSTOM and dry-run: istiod still hands its rules to the external authorizer at the waypoint, so it may decide`)
  }
  const policies = attached.filter((p) => !shadowOnly(p))
  notes.push(...policyNotes(policies))
  const byAction = (a: string) => policies.filter((p) => actionOf(p) === a)
  const unknownAttrs = new Set<string>()
  const mctx = (p: KubeObject) => ({
    trustDomain: ctx.trustDomain,
    trustDomainAliases: ctx.trustDomainAliases ?? [],
    policyNamespace: p.metadata.namespace ?? 'default',
  })
  const base = {applicable: attached.map(refOf), notes}
  const done = decider(base, unknownAttrs)

  for (const p of byAction('AUDIT')) notes.push(`${describe(p)} has action AUDIT; it never decides`)

  let custom: {p: KubeObject; index?: number; match: Tri} | undefined
  for (const p of byAction('CUSTOM')) {
    const hit = firstMatch(p, 'CUSTOM', req, mctx(p), unknownAttrs, notes)
    if (hit.match !== 'no' && (!custom || (custom.match === 'unknown' && hit.match === 'yes'))) custom = {p, index: hit.index, match: hit.match}
  }
  if (custom) {
    notes.push(`${describe(custom.p)} delegates to external authorizer ${custom.p.spec?.provider?.name ?? '(unnamed)'}; its answer is unknown to the CLI`)
  }
  const customDecider = (): Decider => ({kind: 'policy', ref: refOf(custom!.p), action: 'CUSTOM', ruleIndex: custom!.index})

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
      if (custom) return done('unknown', customDecider())
      if (denyUnknown) return done('unknown', {kind: 'policy', ref: refOf(denyUnknown.p), action: 'DENY', ruleIndex: denyUnknown.index})
      return done('allow', {kind: 'policy', ref: refOf(p), action: 'ALLOW', ruleIndex: hit.index})
    }
    if (hit.match === 'unknown' && !allowUnknown) allowUnknown = {p, index: hit.index!}
  }
  if (allows.length === 0) {
    if (custom) return done('unknown', customDecider())
    if (denyUnknown) return done('unknown', {kind: 'policy', ref: refOf(denyUnknown.p), action: 'DENY', ruleIndex: denyUnknown.index})
    return done('allow', {kind: 'no-policy'})
  }
  if (allowUnknown) return done('unknown', custom ? customDecider() : {kind: 'policy', ref: refOf(allowUnknown.p), action: 'ALLOW', ruleIndex: allowUnknown.index})
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
    const where = `AuthorizationPolicy ${p.metadata.namespace ?? 'default'}/${p.metadata.name} rule ${i}`
    if (r.skipped) notes.push(`${where} is left out of the waypoint's RBAC by istiod (${r.skipped}); it matches nothing`)
    if (r.ignoredValues) notes.push(`${where}: istiod ignores ${r.ignoredValues.join(', ')} (it cannot generate them); the ${action} rule matches more widely`)
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
          if (principal.startsWith('spiffe://')) continue // never matches anywhere: see spiffePrefixNotes
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

/** What the CLI cannot settle about attached policies, said next to the verdict. */
function policyNotes(policies: KubeObject[]): string[] {
  return [...revisionNotes(policies), ...spiffePrefixNotes(policies)]
}

/**
 * Principals are written without `spiffe://`: the waypoint matches `spiffe://` + value
 * (generator.go srcPrincipalGenerator) and ztunnel strips `spiffe://` from the peer before
 * comparing (rbac.rs matches_principal), so a principal that carries the prefix never matches.
 */
function spiffePrefixNotes(policies: KubeObject[]): string[] {
  const notes: string[] = []
  for (const p of policies) {
    arr(p.spec?.rules).forEach((rule: any, i: number) => {
      const values = [
        ...arr(rule?.from).flatMap((f: any) => [...arr(f?.source?.principals), ...arr(f?.source?.notPrincipals)]),
        ...arr(rule?.when).filter((w: any) => w?.key === 'source.principal').flatMap((w: any) => [...arr(w?.values), ...arr(w?.notValues)]),
      ].map(String)
      for (const v of values.filter((x) => x.startsWith('spiffe://'))) {
        notes.push(`${describe(p)} rule ${i}: principal ${v} starts with spiffe://; Istio compares principals without that prefix, so it never matches any peer`)
      }
    })
  }
  return notes
}

/**
 * istiod reads a config object labelled `istio.io/rev` only when the label names its own
 * revision (pkg/config/model.go LabelsInRevision; ambientindex_test.go
 * TestAuthorizationPolicyRevisionFiltering). The CLI does not know istiod's revision, so it
 * evaluates the policy and says that it may be ignored.
 */
function revisionNotes(policies: KubeObject[]): string[] {
  return policies
    .filter((p) => p.metadata.labels?.['istio.io/rev'] !== undefined)
    .map((p) => `${describe(p)} is labelled istio.io/rev=${p.metadata.labels!['istio.io/rev']}: only an istiod of that revision applies it`)
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

/** Builds a decision on what every decision of one evaluation shares (applicable policies, notes). */
function decider(base: Pick<AuthzDecision, 'applicable' | 'notes' | 'ineffectiveDenies'>, unknownAttrs: Set<string>) {
  return (verdict: Verdict, decidedBy: Decider, extra: Partial<AuthzDecision> = {}): AuthzDecision => ({
    verdict,
    allowed: verdict === 'allow',
    decidedBy,
    unknownAttributes: verdict === 'unknown' ? [...unknownAttrs] : [],
    ...base,
    ...extra,
  })
}
