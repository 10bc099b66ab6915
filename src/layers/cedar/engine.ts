// Evaluates requests against a loaded policy set with cedar-wasm. Every decision comes
// from Cedar; this module only decides *which* policies Cedar needs to see, because a
// cedar-wasm call costs ~45 µs fixed plus 1.5–10 µs per policy in the set (measured).
// Preparsed buckets stay in cedar-wasm's thread-local cache for the process lifetime.
//
// - Buckets: a policy is given to Cedar only for requests its *scope* can match, read from
//   Cedar's own JSON form of the policy: the action constraint (`==` / `in`; no action
//   entities are passed, so `in` is equality) and a principal constraint `== E` / `in E`
//   (services have no parents, so `in` is equality too). Other scopes go to every request
//   of the action. Dropping a policy whose scope cannot match never changes a decision.
// - Partial evaluation: for principals without pinned policies, Cedar's partial
//   evaluation with the principal unknown, once per action (resource unknown too) and once
//   per resource requested repeatedly (shared override ids, endpoints), each only once
//   asked often enough to repay parsing the bucket (REQUESTS_PER_PARTIAL_POLICY), either
//   decides for every principal or names the policies that are false for every principal,
//   which are then left out of that resource's bucket. Cedar decides; we reuse.
// - Memo: identical requests (A and B diagnosed together, wildcard checks) are asked once
//   while recent (the last 4096 distinct requests).

import type {CedarWasm} from './wasm.js'
import {BoundedMap} from './bounded-map.js'
import {type CedarEntity, actionUidText, entityUidText, toEntityJson, ACTION_TYPE} from './entities.js'
import {type PolicyGuard, type PolicyReads, pickAttrs, ruledOut, unionReads} from './prefilter.js'

export interface LoadedPolicy {
  /** `<object name>_<original id>` */
  id: string
  object: string
  originalId: string
  effect: 'permit' | 'forbid'
  text: string
  /** Action uids (Cedar uid text) the scope can match, or `all`. */
  actions: string[] | 'all'
  /** Principal uid the scope is pinned to, or `all`. */
  principal: string | 'all'
  /** First `when` term Cedar evaluates first; false for a request ⇒ Cedar skips the policy. */
  guard?: PolicyGuard
  /** Entity attributes the policy can read (absent: all). */
  reads?: PolicyReads
}

export interface CedarRequest {
  /** Action id in `Lattice::Action`, e.g. `AccessSecret`. */
  action: string
  principal: CedarEntity
  resource: CedarEntity
}

export interface Verdict {
  allowed: boolean
  /** Determining policies: permits when allowed, forbids when denied (empty: default deny). */
  policies: string[]
  /** A forbid matched (as opposed to "no permit"). */
  forbidden: boolean
  /** Set when Cedar could not evaluate the request at all. */
  error?: string
  /** Policies Cedar skipped because they raised an evaluation error (`id: message`). */
  policyErrors: string[]
}

let engineSeq = 0

/** A preparsed bucket and the attributes its policies can read (undefined: all). */
interface Prepared {
  id: string
  principalAttrs?: Set<string>
  resourceAttrs?: Set<string>
}

/** Policies one action can see: those pinned to no principal, plus per pinned principal
 * the same list with that principal's policies merged in, in load order. */
interface ActionIndex {
  generic: LoadedPolicy[]
  pinned: Map<string, LoadedPolicy[]>
}

const SHORTCUT_AFTER_REQUESTS = 16
/**
 * A partial evaluation hands Cedar the bucket as text, so it costs a parse of every policy
 * (~0.5 ms each, 25 ms for 50) where an ordinary request costs ~75 µs: it is tried only
 * once the action (or resource) has been asked about this many times per policy of the
 * bucket, the most it can then save. A live pair (~30 services) never pays for one.
 */
const REQUESTS_PER_PARTIAL_POLICY = 8
/** Entries of each engine memo: far more than one diagnosis asks, far fewer than a fleet. */
const MEMO_LIMIT = 4096

/** What partial evaluation (principal unknown) established for a bucket. */
interface PartialResult {
  /** The policies not resolved to false. */
  keep: LoadedPolicy[]
  /** Set when the decision is the same for every principal. */
  verdict?: Verdict
}

export class CedarEngine {
  private readonly seq = ++engineSeq
  private readonly indexes = new Map<string, ActionIndex>()
  private readonly prepared = new Map<string, Prepared | {error: string}>()
  private readonly actionShortcuts = new Map<string, Verdict | null>()
  /** Per action and resource asked once so far (the recent ones). */
  private readonly seenResources = new BoundedMap<string, number>(MEMO_LIMIT)
  /** Per action and resource asked more than once; null = partial evaluation failed. */
  private readonly resourcePlans = new Map<string, PartialResult | null>()
  private readonly actionRequests = new Map<string, number>()
  /** Recent verdicts (identical requests of one diagnosis, wildcard checks per edge). */
  private readonly memo = new BoundedMap<string, Verdict>(MEMO_LIMIT)
  private readonly order = new Map<string, number>()
  /** Per bucket: the attributes its guards test, and the kept policies per tested values. */
  private readonly guardPlans = new WeakMap<LoadedPolicy[], {tested: PolicyGuard[]; answers: BoundedMap<string, {keep: LoadedPolicy[]; key: string} | null>}>()

  private module: CedarWasm | undefined
  private readonly loadModule: () => CedarWasm

  /** `cedar` may be a loader: the module is then loaded on the first request Cedar must answer. */
  constructor(cedar: CedarWasm | (() => CedarWasm), readonly policies: LoadedPolicy[]) {
    this.loadModule = typeof cedar === 'function' ? cedar : () => cedar
    policies.forEach((p, i) => this.order.set(p.id, i))
  }

  /** Whether this engine has needed cedar-wasm so far (every answer it gave came from the module or a memo). */
  get moduleLoaded(): boolean {
    return this.module !== undefined
  }

  get cedar(): CedarWasm {
    return (this.module ??= this.loadModule())
  }

  authorize(req: CedarRequest): Verdict {
    const action = actionUidText(req.action)
    const principal = entityUidText(req.principal)
    const resourceKey = resourceKeyOf(req.resource)
    const key = `${action}\u0000${principal}\u0000${resourceKey}`
    const cached = this.memo.get(key)
    if (cached) return cached
    const verdict = this.evaluate(req, action, principal, resourceKey)
    this.memo.set(key, verdict)
    return verdict
  }

  private evaluate(req: CedarRequest, action: string, principal: string, resourceKey: string): Verdict {
    const index = this.index(action)
    const pinned = index.pinned.get(principal)
    let bucketKey = pinned ? `${action} ${principal}` : action
    let bucket = pinned ?? index.generic
    if (!pinned) {
      const shortcut = this.actionShortcut(req, action, index.generic)
      if (shortcut) return shortcut
      const plan = this.resourcePlan(req, action, resourceKey, index.generic)
      if (plan?.verdict) return plan.verdict
      if (plan) {
        bucketKey = `${action} resource ${resourceKey}`
        bucket = plan.keep
      }
    }
    const guarded = this.guardedBucket(bucket, req)
    if (guarded) {
      bucketKey += guarded.key
      bucket = guarded.keep
    }
    const pset = this.prepare(bucketKey, bucket)
    if ('error' in pset) return errorVerdict(pset.error)
    // An entity no policy of the bucket can dereference is left out altogether: parsing the
    // entities is most of a call's cost (~20 µs each of ~70), and without a dereference an
    // absent entity and one with no attributes and no parents evaluate alike (`in` finds no
    // ancestors either way; ours never have parents).
    const entities = []
    if (!unread(pset.principalAttrs)) entities.push(toEntityJson({...req.principal, attrs: pickAttrs(req.principal.attrs, pset.principalAttrs)}))
    if (!unread(pset.resourceAttrs)) entities.push(toEntityJson({...req.resource, attrs: pickAttrs(req.resource.attrs, pset.resourceAttrs)}))
    const answer = this.cedar.statefulIsAuthorized({
      principal: {type: req.principal.type, id: req.principal.id},
      action: {type: ACTION_TYPE, id: req.action},
      resource: {type: req.resource.type, id: req.resource.id},
      context: {},
      entities,
      preparsedPolicySetId: pset.id,
    })
    if (answer.type === 'failure') return errorVerdict(answer.errors.map((e) => e.message).join('; '))
    const allowed = answer.response.decision === 'allow'
    const policies = this.sorted(answer.response.diagnostics.reason)
    // Cedar lists errors in hash order (varies between calls): load order keeps reports stable.
    const errors = answer.response.diagnostics.errors.slice().sort((a, b) => (this.order.get(a.policyId) ?? 0) - (this.order.get(b.policyId) ?? 0))
    const policyErrors = errors.map((e) => `${e.policyId}: ${e.error.message}`)
    return {allowed, policies, forbidden: !allowed && policies.length > 0, policyErrors}
  }

  private index(action: string): ActionIndex {
    let index = this.indexes.get(action)
    if (index) return index
    const candidates = this.policies.filter((p) => p.actions === 'all' || p.actions.includes(action))
    const generic = candidates.filter((p) => p.principal === 'all')
    const pinned = new Map<string, LoadedPolicy[]>()
    for (const p of candidates) if (p.principal !== 'all' && !pinned.has(p.principal)) pinned.set(p.principal, candidates.filter((q) => q.principal === 'all' || q.principal === p.principal))
    index = {generic, pinned}
    this.indexes.set(action, index)
    return index
  }

  /**
   * Principal and resource unknown: once per action, but only once the action has been
   * asked often enough to repay a partial evaluation over the whole bucket (a one-pair
   * diagnosis asks each action a handful of times; a fleet compile thousands).
   */
  private actionShortcut(req: CedarRequest, action: string, bucket: LoadedPolicy[]): Verdict | null {
    const asked = (this.actionRequests.get(action) ?? 0) + 1
    this.actionRequests.set(action, asked)
    if (asked < Math.max(SHORTCUT_AFTER_REQUESTS, bucket.length * REQUESTS_PER_PARTIAL_POLICY) && !this.actionShortcuts.has(action)) return null
    if (!this.actionShortcuts.has(action)) this.actionShortcuts.set(action, this.partial(req.action, bucket)?.verdict ?? null)
    return this.actionShortcuts.get(action)!
  }

  /** Principal unknown, resource known: tried once the same resource has been asked about
   * often enough for its bucket (shared override ids, endpoints, volumes), never for
   * one-off resources. */
  private resourcePlan(req: CedarRequest, action: string, resourceKey: string, bucket: LoadedPolicy[]): PartialResult | null {
    const key = `${action}\u0000${resourceKey}`
    let plan = this.resourcePlans.get(key)
    if (plan !== undefined) return plan
    const seen = (this.seenResources.get(key) ?? 0) + 1
    if (seen < Math.max(2, bucket.length * REQUESTS_PER_PARTIAL_POLICY)) {
      this.seenResources.set(key, seen)
      return null
    }
    plan = this.partial(req.action, bucket, req.resource)
    this.resourcePlans.set(key, plan)
    return plan
  }

  /**
   * Cedar's partial evaluation with the principal (and maybe the resource) unknown.
   * `keep` drops only the policies Cedar resolved to false, which are false for every
   * principal. `verdict` is set only when nothing is left residual: a concrete "deny, no
   * permit can match" may still leave forbids residual, and the report must say whether
   * a forbid applied.
   */
  private partial(actionId: string, bucket: LoadedPolicy[], resource?: CedarEntity): PartialResult | null {
    const answer = this.cedar.isAuthorizedPartial({
      principal: null,
      action: {type: ACTION_TYPE, id: actionId},
      resource: resource ? {type: resource.type, id: resource.id} : null,
      context: {},
      policies: {staticPolicies: Object.fromEntries(bucket.map((p) => [p.id, p.text]))},
      entities: resource ? [toEntityJson(resource)] : [],
    })
    if (answer.type !== 'residuals') return null
    const r = answer.response
    const live = new Set([...r.satisfied, ...r.nontrivialResiduals, ...r.errored])
    const keep = bucket.filter((p) => live.has(p.id))
    if (r.decision === null || r.nontrivialResiduals.length > 0 || r.errored.length > 0) return {keep}
    const allowed = r.decision === 'allow'
    const effect = allowed ? 'permit' : 'forbid'
    const policies = this.sorted(keep.filter((p) => p.effect === effect && r.satisfied.includes(p.id)).map((p) => p.id))
    return {keep, verdict: {allowed, policies, forbidden: !allowed && policies.length > 0, policyErrors: []}}
  }

  private prepare(bucketKey: string, bucket: LoadedPolicy[]): Prepared | {error: string} {
    const existing = this.prepared.get(bucketKey)
    if (existing) return existing
    const id = `lattice-${this.seq}-${this.prepared.size}`
    const answer = this.cedar.preparsePolicySet(id, {staticPolicies: Object.fromEntries(bucket.map((p) => [p.id, p.text]))})
    const reads = unionReads(bucket.map((p) => p.reads))
    const result = answer.type === 'success' ? {id, principalAttrs: reads.principal, resourceAttrs: reads.resource} : {error: answer.errors.map((e) => e.message).join('; ')}
    this.prepared.set(bucketKey, result)
    return result
  }

  /**
   * guardedBucket, remembered per bucket and per *guard signature* of the request: which
   * policies a request keeps depends only on the values of the attributes the bucket's
   * guards test, so a fleet's 10,000 requests share a handful of answers instead of each
   * walking every policy of the bucket.
   */
  private guardedBucket(bucket: LoadedPolicy[], req: CedarRequest): {keep: LoadedPolicy[]; key: string} | undefined {
    let plan = this.guardPlans.get(bucket)
    if (!plan) {
      const tested = new Map<string, PolicyGuard>()
      for (const p of bucket) if (p.guard) tested.set(`${p.guard.on}.${p.guard.attr}`, p.guard)
      plan = {tested: [...tested.values()], answers: new BoundedMap(MEMO_LIMIT)}
      this.guardPlans.set(bucket, plan)
    }
    if (plan.tested.length === 0) return undefined
    const signature = JSON.stringify(plan.tested.map((g) => guardInput(g, req)))
    let answer = plan.answers.get(signature)
    if (answer === undefined) {
      answer = guardedBucket(bucket, req) ?? null
      plan.answers.set(signature, answer)
    }
    return answer ?? undefined
  }

  private sorted(ids: string[]): string[] {
    return ids.length < 2 ? ids.slice() : ids.slice().sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0))
  }
}

/**
 * The bucket without the policies whose guard is false for this request (Cedar would skip
 * them: see prefilter.ts), and a key naming which were kept; undefined when none is dropped.
 */
function guardedBucket(bucket: LoadedPolicy[], req: CedarRequest): {keep: LoadedPolicy[]; key: string} | undefined {
  let keep: LoadedPolicy[] | undefined
  for (let i = 0; i < bucket.length; i++) {
    const p = bucket[i]
    if (p.guard && ruledOut(p.guard, req.principal, req.resource)) keep ??= bucket.slice(0, i)
    else keep?.push(p)
  }
  if (!keep) return undefined
  const kept = new Set(keep)
  return {keep, key: ` guarded ${bucket.map((p) => (kept.has(p) ? '1' : '0')).join('')}`}
}

/** What ruledOut reads of a request for guards on this attribute: its String value, or a
 * marker for "missing or not a String" (then no guard on it rules anything out). */
function guardInput(guard: PolicyGuard, req: CedarRequest): string | null {
  const attrs = (guard.on === 'principal' ? req.principal : req.resource).attrs
  const value = Object.prototype.hasOwnProperty.call(attrs, guard.attr) ? attrs[guard.attr] : undefined
  return typeof value === 'string' ? value : null
}

/** No policy of the bucket reads any attribute of the entity, nor anything through which it could. */
function unread(attrs: Set<string> | undefined): boolean {
  return attrs !== undefined && attrs.size === 0
}

function resourceKeyOf(resource: CedarEntity): string {
  return `${entityUidText(resource)}\u0000${JSON.stringify(resource.attrs)}`
}

function errorVerdict(error: string): Verdict {
  return {allowed: false, policies: [], forbidden: false, error, policyErrors: []}
}
