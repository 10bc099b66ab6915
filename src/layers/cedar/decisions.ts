// A persistent, content-addressed memo of Cedar decisions, so a repeated small run (the
// README pair, a pair re-diagnosed after an edit elsewhere) never loads cedar-wasm: the
// answer to one request is a pure function of the Cedar build, the exact policies Cedar
// is given (ids and texts, in load order) and the exact request (action, principal and
// resource entities with their attributes). All of those are the key; nothing else is.
// One disk entry per principal (a pair asks a handful of principals a few questions
// each), holding that principal's answers by action and resource. Failures (Cedar could
// not evaluate) are never stored. Off with the disk cache (`--no-cache`,
// PLATFORM_NO_CACHE, live mode) and for bulk runs (compile), whose thousands of
// principals would churn the cache for no gain.

import {createHash} from 'node:crypto'
import {diskCache, type DiskCache} from '../../core/io/disk-cache.js'
import {CedarEngine, type CedarRequest, type LoadedPolicy, type Verdict} from './engine.js'
import {toEntityJson} from './entities.js'
import type {CedarWasm} from './wasm.js'

/** Up to this many services in scope a run keeps its decisions on disk (a pair: 2). */
export const PERSIST_DECISIONS_UP_TO_SERVICES = 64

type Answers = Record<string, Verdict>

const DECISIONS_NAMESPACE = 'cedar-decisions'

/** The disk entries of one Cedar build; `version` is cedarWasmVersion(). */
export function decisionStore(version: string, dir?: () => string | undefined): DiskCache<Answers> {
  return dir ? diskCache<Answers>(DECISIONS_NAMESPACE, `1/${version}`, dir) : diskCache<Answers>(DECISIONS_NAMESPACE, `1/${version}`)
}

/** Digest of what Cedar is given: every policy's id and text, in load order. */
export function policiesDigest(policies: LoadedPolicy[]): string {
  const h = createHash('sha256')
  for (const p of policies) h.update(p.id).update('\u0000').update(p.text).update('\u0001')
  return h.digest('hex')
}

export class PersistentCedarEngine extends CedarEngine {
  private readonly digest: string
  private readonly answers = new Map<string, {key: string; answers: Answers; dirty: boolean}>()
  private flushQueued = false

  constructor(cedar: CedarWasm | (() => CedarWasm), policies: LoadedPolicy[], private readonly store: DiskCache<Answers>) {
    super(cedar, policies)
    this.digest = policiesDigest(policies)
  }

  override authorize(req: CedarRequest): Verdict {
    const entry = this.principalEntry(req)
    const key = `${req.action}\u0000${JSON.stringify(toEntityJson(req.resource))}`
    const stored = entry.answers[key]
    if (stored) return stored
    const verdict = super.authorize(req)
    if (verdict.error === undefined) {
      entry.answers[key] = verdict
      entry.dirty = true
      this.queueFlush()
    }
    return verdict
  }

  private principalEntry(req: CedarRequest) {
    const principal = JSON.stringify(toEntityJson(req.principal))
    let entry = this.answers.get(principal)
    if (!entry) {
      const key = `${this.digest}\u0000${principal}`
      entry = {key, answers: {...this.store.get(key)}, dirty: false}
      this.answers.set(principal, entry)
    }
    return entry
  }

  /** Writes once the current synchronous batch of requests is done. */
  private queueFlush(): void {
    if (this.flushQueued) return
    this.flushQueued = true
    queueMicrotask(() => this.flush())
  }

  flush(): void {
    this.flushQueued = false
    for (const entry of this.answers.values()) {
      if (!entry.dirty) continue
      this.store.set(entry.key, entry.answers)
      entry.dirty = false
    }
  }
}
