// What a policy needs from a request, read once from Cedar's own JSON form of the policy
// (kept in the disk cache with the parsed policy set), so the engine can hand Cedar fewer
// policies and smaller entities without changing a single answer.
//
// - Guard: Cedar evaluates a policy as `scope && cond1 && cond2 ...`, left to right with
//   short-circuit (cedar-policy-core `Policy::condition`, `Expr::and`; evaluator `And`).
//   Scope constraints on our entities never raise an error. So when the first condition is
//   a `when` whose leftmost `&&` term is `principal.<a> == "lit"` (or `resource.<a>`, or
//   the mirror `"lit" == ...`), and the request's entity has attribute <a> holding another
//   String, Cedar evaluates that term to false and skips the policy: no match, no error.
//   Only then is the policy left out. A missing attribute (an evaluation error) or a
//   non-String literal keeps the policy, and so does every other shape.
// - Reads: the attribute names a policy can read from the principal and the resource
//   (`principal.a`, `principal has a`, same for resource). Any attribute access on another
//   expression (an entity literal, `if`, a set element) could reach the same entities, so
//   the policy then reads `all`. Cedar is given only the attributes some policy of the
//   bucket reads: an attribute no policy reads cannot change an evaluation.

import type {CedarEntity} from './entities.js'

export interface PolicyGuard {
  on: 'principal' | 'resource'
  attr: string
  value: string
}

export interface PolicyReads {
  principal: string[] | 'all'
  resource: string[] | 'all'
}

type Json = unknown
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The guard of a policy's JSON form (cedar-wasm `policyToJson`), if it has one. */
export function policyGuard(policy: {conditions?: Array<{kind: string; body: Json}>}): PolicyGuard | undefined {
  const first = policy.conditions?.[0]
  if (!first || first.kind !== 'when') return undefined
  let term = first.body
  while (isObject(term) && isObject(term['&&'])) term = (term['&&'] as Record<string, Json>).left
  if (!isObject(term) || !isObject(term['=='])) return undefined
  const {left, right} = term['=='] as Record<string, Json>
  return attrEqualsString(left, right) ?? attrEqualsString(right, left)
}

function attrEqualsString(access: Json, literal: Json): PolicyGuard | undefined {
  if (!isObject(access) || !isObject(access['.']) || !isObject(literal) || typeof literal.Value !== 'string') return undefined
  const {left, attr} = access['.'] as Record<string, Json>
  if (!isObject(left) || typeof attr !== 'string') return undefined
  if (left.Var !== 'principal' && left.Var !== 'resource') return undefined
  return {on: left.Var, attr, value: literal.Value}
}

/** True only when Cedar would evaluate the guard term to false for this request. */
export function ruledOut(guard: PolicyGuard, principal: CedarEntity, resource: CedarEntity): boolean {
  const attrs = (guard.on === 'principal' ? principal : resource).attrs
  if (!Object.prototype.hasOwnProperty.call(attrs, guard.attr)) return false
  const actual = attrs[guard.attr]
  return typeof actual === 'string' && actual !== guard.value
}

/** The principal and resource attributes the policy can read. */
export function policyReads(policy: {conditions?: Array<{kind: string; body: Json}>}): PolicyReads {
  const principal = new Set<string>()
  const resource = new Set<string>()
  let all = false
  const visit = (node: Json): void => {
    if (all) return
    if (Array.isArray(node)) {
      for (const n of node) visit(n)
      return
    }
    if (!isObject(node)) return
    for (const [key, value] of Object.entries(node)) {
      if ((key === '.' || key === 'has') && isObject(value) && typeof value.attr === 'string') {
        const left = value.left
        if (isObject(left) && typeof left.Var === 'string') {
          if (left.Var === 'principal') principal.add(value.attr)
          else if (left.Var === 'resource') resource.add(value.attr)
          // action and context: we pass no action entities and an empty context.
        } else {
          all = true
          return
        }
      }
      visit(value)
    }
  }
  for (const c of policy.conditions ?? []) visit(c.body)
  if (all) return {principal: 'all', resource: 'all'}
  return {principal: [...principal].sort(), resource: [...resource].sort()}
}

/** Union of the reads of a bucket; `undefined` for a side means every attribute. */
export function unionReads(list: Array<PolicyReads | undefined>): {principal?: Set<string>; resource?: Set<string>} {
  const principal = new Set<string>()
  const resource = new Set<string>()
  let allP = false
  let allR = false
  for (const r of list) {
    if (!r) return {}
    if (r.principal === 'all') allP = true
    else for (const a of r.principal) principal.add(a)
    if (r.resource === 'all') allR = true
    else for (const a of r.resource) resource.add(a)
  }
  return {...(allP ? {} : {principal}), ...(allR ? {} : {resource})}
}

/** The entity with only the attributes in `keep` (all of them when `keep` is undefined). */
export function pickAttrs(attrs: Record<string, string>, keep: Set<string> | undefined): Record<string, string> {
  if (!keep) return attrs
  const out: Record<string, string> = {}
  for (const a of keep) if (Object.prototype.hasOwnProperty.call(attrs, a)) out[a] = attrs[a]
  return out
}
