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
 * Envoy-side (waypoint) trust-domain handling: istiod rewrites policy principals whose trust
 * domain is `cluster.local` or one of the mesh's aliases into one principal per trust domain of
 * the mesh (local + aliases). ztunnel policies are converted without this step, so there the
 * principal is matched literally.
 */
export function expandTrustDomains(pattern: string, trustDomain: string, aliases: string[]): string[] {
  const split = splitPrincipal(pattern)
  if (!split || pattern.split('/').length !== 5 || split.trustDomain.includes('*')) return [pattern]
  const td = split.trustDomain
  if (td !== 'cluster.local' && td !== trustDomain && !aliases.includes(td)) return [pattern]
  return [...new Set([trustDomain, ...aliases])].map((d) => `${d}${split.suffix}`)
}

export function principalMatches(pattern: string, identity: string): boolean {
  return istioStringMatch(pattern, identity)
}
