// Resolving the names of A and B (LATTICE-SPEC §9.1, §10.16). A name that exists resolves;
// a callee A declares outbound that does not exist is a diagnosis (B is a placeholder of
// kind Unknown, §4.1); any other unknown name is an input error that suggests the closest
// known names ("did you mean"), by edit distance over `ns/name`.

import {distance} from 'fastest-levenshtein'
import {InputError} from '../core/errors.js'
import {ingressGatewayKeys} from '../graph/index.js'
import type {SpecSet} from '../spec/model.js'
import {keyOf} from '../spec/model.js'
import {targetOf} from '../spec/security.js'

/** Every member a pair can name: services, mesh members, and the ingress gateways they imply (§10.15). */
export function knownMemberKeys(specs: Pick<SpecSet, 'services' | 'meshMembers'>): Set<string> {
  return new Set([...specs.services.map(keyOf), ...specs.meshMembers.map(keyOf), ...ingressGatewayKeys(specs.services)])
}

const MAX_SUGGESTIONS = 3

/**
 * Known keys closest to `key`: the smallest edit distance within a third of the name's
 * length (at least 2), or the same name in another namespace. Closest first, then by name.
 */
export function closestKeys(key: string, known: Iterable<string>): string[] {
  const name = key.slice(key.indexOf('/') + 1)
  const limit = Math.max(2, Math.floor(key.length / 3))
  const scored: Array<{k: string; d: number}> = []
  for (const k of known) {
    if (k === key) continue
    const sameName = k.slice(k.indexOf('/') + 1) === name
    const d = sameName ? 1 : distance(key, k)
    if (d <= limit) scored.push({k, d})
  }
  if (scored.length === 0) return []
  const best = Math.min(...scored.map((s) => s.d))
  return scored.filter((s) => s.d === best).map((s) => s.k).sort().slice(0, MAX_SUGGESTIONS)
}

/**
 * `<role>: unknown service ns/name (did you mean ns/other?)`, or with the known names when
 * nothing is close. `where` says where we looked (`in the loaded specs`, `in the cluster`).
 */
export function unknownServiceError(role: string, key: string, known: Iterable<string>, where: string): InputError {
  const list = [...known].sort()
  const close = closestKeys(key, list)
  if (close.length > 0) return new InputError(`${role}: unknown service ${key} (did you mean ${orList(close)}?)`)
  const shown = list.slice(0, 12).join(', ') + (list.length > 12 ? `, … (${list.length} in all)` : '')
  return new InputError(`${role}: unknown service ${key}: no LatticeService or LatticeMeshMember of that name ${where}${list.length ? ` (known: ${shown})` : ''}`)
}

const orList = (xs: string[]) => (xs.length === 1 ? xs[0] : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`)

/** The `ns/name` of every service A declares outbound (LatticeService resources or LatticeMeshMember dependencies). */
export function declaredDependencies(specs: Pick<SpecSet, 'services' | 'meshMembers'>, sourceKey: string): string[] {
  const svc = specs.services.find((s) => keyOf(s) === sourceKey)
  if (svc) {
    const ns = svc.metadata.namespace
    return Object.entries(svc.spec.workload.resources).flatMap(([key, r]) => {
      if (r.type !== 'service' || (r.direction !== 'outbound' && r.direction !== 'both')) return []
      const t = targetOf(ns, key, r)
      return t.name === '*' ? [] : [`${t.namespace}/${t.name}`]
    })
  }
  const lmm = specs.meshMembers.find((m) => keyOf(m) === sourceKey)
  if (!lmm) return []
  return (lmm.spec.dependencies ?? []).filter((d) => d.name !== '*').map((d) => `${d.namespace ?? lmm.metadata.namespace}/${d.name}`)
}

/**
 * B that does not exist but A declares outbound (§10.16): the placeholder's key, or
 * undefined. A bare name without a namespace matches A's one declared target of that name.
 */
export function declaredMissingTarget(ref: string, specs: Pick<SpecSet, 'services' | 'meshMembers'>, sourceKey: string, defaultNs: string | undefined): string | undefined {
  const declared = declaredDependencies(specs, sourceKey)
  if (ref.includes('/')) return declared.includes(ref) ? ref : undefined
  if (defaultNs) return declared.includes(`${defaultNs}/${ref}`) ? `${defaultNs}/${ref}` : undefined
  const matches = [...new Set(declared.filter((k) => k.endsWith(`/${ref}`)))]
  return matches.length === 1 ? matches[0] : undefined
}
