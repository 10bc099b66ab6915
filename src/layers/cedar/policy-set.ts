// Rebuilding the live policy set from CedarPolicy objects exactly as upstream loads it
// (LATTICE-SPEC §3.6): lattice-system only; inherited objects first, then local ones,
// each by priority descending; disabled objects skipped; each object parsed on its own
// and skipped whole when it does not parse; policy ids rewritten to `<object>_<id>`.

import type {CedarPolicyObject} from '../../spec/model.js'
import {diskCache, type DiskCache} from '../../core/io/disk-cache.js'
import {CEDAR_POLICY_NAMESPACE} from '../../core/constants.js'
import {type CedarWasm, cedarWasmVersion, loadCedarWasm, loadCedarWasmSync, type WasmLoadOptions} from './wasm.js'
import {CedarEngine, type LoadedPolicy} from './engine.js'
import {decisionStore, PERSIST_DECISIONS_UP_TO_SERVICES, PersistentCedarEngine, policiesDigest} from './decisions.js'
import {uidText} from './entities.js'
import {LATTICE_CEDAR_SCHEMA} from './schema.js'
import {policyGuard, policyReads} from './prefilter.js'

export const INHERITED_LABEL = 'lattice.dev/inherited'

export interface SkippedPolicyObject {
  name: string
  reason: string
}

export interface CedarPolicySet {
  /** Loaded policies in evaluation-load order, ids rewritten. */
  policies: LoadedPolicy[]
  /** Names of the CedarPolicy objects that were loaded, in load order. */
  loaded: string[]
  /** Objects that failed to parse: their permits do not apply (§3.6 rule 4). */
  skipped: SkippedPolicyObject[]
  /** Load-time notes (ignored templates, objects outside lattice-system). */
  notes: string[]
  /** @internal the evaluator; use the functions of this module, not this field. */
  engine: CedarEngine
}

/** Load order of §3.6 rule 2; ties by name so the order never depends on listing order. */
export function orderPolicyObjects(objects: CedarPolicyObject[]): CedarPolicyObject[] {
  const inherited = (o: CedarPolicyObject) => o.metadata.labels?.[INHERITED_LABEL] === 'true'
  return objects
    .filter((o) => o.metadata.namespace === CEDAR_POLICY_NAMESPACE && o.spec.enabled !== false)
    .sort((a, b) => Number(inherited(b)) - Number(inherited(a)) || (b.spec.priority ?? 0) - (a.spec.priority ?? 0) || a.metadata.name.localeCompare(b.metadata.name))
}

/**
 * Cedar itself is loaded only when a parse or a decision is not in the disk cache: with
 * warm caches a pair never compiles the module.
 */
export async function loadCedarPolicies(objects: CedarPolicyObject[], opts: WasmLoadOptions = {}): Promise<CedarPolicySet> {
  let cedar: CedarWasm | undefined
  const loadedCedar = async () => (cedar ??= await loadCedarWasm(opts))
  const policies: LoadedPolicy[] = []
  const loaded: string[] = []
  const skipped: SkippedPolicyObject[] = []
  const notes: string[] = []
  const outside = objects.filter((o) => o.metadata.namespace !== CEDAR_POLICY_NAMESPACE).map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
  if (outside.length > 0) notes.push(`CedarPolicy objects outside ${CEDAR_POLICY_NAMESPACE} are not loaded: ${outside.join(', ')}`)
  for (const obj of orderPolicyObjects(objects)) {
    const name = obj.metadata.name
    const parsed = await parseObjectCached(loadedCedar, name, obj.spec.policies ?? '')
    if ('reason' in parsed) {
      skipped.push({name, reason: parsed.reason})
      continue
    }
    if (parsed.templates > 0) notes.push(`CedarPolicy ${name}: ${parsed.templates} unlinked template(s) ignored`)
    policies.push(...parsed.policies)
    loaded.push(name)
  }
  const module = cedar ?? (() => loadCedarWasmSync(opts))
  const persist = opts.services !== undefined && opts.services <= PERSIST_DECISIONS_UP_TO_SERVICES
  const engine = persist ? new PersistentCedarEngine(module, policies, decisionStore(cedarWasmVersion())) : new CedarEngine(module, policies)
  return {policies, loaded, skipped, notes, engine}
}

// Parsing is a pure function of the object name and the policy text (one WASM round trip
// per policy, ~1.5 ms each), so the result is kept on disk between runs, keyed by both and
// by the Cedar build (read from its package, so a hit needs no module).
export type Parsed = {policies: LoadedPolicy[]; templates: number} | {reason: string}
let parsedCache: DiskCache<Parsed> | undefined

/** One CedarPolicy object's text as parsed by parsePolicyObject (off the main thread: parse-offthread.ts). */
export interface ParsedPolicyObject {
  object: string
  text: string
  parsed: Parsed
}

/** Parses made elsewhere (another thread: parse-offthread.ts), asked before each object is parsed. */
export interface ParsedPolicySource {
  /** The parse of exactly this (object name, policy text), if it is done; never blocks. */
  get(object: string, text: string): Parsed | undefined
}

let parsedElsewhere: ParsedPolicySource | undefined

/**
 * While set, a parse the source already has is used instead of parsing again: the same pure
 * function (parsePolicyObject) ran on the same input. In memory only, never on disk.
 */
export function setParsedPolicySource(source: ParsedPolicySource | undefined): void {
  parsedElsewhere = source
}

/** The parse of one object's policy text (the cached function's body, for another thread). */
export function parsePolicyObject(cedar: CedarWasm, object: string, text: string): Parsed {
  return parseObject(cedar, object, text)
}

async function parseObjectCached(cedar: () => Promise<CedarWasm>, object: string, text: string): Promise<Parsed> {
  parsedCache ??= diskCache<Parsed>('cedar', `policies/3/${cedarWasmVersion()}`)
  const key = `${object}\u0000${text}`
  const ready = parsedElsewhere?.get(object, text)
  if (ready) return ready
  const hit = parsedCache.get(key)
  if (hit) return hit
  const parsed = parseObject(await cedar(), object, text)
  parsedCache.set(key, parsed)
  return parsed
}

function parseObject(cedar: CedarWasm, object: string, text: string): {policies: LoadedPolicy[]; templates: number} | {reason: string} {
  const parts = cedar.policySetTextToParts(text)
  if (parts.type === 'failure') return {reason: parts.errors.map((e) => e.message).join('; ')}
  const policies: LoadedPolicy[] = []
  for (const [i, policyText] of parts.policies.entries()) {
    // Cedar names the policies of a parsed text policy0, policy1, ... in order.
    const originalId = `policy${i}`
    const json = cedar.policyToJson(policyText)
    if (json.type === 'failure') return {reason: json.errors.map((e) => e.message).join('; ')}
    policies.push({
      id: `${object}_${originalId}`,
      object,
      originalId,
      effect: json.json.effect,
      text: policyText,
      actions: actionScope(json.json.action),
      principal: principalScope(json.json.principal),
      ...withGuard(policyGuard(json.json)),
      reads: policyReads(json.json),
    })
  }
  return {policies, templates: parts.policy_templates.length}
}

const withGuard = (guard: ReturnType<typeof policyGuard>) => (guard ? {guard} : {})

type Uid = {type: string; id: string} | {__entity: {type: string; id: string}}
const uidOf = (u: Uid) => ('__entity' in u ? uidText(u.__entity.type, u.__entity.id) : uidText(u.type, u.id))

function actionScope(c: {op: string; entity?: Uid; entities?: Uid[]}): string[] | 'all' {
  if (c.op === '==' && c.entity) return [uidOf(c.entity)]
  if (c.op === 'in' && c.entity) return [uidOf(c.entity)]
  if (c.op === 'in' && c.entities) return c.entities.map(uidOf)
  return 'all'
}

function principalScope(c: {op: string; entity?: Uid}): string | 'all' {
  return (c.op === '==' || c.op === 'in') && c.entity ? uidOf(c.entity) : 'all'
}

const schemaWarningCache = new WeakMap<CedarPolicySet, string[]>()
let schemaCache: DiskCache<string[]> | undefined

/**
 * Strict validation against the §3.5 schema. Warnings only: upstream evaluates without a
 * schema, so an ill-typed policy still takes part (and usually errors at evaluation).
 * Computed on first use because validation is the slowest step of loading.
 */
export function schemaWarnings(set: CedarPolicySet): string[] {
  const cached = schemaWarningCache.get(set)
  if (cached) return cached
  // Validation is pure in the Cedar build and the policies: kept on disk like the parses.
  schemaCache ??= diskCache<string[]>('cedar', `schema-warnings/1/${cedarWasmVersion()}`)
  const key = policiesDigest(set.policies)
  const stored = schemaCache.get(key)
  if (stored) {
    schemaWarningCache.set(set, stored)
    return stored
  }
  const warnings: string[] = []
  if (set.policies.length > 0) {
    const answer = set.engine.cedar.validate({
      schema: LATTICE_CEDAR_SCHEMA,
      policies: {staticPolicies: Object.fromEntries(set.policies.map((p) => [p.id, p.text]))},
      validationSettings: {mode: 'strict'},
    })
    if (answer.type === 'failure') warnings.push(`Cedar schema validation failed: ${answer.errors.map((e) => e.message).join('; ')}`)
    else
      for (const e of [...answer.validationErrors, ...answer.validationWarnings]) {
        warnings.push(`CedarPolicy ${policyObject(set, e.policyId)}: policy ${e.policyId} does not match the Lattice schema: ${e.error.message}`)
      }
  }
  schemaWarningCache.set(set, warnings)
  if (!warnings.some((w) => w.startsWith('Cedar schema validation failed'))) schemaCache.set(key, warnings)
  return warnings
}

function policyObject(set: CedarPolicySet, id: string): string {
  return set.policies.find((p) => p.id === id)?.object ?? id
}
