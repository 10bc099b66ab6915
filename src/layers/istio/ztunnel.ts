// What ztunnel enforces for an AuthorizationPolicy, in two steps that mirror the engines:
//
// 1. `convertForZtunnel` — istiod's ambient conversion (istio/istio
//    pilot/pkg/serviceregistry/ambient/authorization.go, convertAuthorizationPolicy/handleRule):
//    targetRefs policies are not for ztunnel; CUSTOM/AUDIT are unsupported (status message);
//    dry-run policies never enforce; every rule becomes a group of clauses (`to`, `from`, one
//    per `when`), each clause a list of L4 matches. HTTP attributes are left out of the
//    matches: an ALLOW rule that had any is dropped entirely, a DENY rule keeps its (possibly
//    empty) matches. Ports that are not numbers and unparsable IPs are left out too.
//    The status message is istiod's, word for word (TestConvertAuthorizationPolicyStatus).
// 2. `ztunnelMatches` — ztunnel's src/rbac.rs `Authorization::matches`: no groups ⇒ no match;
//    a group with no clauses ⇒ match; a clause with no matches ⇒ match; an empty match is
//    skipped (never matches); inside a match every field must hold (positive: any value,
//    negative: no value). Three-valued where the CLI does not know an input (source or
//    destination IP).

import {arr} from './match.js'
import {ipMatch, validIpOrCidr} from './strings.js'
import {parseIdentity} from './principals.js'

export type Tri = 'yes' | 'no' | 'unknown'

/** ztunnel's StringMatch, from istiod's stringToMatch: `*` presence, `*x` suffix, `x*` prefix. */
export type ZStringMatch = {presence: true} | {prefix: string} | {suffix: string} | {exact: string}

export interface ZMatch {
  namespaces: ZStringMatch[]
  notNamespaces: ZStringMatch[]
  serviceAccounts: Array<{namespace: string; serviceAccount: string}>
  notServiceAccounts: Array<{namespace: string; serviceAccount: string}>
  principals: ZStringMatch[]
  notPrincipals: ZStringMatch[]
  sourceIps: string[]
  notSourceIps: string[]
  destinationIps: string[]
  notDestinationIps: string[]
  destinationPorts: number[]
  notDestinationPorts: number[]
}

/** rules → clauses (AND) → matches (OR). */
export type ZGroup = ZMatch[][]

export type ZScope = 'global' | 'namespace' | 'workload'

export interface ZtunnelConversion {
  /** istiod sends the policy to ztunnel (false: targetRefs, CUSTOM/AUDIT, dry-run). */
  sent: boolean
  /** Why it is not sent. */
  ignored?: 'targetRefs' | 'unsupported-action' | 'dry-run'
  scope: ZScope
  action: 'ALLOW' | 'DENY'
  /** One group per rule that survived (ALLOW rules with HTTP attributes do not). */
  groups: ZGroup[]
  /** For each group, the index of the policy rule it came from. */
  groupRule: number[]
  /** HTTP attributes found, sorted (istiod's `found:` list). */
  httpAttributes: string[]
  /** ALLOW rules dropped because they use HTTP attributes (with the attributes per rule). */
  droppedRules: Array<{index: number; attributes: string[]}>
  /** DENY rules that lost HTTP attributes (with the attributes per rule). */
  strippedRules: Array<{index: number; attributes: string[]}>
  /** Source fields istiod has no ztunnel field for and omits without a status (trustDomains). */
  omittedFields: string[]
  /** istiod's hasEffectiveRules: some group can ever match at ztunnel. */
  effective: boolean
  /** istiod's status condition message on the policy, if any. */
  status?: {reason: 'UnsupportedValue'; message: string}
}

export const L4_WHEN_KEYS = new Set(['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port'])
export const HTTP_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths']
export const HTTP_SOURCE_FIELDS = ['remoteIpBlocks', 'notRemoteIpBlocks', 'requestPrincipals', 'notRequestPrincipals']

const DRY_RUN_ANNOTATION = 'istio.io/dry-run'

const HTTP_RULE_FMT = (found: string, boilerplate: string) =>
  `ztunnel does not support HTTP attributes (found: ${found}). In ambient mode you must use a waypoint proxy to enforce HTTP rules. ${boilerplate}`
const DENY_NO_EFFECT =
  'After omitting unsupported HTTP attributes, this DENY policy has no enforceable rules at ztunnel and will have no effect. Deploy a waypoint proxy and use a targetRef to enforce this policy.'
const DENY_MIXED = 'DENY policy with HTTP attributes is enforced without the HTTP rules. This will be more restrictive than requested.'
const ALLOW_DROPPED = 'Within an ALLOW policy, rules matching HTTP attributes are omitted. This will be more restrictive than requested.'

export function targetRefsOfSpec(spec: any): any[] {
  const refs = arr(spec?.targetRefs)
  return refs.length > 0 ? refs : spec?.targetRef ? [spec.targetRef] : []
}

/** `istio.io/dry-run: "true"` (Go's ParseBool forms). */
export function isDryRun(policy: {metadata?: {annotations?: Record<string, string>}}): boolean {
  const v = policy.metadata?.annotations?.[DRY_RUN_ANNOTATION]
  return v !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)
}

/**
 * istiod's conversion of one AuthorizationPolicy for ztunnel. `wdsDryRun` is istiod's
 * AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY (default off): either way a dry-run policy never
 * decides, so the CLI treats both as "not enforced".
 */
export function convertForZtunnel(policy: {metadata: {namespace?: string; annotations?: Record<string, string>}; spec?: any}, rootNamespace: string, wdsDryRun = false): ZtunnelConversion {
  const spec = policy.spec ?? {}
  const ns = policy.metadata.namespace ?? 'default'
  const base = {groups: [], groupRule: [], httpAttributes: [], droppedRules: [], strippedRules: [], omittedFields: [], effective: false}
  const scope: ZScope = spec.selector == null ? (ns === rootNamespace ? 'global' : 'namespace') : 'workload'
  const rawAction = String(spec.action ?? 'ALLOW')
  const action = rawAction === 'DENY' ? 'DENY' : 'ALLOW'
  if (isDryRun(policy) && !wdsDryRun) {
    const message = `found policy "${ns}/${(policy.metadata as any).name}" using dry-run annotation, but support for ambient dry-run authorizationPolicies isn't enabled`
    return {...base, sent: false, ignored: 'dry-run', scope, action, status: {reason: 'UnsupportedValue', message}}
  }
  if (targetRefsOfSpec(spec).length > 0) return {...base, sent: false, ignored: 'targetRefs', scope, action}
  if (rawAction !== 'ALLOW' && rawAction !== 'DENY') {
    return {...base, sent: false, ignored: 'unsupported-action', scope, action, status: {reason: 'UnsupportedValue', message: `ztunnel does not support the ${rawAction} action`}}
  }
  if (isDryRun(policy)) return {...base, sent: false, ignored: 'dry-run', scope, action}

  const groups: ZGroup[] = []
  const groupRule: number[] = []
  const found = new Set<string>()
  const omitted = new Set<string>()
  const droppedRules: ZtunnelConversion['droppedRules'] = []
  const strippedRules: ZtunnelConversion['strippedRules'] = []
  arr(spec.rules).forEach((rule: any, index: number) => {
    for (const f of arr(rule?.from)) for (const x of ['trustDomains', 'notTrustDomains']) if (arr(f?.source?.[x]).length > 0) omitted.add(x)
    const {clauses, http} = convertRule(rule, ns)
    http.forEach((h) => found.add(h))
    if (http.length > 0 && action === 'ALLOW') {
      droppedRules.push({index, attributes: http})
      return
    }
    if (http.length > 0) strippedRules.push({index, attributes: http})
    groups.push(clauses)
    groupRule.push(index)
  })
  const effective = hasEffectiveRules(groups)
  const httpAttributes = [...found].sort()
  let status: ZtunnelConversion['status']
  if (httpAttributes.length > 0) {
    const boilerplate = action === 'DENY' ? (effective ? DENY_MIXED : DENY_NO_EFFECT) : ALLOW_DROPPED
    status = {reason: 'UnsupportedValue', message: HTTP_RULE_FMT(httpAttributes.join(', '), boilerplate)}
  }
  return {sent: true, scope, action, groups, groupRule, httpAttributes, droppedRules, strippedRules, omittedFields: [...omitted].sort(), effective, status}
}

/**
 * The shape of istiod's `convertAuthorizationPolicy(rootns, obj)`: the policy ztunnel receives
 * (undefined when it receives none) and the status message istiod writes on the object.
 */
export function convertAuthorizationPolicy(
  rootNamespace: string,
  policy: Parameters<typeof convertForZtunnel>[0],
): {authorization?: ZtunnelConversion; status?: ZtunnelConversion['status']} {
  const c = convertForZtunnel(policy, rootNamespace)
  return {authorization: c.sent ? c : undefined, status: c.status}
}

export function emptyMatch(): ZMatch {
  return {
    namespaces: [],
    notNamespaces: [],
    serviceAccounts: [],
    notServiceAccounts: [],
    principals: [],
    notPrincipals: [],
    sourceIps: [],
    notSourceIps: [],
    destinationIps: [],
    notDestinationIps: [],
    destinationPorts: [],
    notDestinationPorts: [],
  }
}

/** One policy rule → its clauses (`to`, then `from`, then one per `when`) and HTTP attributes. */
function convertRule(rule: any, ruleNamespace: string): {clauses: ZGroup; http: string[]} {
  const http = new Set<string>()
  const clauses: ZGroup = []
  const to = arr(rule?.to).map((t: any) => {
    const op = t?.operation ?? {}
    for (const f of HTTP_OPERATION_FIELDS) if (arr(op[f]).length > 0) http.add(f)
    return {...emptyMatch(), destinationPorts: ports(op.ports), notDestinationPorts: ports(op.notPorts)}
  })
  const from = arr(rule?.from).map((f: any) => {
    const src = f?.source ?? {}
    for (const x of HTTP_SOURCE_FIELDS) if (arr(src[x]).length > 0) http.add(x)
    // `trustDomains` has no ztunnel field and is not flagged by istiod: it is silently omitted.
    return {
      ...emptyMatch(),
      sourceIps: ips(src.ipBlocks),
      notSourceIps: ips(src.notIpBlocks),
      namespaces: strings(src.namespaces),
      notNamespaces: strings(src.notNamespaces),
      serviceAccounts: serviceAccounts(src.serviceAccounts, ruleNamespace),
      notServiceAccounts: serviceAccounts(src.notServiceAccounts, ruleNamespace),
      principals: strings(src.principals),
      notPrincipals: strings(src.notPrincipals),
    }
  })
  if (to.length > 0) clauses.push(to)
  if (from.length > 0) clauses.push(from)
  for (const w of arr(rule?.when)) {
    const key = String(w?.key ?? '')
    if (!L4_WHEN_KEYS.has(key)) http.add(key)
    const values = arr(w?.values).map(String)
    const notValues = arr(w?.notValues).map(String)
    const m = emptyMatch()
    if (key === 'source.namespace') [m.namespaces, m.notNamespaces] = [strings(values), strings(notValues)]
    if (key === 'source.principal') [m.principals, m.notPrincipals] = [strings(values), strings(notValues)]
    if (key === 'source.ip') [m.sourceIps, m.notSourceIps] = [ips(values), ips(notValues)]
    if (key === 'destination.port') [m.destinationPorts, m.notDestinationPorts] = [ports(values), ports(notValues)]
    if (key === 'destination.ip') [m.destinationIps, m.notDestinationIps] = [ips(values), ips(notValues)]
    clauses.push([m])
  }
  return {clauses, http: [...http]}
}

function strings(values: unknown): ZStringMatch[] {
  return arr(values).map((raw) => {
    const v = String(raw)
    if (v === '*') return {presence: true as const}
    if (v.startsWith('*')) return {suffix: v.slice(1)}
    if (v.endsWith('*')) return {prefix: v.slice(0, -1)}
    return {exact: v}
  })
}

function ports(values: unknown): number[] {
  return arr(values)
    .map(String)
    .filter((v) => /^\d+$/.test(v) && Number(v) <= 65535)
    .map(Number)
}

function ips(values: unknown): string[] {
  return arr(values)
    .map(String)
    .filter((v) => v.length > 0 && validIpOrCidr(v))
}

function serviceAccounts(values: unknown, ruleNamespace: string): ZMatch['serviceAccounts'] {
  return arr(values).map((raw) => {
    const v = String(raw)
    const i = v.indexOf('/')
    return i >= 0 ? {namespace: v.slice(0, i), serviceAccount: v.slice(i + 1)} : {namespace: ruleNamespace, serviceAccount: v}
  })
}

export function isMatchEmpty(m: ZMatch): boolean {
  return Object.values(m).every((v) => (v as unknown[]).length === 0)
}

/** istiod's hasEffectiveRules: a group with no clauses matches all; a clause of only empty matches never. */
export function hasEffectiveRules(groups: ZGroup[]): boolean {
  return groups.some((g) => g.length === 0 || g.every((clause) => clause.some((m) => !isMatchEmpty(m))))
}

// ---------------------------------------------------------------------------------------------
// ztunnel's evaluation (src/rbac.rs)

export interface ZConnection {
  /** `spiffe://td/ns/x/sa/y`, or the principal form; undefined = plaintext. */
  sourceIdentity?: string
  sourceIp?: string
  destinationIp?: string
  /** The target (pod) port: ztunnel sees traffic after HBONE decapsulation. */
  destinationPort: number
}

function and(values: Tri[]): Tri {
  if (values.includes('no')) return 'no'
  return values.includes('unknown') ? 'unknown' : 'yes'
}

function or(values: Tri[]): Tri {
  if (values.includes('yes')) return 'yes'
  return values.includes('unknown') ? 'unknown' : 'no'
}

function field<T>(positive: T[], negative: T[], test: (v: T) => Tri): Tri {
  const pm: Tri = positive.length === 0 ? 'yes' : or(positive.map(test))
  const anyNeg: Tri = negative.length === 0 ? 'no' : or(negative.map(test))
  const nm: Tri = anyNeg === 'yes' ? 'no' : anyNeg === 'no' ? 'yes' : 'unknown'
  return and([pm, nm])
}

export function stringMatches(m: ZStringMatch, check: string): boolean {
  if ('presence' in m) return check.length > 0
  if ('prefix' in m) return check.startsWith(m.prefix)
  if ('suffix' in m) return check.endsWith(m.suffix)
  return m.exact === check
}

export function matchMatches(m: ZMatch, conn: ZConnection, unknown?: Set<string>): Tri {
  const spiffe = conn.sourceIdentity ? (conn.sourceIdentity.startsWith('spiffe://') ? conn.sourceIdentity : `spiffe://${conn.sourceIdentity}`) : ''
  const identity = conn.sourceIdentity ? parseIdentity(conn.sourceIdentity) : undefined
  const ns = identity?.namespace ?? ''
  const ip = (value: string | undefined, name: string) => (block: string): Tri => {
    if (value !== undefined) return ipMatch(block, value) ? 'yes' : 'no'
    unknown?.add(name)
    return 'unknown'
  }
  const yn = (b: boolean): Tri => (b ? 'yes' : 'no')
  return and([
    field(m.destinationIps, m.notDestinationIps, ip(conn.destinationIp, 'destination.ip')),
    field(m.sourceIps, m.notSourceIps, ip(conn.sourceIp, 'source.ip')),
    field(m.destinationPorts, m.notDestinationPorts, (p) => yn(p === conn.destinationPort)),
    field(m.serviceAccounts, m.notServiceAccounts, (sa) => yn(!!identity && identity.namespace === sa.namespace && identity.serviceAccount === sa.serviceAccount)),
    // Principals are compared against the identity with `spiffe://` stripped; none ⇒ no match.
    field(m.principals, m.notPrincipals, (p) => yn(spiffe.startsWith('spiffe://') && stringMatches(p, spiffe.slice('spiffe://'.length)))),
    field(m.namespaces, m.notNamespaces, (p) => yn(stringMatches(p, ns))),
  ])
}

/**
 * Which group (by position) matches, or the overall three-valued result. `emptyMatchesAll`
 * is not ztunnel's behaviour: it asks "would the rule's L4 part admit this connection if its
 * HTTP part did" (to name the ALLOW whose HTTP rule was meant for this caller).
 */
export function ztunnelMatches(
  conv: Pick<ZtunnelConversion, 'groups'>,
  conn: ZConnection,
  emptyMatchesAll = false,
): {match: Tri; group?: number; unknown?: string[]} {
  let firstUnknown: number | undefined
  const unknown = new Set<string>()
  for (let g = 0; g < conv.groups.length; g++) {
    const clauses = conv.groups[g]
    const result = and(
      clauses.map((clause) =>
        clause.length === 0 || (emptyMatchesAll && clause.every(isMatchEmpty))
          ? 'yes'
          : or(clause.map((m) => (isMatchEmpty(m) ? 'no' : matchMatches(m, conn, unknown)))),
      ),
    )
    if (result === 'yes') return {match: 'yes', group: g}
    if (result === 'unknown' && firstUnknown === undefined) firstUnknown = g
  }
  return firstUnknown === undefined ? {match: 'no'} : {match: 'unknown', group: firstUnknown, unknown: [...unknown]}
}

/** ztunnel's attachment: global everywhere, namespace in its namespace, selector policies by labels. */
export function attachedAtZtunnel(
  conv: ZtunnelConversion,
  policy: {metadata: {namespace?: string}; spec?: any},
  workload: {namespace: string; podLabels: Record<string, string>},
  rootNamespace: string,
): boolean {
  if (!conv.sent) return false
  const ns = policy.metadata.namespace ?? 'default'
  if (conv.scope === 'global') return true
  if (conv.scope === 'namespace') return ns === workload.namespace
  if (ns !== rootNamespace && ns !== workload.namespace) return false
  // `selector: {}` without matchLabels: istiod sends it with workload scope but no labels, so
  // it is attached to no workload (workloads.go: GetLabelSelector() != nil).
  const labels = policy.spec?.selector?.matchLabels
  if (labels == null || typeof labels !== 'object') return false
  return Object.entries(labels).every(([k, v]) => workload.podLabels[k] === v)
}
