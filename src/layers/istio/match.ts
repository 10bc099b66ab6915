// Matching one AuthorizationPolicy rule against one request, with Istio's semantics:
// from (sources OR'ed) AND to (operations OR'ed) AND every `when`; inside a source or an
// operation every set field must match (values OR'ed, `not*` values must all miss).
//
// Three-valued: a field whose input the CLI does not know (a JWT, the source IP, a method
// when none was given) is `unknown`, never silently true or false ("unknown is not allowed").
//
// This is the waypoint's (Envoy RBAC's) view, as pilot/pkg/security/authz builds it. What
// ztunnel enforces is different (istiod converts the policy first): see ztunnel.ts.

import {parseIdentity, principalMatches, expandTrustDomains} from './principals.js'
import {envoyRequestPath, ipMatch, istioPathMatch, istioStringMatch, validIpOrCidr} from './strings.js'

export type Tri = 'yes' | 'no' | 'unknown'

export type EnforcementPoint = 'ztunnel' | 'waypoint'

export interface AuthzRequest {
  at: EnforcementPoint
  /** Peer identity (`spiffe://td/ns/x/sa/y` or principal form); undefined = plaintext. */
  sourceIdentity?: string
  sourceIp?: string
  destinationIp?: string
  /** Target port at ztunnel, Service port at the waypoint. */
  port: number
  method?: string
  path?: string
  host?: string
  /**
   * Waypoint only: `tcp` when the Service port is declared non-HTTP (tcp/tls/https/mongo/…),
   * so the waypoint's RBAC is built for TCP (builder.go BuildTCP, forTCP); undefined = HTTP or
   * sniffed.
   */
  protocol?: 'tcp'
}

export interface MatchContext {
  trustDomain: string
  trustDomainAliases: string[]
  /** Namespace of the policy (serviceAccounts without a namespace refer to it). */
  policyNamespace: string
}

export interface RuleMatch {
  match: Tri
  /** Attributes whose value was not known (when match is unknown). */
  unknown: string[]
  /** HTTP-only attributes ztunnel could not evaluate. */
  httpAttributes: string[]
  /** Why istiod left this rule out of the waypoint's RBAC (the rule then matches nothing). */
  skipped?: string
  /** Values istiod could not convert and left out of this DENY/CUSTOM rule (wider match). */
  ignoredValues?: string[]
}

export function and(values: Tri[]): Tri {
  if (values.includes('no')) return 'no'
  return values.includes('unknown') ? 'unknown' : 'yes'
}

export function or(values: Tri[]): Tri {
  if (values.includes('yes')) return 'yes'
  return values.includes('unknown') ? 'unknown' : 'no'
}

function not(v: Tri): Tri {
  return v === 'yes' ? 'no' : v === 'no' ? 'yes' : 'unknown'
}

export function matchRule(rule: any, action: string, req: AuthzRequest, ctx: MatchContext): RuleMatch {
  const httpAttributes: string[] = []
  const checked = checkRule(rule, action, req.at === 'waypoint' && req.protocol === 'tcp')
  if (checked.skipped) return {match: 'no', unknown: [], httpAttributes, skipped: checked.skipped}
  rule = checked.rule
  const unknown = new Set<string>()
  const ev = new Evaluator(req, ctx, unknown)
  const from = arr(rule?.from)
  const to = arr(rule?.to)
  const parts: Tri[] = [
    from.length === 0 ? 'yes' : or(from.map((f) => ev.source(f?.source ?? {}))),
    to.length === 0 ? 'yes' : or(to.map((t) => ev.operation(t?.operation ?? {}))),
    ...arr(rule?.when).map((w) => ev.condition(w)),
  ]
  const match = and(parts)
  return {
    match,
    unknown: match === 'unknown' ? [...unknown] : [],
    httpAttributes,
    ...(checked.ignored.length > 0 ? {ignoredValues: checked.ignored} : {}),
  }
}

/** `when` keys pilot/pkg/security/authz/model/model.go New() knows; any other key is an error. */
const ENVOY_WHEN_KEYS = new Set([
  'destination.ip',
  'destination.port',
  'connection.sni',
  'source.ip',
  'remote.ip',
  'source.namespace',
  'source.trustDomain',
  'source.serviceAccount',
  'source.principal',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
])
const ENVOY_WHEN_PREFIXES = ['experimental.envoy.filters.', 'request.headers', 'request.auth.claims']

const validPort = (v: string) => /^\d+$/.test(v) && Number(v) <= 65535 // convertToPort
const IP_SOURCE_FIELDS = ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']
const IP_WHEN_KEYS = new Set(['source.ip', 'remote.ip', 'destination.ip'])

const HTTP_ONLY_OPERATION = ['paths', 'notPaths', 'methods', 'notMethods', 'hosts', 'notHosts']
const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals']
const isHttpOnlyWhen = (key: string) => key.startsWith('request.')

/**
 * On a TCP filter chain (forTCP) the generators of HTTP-only attributes fail (generator.go "is
 * HTTP only"): methods, paths, hosts, request principals, request.* conditions. Returns the rule
 * without them and what was found.
 */
function httpOnlyForTCP(rule: any): {rule: any; found: string[]} {
  const found = new Set<string>()
  const strip = (obj: any, fields: string[]) => {
    const out = {...(obj ?? {})}
    for (const f of fields) {
      if (arr(out[f]).length > 0) found.add(f)
      delete out[f]
    }
    return out
  }
  const to = arr(rule?.to).map((t: any) => ({...t, operation: strip(t?.operation, HTTP_ONLY_OPERATION)}))
  const from = arr(rule?.from).map((f: any) => ({...f, source: strip(f?.source, HTTP_ONLY_SOURCE)}))
  const when = arr(rule?.when).filter((w: any) => {
    const key = String(w?.key ?? '')
    if (isHttpOnlyWhen(key)) found.add(key)
    return !isHttpOnlyWhen(key)
  })
  return {rule: {...rule, ...(rule?.to ? {to} : {}), ...(rule?.from ? {from} : {}), ...(rule?.when ? {when} : {})}, found: [...found]}
}

/**
 * What the waypoint's builder (pilot/pkg/security/authz/builder/builder.go build) makes of one
 * rule before Envoy sees it: an unknown `when` key fails authzmodel.New and the rule is skipped
 * whatever the action; a value that does not convert (a port that is not a number, an address
 * that is not an IP/CIDR) fails Generate for an ALLOW rule, which is skipped ("a smaller allow
 * policy"), while DENY/CUSTOM/AUDIT drop just that value (rule.checkError: "a wider deny").
 */
function checkRule(rule: any, action: string, forTCP: boolean): {rule: any; skipped?: string; ignored: string[]} {
  const ignored: string[] = []
  for (const w of arr(rule?.when)) {
    const key = String(w?.key ?? '')
    if (!ENVOY_WHEN_KEYS.has(key) && !ENVOY_WHEN_PREFIXES.some((p) => key.startsWith(p))) {
      return {rule, skipped: `unknown attribute ${key}`, ignored}
    }
  }
  if (forTCP) {
    const tcp = httpOnlyForTCP(rule)
    if (tcp.found.length > 0) {
      if (action === 'ALLOW') return {rule, skipped: `HTTP-only ${tcp.found.join(', ')} on a TCP port`, ignored}
      ignored.push(...tcp.found.map((f) => `${f} (HTTP-only, TCP port)`))
      rule = tcp.rule
    }
  }
  const keep = (field: string, values: unknown, valid: (v: string) => boolean): string[] | undefined => {
    if (!Array.isArray(values)) return undefined
    const good = values.map(String).filter((v) => {
      if (valid(v)) return true
      ignored.push(`${field} ${JSON.stringify(v)}`)
      return false
    })
    return good
  }
  const to = arr(rule?.to).map((t: any) => {
    const op = {...(t?.operation ?? {})}
    for (const f of ['ports', 'notPorts']) if (op[f] !== undefined) op[f] = keep(f, op[f], validPort)
    return {...t, operation: op}
  })
  const from = arr(rule?.from).map((f: any) => {
    const src = {...(f?.source ?? {})}
    for (const x of IP_SOURCE_FIELDS) if (src[x] !== undefined) src[x] = keep(x, src[x], validIpOrCidr)
    return {...f, source: src}
  })
  const when = arr(rule?.when).map((w: any) => {
    const key = String(w?.key ?? '')
    const valid = key === 'destination.port' ? validPort : IP_WHEN_KEYS.has(key) ? validIpOrCidr : undefined
    if (!valid) return w
    return {...w, values: keep(key, w?.values, valid), notValues: keep(key, w?.notValues, valid)}
  })
  if (ignored.length > 0 && action === 'ALLOW') return {rule, skipped: `invalid value ${ignored.join(', ')}`, ignored}
  if (ignored.length === 0) return {rule, ignored}
  return {rule: {...rule, ...(rule?.to ? {to} : {}), ...(rule?.from ? {from} : {}), ...(rule?.when ? {when} : {})}, ignored}
}

class Evaluator {
  private readonly identity
  constructor(
    private readonly req: AuthzRequest,
    private readonly ctx: MatchContext,
    private readonly unknown: Set<string>,
  ) {
    this.identity = req.sourceIdentity ? parseIdentity(req.sourceIdentity) : undefined
  }

  private get principal(): string | undefined {
    if (!this.req.sourceIdentity) return undefined
    const s = this.req.sourceIdentity
    return s.startsWith('spiffe://') ? s.slice('spiffe://'.length) : s
  }

  /** Positive field: any value matches. Negative field: no value matches. Absent: yes. */
  private field(obj: any, name: string, test: (v: string) => Tri): Tri {
    const values = arr(obj?.[name]).map(String)
    if (values.length === 0) return 'yes'
    const any = or(values.map(test))
    if (any === 'unknown') this.unknown.add(name)
    return name.startsWith('not') ? not(any) : any
  }

  private readonly principalTest = (p: string): Tri => {
    const principal = this.principal
    if (!principal) return 'no'
    const patterns = this.req.at === 'waypoint' ? expandTrustDomains(p, this.ctx.trustDomain, this.ctx.trustDomainAliases) : [p]
    return patterns.some((x) => principalMatches(x, principal)) ? 'yes' : 'no'
  }

  private readonly saTest = (v: string): Tri => {
    const id = this.identity
    if (!id) return 'no'
    const [ns, sa] = v.includes('/') ? v.split('/', 2) : [this.ctx.policyNamespace, v]
    return id.namespace === ns && id.serviceAccount === sa ? 'yes' : 'no'
  }

  /** trustDomains naming the mesh's trust domain or an alias accept all of them (ExpandTrustDomainAliases). */
  private readonly tdTest = (t: string): Tri => {
    const id = this.identity
    const bundle = [this.ctx.trustDomain, ...this.ctx.trustDomainAliases]
    return id && (bundle.includes(t) ? bundle : [t]).some((x) => envoyTrustDomainMatch(x, id.trustDomain)) ? 'yes' : 'no'
  }

  source(src: any): Tri {
    const principal = this.principal
    const principalTest = this.principalTest
    const saTest = this.saTest
    const tdTest = this.tdTest
    const nsTest = (n: string): Tri => (principal && envoyNamespaceMatch(n, principal) ? 'yes' : 'no')
    const ipTest = (b: string): Tri => (this.req.sourceIp === undefined ? 'unknown' : ipMatch(b, this.req.sourceIp) ? 'yes' : 'no')
    // The CLI never knows the request's JWT: request principals are a property of the request.
    const jwtTest = (): Tri => 'unknown'
    return and([
      this.field(src, 'principals', principalTest),
      this.field(src, 'notPrincipals', principalTest),
      this.field(src, 'namespaces', nsTest),
      this.field(src, 'notNamespaces', nsTest),
      this.field(src, 'serviceAccounts', saTest),
      this.field(src, 'notServiceAccounts', saTest),
      this.field(src, 'trustDomains', tdTest),
      this.field(src, 'notTrustDomains', tdTest),
      this.field(src, 'ipBlocks', ipTest),
      this.field(src, 'notIpBlocks', ipTest),
      this.field(src, 'remoteIpBlocks', ipTest),
      this.field(src, 'notRemoteIpBlocks', ipTest),
      this.field(src, 'requestPrincipals', jwtTest),
      this.field(src, 'notRequestPrincipals', jwtTest),
    ])
  }

  operation(op: any): Tri {
    // convertToPort parses the value as a number ("080" is port 80).
    const portTest = (p: string): Tri => (Number(p) === this.req.port ? 'yes' : 'no')
    const known = (value: string | undefined, test: (v: string) => boolean) => (p: string): Tri =>
      value === undefined ? 'unknown' : test(p) ? 'yes' : 'no'
    const method = this.req.method
    const path = this.req.path === undefined ? undefined : envoyRequestPath(this.req.path)
    const host = this.req.host?.toLowerCase()
    const methodTest = known(method, (p) => istioStringMatch(p, method!))
    const pathTest = known(path, (p) => istioPathMatch(p, path!))
    const hostTest = known(host, (p) => istioStringMatch(p.toLowerCase(), host!))
    return and([
      this.field(op, 'ports', portTest),
      this.field(op, 'notPorts', portTest),
      this.field(op, 'methods', methodTest),
      this.field(op, 'notMethods', methodTest),
      this.field(op, 'paths', pathTest),
      this.field(op, 'notPaths', pathTest),
      this.field(op, 'hosts', hostTest),
      this.field(op, 'notHosts', hostTest),
    ])
  }

  condition(w: any): Tri {
    const key = String(w?.key ?? '')
    const value = this.attribute(key)
    const test = (v: string): Tri => {
      if (value === null) return 'unknown'
      if (value === undefined) return 'no'
      if (key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') return ipMatch(v, value) ? 'yes' : 'no'
      if (key === 'source.namespace') return this.principal && envoyNamespaceMatch(v, this.principal) ? 'yes' : 'no'
      if (key === 'destination.port') return Number(v) === this.req.port ? 'yes' : 'no'
      // Same generators as the `from` fields (model.go New), so the same trust-domain handling.
      if (key === 'source.principal') return this.principalTest(v)
      if (key === 'source.serviceAccount') return this.saTest(v)
      if (key === 'source.trustDomain') return this.tdTest(v)
      return istioStringMatch(v, value) ? 'yes' : 'no'
    }
    const values = arr(w?.values).map(String)
    const notValues = arr(w?.notValues).map(String)
    const parts: Tri[] = []
    if (values.length > 0) parts.push(or(values.map(test)))
    if (notValues.length > 0) parts.push(not(or(notValues.map(test))))
    const result = and(parts)
    if (result === 'unknown') this.unknown.add(key)
    return result
  }

  /** undefined = attribute absent; null = present but unknown to the CLI. */
  private attribute(key: string): string | undefined | null {
    switch (key) {
      case 'source.principal':
        return this.principal
      case 'source.namespace':
      case 'source.serviceAccount':
      case 'source.trustDomain':
        // Peer-identity attributes: absent for a peer without an identity.
        return this.identity ? this.principal : undefined
      case 'source.ip':
      case 'remote.ip':
        return this.req.sourceIp ?? null
      case 'destination.ip':
        return this.req.destinationIp ?? null
      case 'destination.port':
        return String(this.req.port)
      case 'request.headers[:method]':
        return this.req.method ?? null
      default:
        return null
    }
  }
}

/**
 * Envoy's namespace match (srcNamespaceGenerator): the regex `.*\/ns/<value>/.*` over the
 * principal, every `*` in the value standing for `.*`.
 */
export function envoyNamespaceMatch(value: string, principal: string): boolean {
  const ns = value.split('*').map(escapeRegex).join('.*')
  return new RegExp(`^.*/ns/${ns}/.*$`).test(principal)
}

/** srcTrustDomainGenerator: `*` any; exact; one `*` standing for `[^/]*`. */
export function envoyTrustDomainMatch(value: string, trustDomain: string): boolean {
  if (value === '*') return true
  if (!value.includes('*')) return value === trustDomain
  const i = value.indexOf('*')
  return new RegExp(`^${escapeRegex(value.slice(0, i))}[^/]*${escapeRegex(value.slice(i + 1))}$`).test(trustDomain)
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export function arr(v: unknown): any[] {
  return Array.isArray(v) ? v : []
}
