// SPIFFE identities and AuthorizationPolicy principals. LATTICE-SPEC §6.2 / D4: the trust
// domain and the `/ns/<ns>/sa/<sa>` suffix are compared separately so that a trust-domain
// mismatch is reported as such, not as "caller not allowed".

import {istioStringMatch} from './strings.js'

export interface Identity {
  trustDomain: string
  namespace: string
  serviceAccount: string
}

/** Parses `spiffe://td/ns/x/sa/y` or the principal form `td/ns/x/sa/y`. */
export function parseIdentity(text: string): Identity | undefined {
  const bare = text.startsWith('spiffe://') ? text.slice('spiffe://'.length) : text
  const m = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(bare)
  return m ? {trustDomain: m[1], namespace: m[2], serviceAccount: m[3]} : undefined
}

/** Principal form (no `spiffe://`), what policies and ztunnel compare against. */
export function principalString(id: Identity): string {
  return `${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`
}

export function spiffeString(id: Identity): string {
  return `spiffe://${principalString(id)}`
}

/** Splits a principal pattern at `/ns/` into trust domain and suffix, when it has that shape. */
export function splitPrincipal(pattern: string): {trustDomain: string; suffix: string} | undefined {
  const i = pattern.indexOf('/ns/')
  if (i <= 0) return undefined
  return {trustDomain: pattern.slice(0, i), suffix: pattern.slice(i)}
}

/**
 * Envoy-side (waypoint) trust-domain handling, istiod's trustdomain.Bundle
 * ReplaceTrustDomainAliases (pilot/pkg/security/trustdomain/bundle.go): a principal of exactly
 * `<td>/ns/<ns>/sa/<sa>` whose trust domain is `cluster.local`, or matches (exact, `*`, prefix or
 * suffix, either way round) the mesh trust domain or an alias, becomes one principal per trust
 * domain of the mesh; for a trust domain its `*x` pattern already covers, the pattern is kept as
 * written. `*` as the trust domain, or another shape, is left alone. ztunnel policies are
 * converted without this step, so there the principal is matched literally.
 */
export function expandTrustDomains(pattern: string, trustDomain: string, aliases: string[]): string[] {
  const parts = pattern.split('/')
  if (parts.length !== 5 || parts[0] === '*') return [pattern]
  const td = parts[0]
  const bundle = [trustDomain, ...aliases]
  if (td !== 'cluster.local' && !bundle.some((d) => bundleMatch(td, d))) return [pattern]
  const out = bundle.map((d) => (suffixPattern(d, td) ? pattern : [d, ...parts.slice(1)].join('/')))
  return [...new Set(out)]
}

/** trustdomain/util.go stringMatch: exact, `*`, or a prefix/suffix pattern on either side. */
function bundleMatch(a: string, b: string): boolean {
  return a === b || b === '*' || prefixPattern(a, b) || prefixPattern(b, a) || suffixPattern(a, b) || suffixPattern(b, a)
}

function prefixPattern(value: string, pattern: string): boolean {
  return pattern.endsWith('*') && value.startsWith(pattern.slice(0, -1))
}

function suffixPattern(value: string, pattern: string): boolean {
  return pattern.startsWith('*') && value.endsWith(pattern.slice(1))
}

export function principalMatches(pattern: string, identity: string): boolean {
  return istioStringMatch(pattern, identity)
}
