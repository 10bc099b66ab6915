// Answers a large fleet's Cedar requests on more than one core. Each worker thread loads
// its own cedar-wasm and runs a CedarEngine over the same loaded policies, so every
// verdict still comes from Cedar; the main thread records the verdicts in its engine's
// memo and `authorizeService` then builds the reports exactly as without the pool.
//
// Work is split by chunk index through one shared counter: the main thread and the workers
// claim the next chunk until none is left, so nobody idles while another has a backlog and
// the main thread can do other work (the service graph) while the workers start.
// Small fleets and single pairs never start a worker: a worker pays ~0.1 s of wasm loading.
//
// Opt-in (FleetScope.cedarPool): on the shared 2-core machine it was measured slower than
// one thread for 10,000 services (9.0–12.0 s against 6.7–7.5 s, +1.7–3 s CPU, +50–100 MB
// RSS): listing and keying the requests once more on this thread costs about what the
// worker saves. Kept for idle multi-core machines, where it is worth measuring again.

import {Worker} from 'node:worker_threads'
import type {LatticeService} from '../../spec/model.js'
import {type CedarRequest, type EngineSeed, type Verdict, requestKey, resourceKeyOf} from './engine.js'
import type {CedarPolicySet} from './policy-set.js'
import {type AuthorizeContext, serviceRequests} from './service.js'

/** Below this many distinct unanswered requests the pool is not worth its start-up. */
export const POOL_MIN_REQUESTS = 4000
const CHUNK = 256

export interface PoolOptions {
  /** Worker threads (0, the default, = none; see the note at the top of this module). */
  workers?: number
  minRequests?: number
  /** Whether this thread also answers chunks while it waits (default true). */
  helpHere?: boolean
}

/** What the workers receive (workerData). */
export interface PoolJob {
  policies: CedarPolicySet['policies']
  seed: EngineSeed
  requests: CedarRequest[]
  chunk: number
  /** Int32 [0]: the next unclaimed chunk index, shared by every thread. */
  next: SharedArrayBuffer
}

/** One chunk's verdicts: distinct verdict objects once, then an index per request. */
export interface ChunkAnswer {
  chunk: number
  table: Verdict[]
  picks: number[]
}

export interface Prefetch {
  /** Whether worker threads were started. */
  pooled: boolean
  /** Answers every remaining chunk (the main thread helps) and stops the workers. */
  finish(): Promise<void>
}

const NOTHING: Prefetch = {pooled: false, finish: async () => {}}

/**
 * Starts answering every Cedar request of these services; a no-op for small fleets.
 *
 * Before any worker starts, this thread settles each action (its first requests make the
 * engine try partial evaluation) and answers right away what that decides for every
 * principal (image gates, typically). Requests for a resource that several services ask
 * about (shared endpoints, override ids) stay here too, where the engine's per-resource
 * plans serve them. Only one-off resources, each a full cedar-wasm call, go to the pool.
 */
export function prefetchServiceVerdicts(set: CedarPolicySet, services: LatticeService[], ctx: Pick<AuthorizeContext, 'imageGates'>, options: PoolOptions = {}): Prefetch {
  const workers = options.workers ?? 0
  const minRequests = options.minRequests ?? POOL_MIN_REQUESTS
  if (workers <= 0 || services.length === 0) return NOTHING
  const requests: CedarRequest[] = []
  const seen = new Set<string>()
  const perResource = new Map<string, number>()
  const resourceOf = (req: CedarRequest) => `${req.action}\u0000${resourceKeyOf(req)}`
  for (const svc of services) {
    for (const req of serviceRequests(svc, ctx)) {
      const key = requestKey(req)
      if (seen.has(key) || set.engine.knows(req)) continue
      seen.add(key)
      requests.push(req)
      const resource = resourceOf(req)
      perResource.set(resource, (perResource.get(resource) ?? 0) + 1)
    }
  }
  if (requests.length < minRequests) return NOTHING
  const engine = set.engine
  const pooled: CedarRequest[] = []
  const local: CedarRequest[] = []
  for (const req of requests) {
    const shortcut = engine.shortcutOf(req.action)
    if (shortcut !== null) engine.authorize(req) // settling the action, or decided for all
    else if ((perResource.get(resourceOf(req)) ?? 0) > 1) local.push(req)
    else pooled.push(req)
  }
  if (pooled.length === 0 || pooled.length < minRequests) return NOTHING // `authorizeService` asks the rest
  return startPool(set, pooled, local, workers, options.helpHere ?? true)
}

function startPool(set: CedarPolicySet, requests: CedarRequest[], local: CedarRequest[], count: number, helpHere: boolean): Prefetch {
  const chunks = Math.ceil(requests.length / CHUNK)
  const next = new Int32Array(new SharedArrayBuffer(4))
  const job: PoolJob = {policies: set.policies, seed: set.engine.seed(), requests, chunk: CHUNK, next: next.buffer as SharedArrayBuffer}
  let answered = 0
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = () => {
    wake?.()
    wake = undefined
  }
  const workers = Array.from({length: count}, () => {
    const w = new Worker(workerUrl(), {workerData: job})
    w.on('message', (m: ChunkAnswer) => {
      const base = m.chunk * CHUNK
      m.picks.forEach((pick, i) => set.engine.remember(requests[base + i], m.table[pick]))
      answered++
      notify()
    })
    w.on('error', (e) => {
      failure ??= e
      notify()
    })
    w.on('exit', (code) => {
      if (code !== 0) failure ??= new Error(`Cedar worker thread exited with code ${code}`)
      notify()
    })
    return w
  })
  const stop = () => Promise.all(workers.map((w) => w.terminate()))
  const yieldToWorkers = () => new Promise((resolve) => setImmediate(resolve))

  return {
    pooled: true,
    async finish() {
      try {
        for (let i = 0; i < local.length; i++) {
          set.engine.authorize(local[i])
          if (i % CHUNK === CHUNK - 1) await yieldToWorkers()
        }
        for (let c = helpHere ? Atomics.add(next, 0, 1) : chunks; c < chunks; c = Atomics.add(next, 0, 1)) {
          for (const req of requests.slice(c * CHUNK, (c + 1) * CHUNK)) set.engine.authorize(req)
          answered++
          // Let the workers' answers in between chunks.
          await yieldToWorkers()
          if (failure) throw failure
        }
        while (answered < chunks) {
          if (failure) throw failure
          await new Promise<void>((resolve) => (wake = resolve))
        }
        if (failure) throw failure
      } finally {
        await stop()
      }
    },
  }
}

/** The compiled worker next to this module; under vitest (TypeScript sources) the build's,
 * which test/global-setup.ts keeps current. */
function workerUrl(): URL {
  const here = new URL('./pool-worker.js', import.meta.url)
  if (!import.meta.url.endsWith('.ts')) return here
  return new URL(here.href.replace(/\/src\/layers\/cedar\/pool-worker\.js$/, '/dist/src/layers/cedar/pool-worker.js'))
}
