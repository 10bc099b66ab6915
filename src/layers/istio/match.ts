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
import {ipMatch, istioPathMatch, istioStringMatch} from './strings.js'

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

export function matchRule(rule: any, _action: string, req: AuthzRequest, ctx: MatchContext): RuleMatch {
  const httpAttributes: string[] = []
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
  return {match, unknown: match === 'unknown' ? [...unknown] : [], httpAttributes}
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

  source(src: any): Tri {
    const principal = this.principal
    const id = this.identity
    const principalTest = (p: string): Tri => {
      if (!principal) return 'no'
      const patterns = this.req.at === 'waypoint' ? expandTrustDomains(p, this.ctx.trustDomain, this.ctx.trustDomainAliases) : [p]
      return patterns.some((x) => principalMatches(x, principal)) ? 'yes' : 'no'
    }
    const nsTest = (n: string): Tri => (principal && envoyNamespaceMatch(n, principal) ? 'yes' : 'no')
    const saTest = (v: string): Tri => {
      if (!id) return 'no'
      const [ns, sa] = v.includes('/') ? v.split('/', 2) : [this.ctx.policyNamespace, v]
      return id.namespace === ns && id.serviceAccount === sa ? 'yes' : 'no'
    }
    // trustDomains naming the mesh's trust domain or an alias accept all of them (ExpandTrustDomainAliases).
    const bundle = [this.ctx.trustDomain, ...this.ctx.trustDomainAliases]
    const tdTest = (t: string): Tri =>
      id && (bundle.includes(t) ? bundle : [t]).some((x) => envoyTrustDomainMatch(x, id.trustDomain)) ? 'yes' : 'no'
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
    const port = String(this.req.port)
    const portTest = (p: string): Tri => (p === port ? 'yes' : 'no')
    const known = (value: string | undefined, test: (v: string) => boolean) => (p: string): Tri =>
      value === undefined ? 'unknown' : test(p) ? 'yes' : 'no'
    const method = this.req.method
    const path = this.req.path
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
        return this.identity?.namespace
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
