// Egress rules of a LatticeService's outbound external services (LATTICE-SPEC §1.9, §4.8).
// External services need no bilateral agreement: they become fqdn/cidr/entity rules.

import type {Profile} from '../core/constants.js'
import {l4ProtocolOf, parseEndpoint, parseEntityId, type ParsedEndpoint} from '../spec/endpoints.js'
import type {EgressRule, EgressTarget, LatticeService} from '../spec/model.js'
import {targetOf} from '../spec/security.js'
import {isOutbound} from './declarations.js'

export interface EgressContext {
  /** True when a LatticeService `ns/name` exists: an external-service named like it is skipped. */
  hasService?(namespace: string, name: string): boolean
  profile?: Profile
}

export function egressRulesOf(svc: LatticeService, ctx: EgressContext = {}): EgressRule[] {
  const ns = svc.metadata.namespace
  const profile = ctx.profile ?? 'seed'
  const rules: EgressRule[] = []
  for (const [key, r] of Object.entries(svc.spec.workload.resources)) {
    if (r.type !== 'external-service' || !isOutbound(r)) continue
    const target = targetOf(ns, key, r)
    if (ctx.hasService?.(target.namespace, target.name)) continue
    if (r.id?.startsWith('entity:')) {
      // `entity:` with an empty name is ignored, and never falls back to endpoints.
      const entity = parseEntityId(r.id)
      if (entity) rules.push({target: {entity: entity.entity}, ports: [entity.port], protocol: 'TCP', resource: key})
      continue
    }
    const endpoints = r.params?.endpoints
    if (!endpoints || typeof endpoints !== 'object') continue
    for (const [endpoint, url] of Object.entries(endpoints as Record<string, unknown>)) {
      // Unparsable URLs are admission's to reject (A10); they compile to nothing.
      const parsed = typeof url === 'string' ? parseEndpoint(url) : undefined
      if (!parsed) continue
      rules.push({target: egressTargetOf(parsed, profile), ports: [parsed.port], protocol: l4ProtocolOf(parsed), resource: key, endpoint})
    }
  }
  return rules
}

/** IP hosts become a single-address CIDR; upstream writes /32 even for IPv6 (a quirk kept in its profile). */
export function egressTargetOf(e: ParsedEndpoint, profile: Profile): EgressTarget {
  if (e.ipVersion === 4) return {cidr: `${e.host}/32`}
  if (e.ipVersion === 6) return {cidr: `${e.host}/${profile === 'upstream' ? 32 : 128}`}
  return {fqdn: e.host}
}
