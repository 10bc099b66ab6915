// Fleet-scale Cedar on a second core. `platform compile` of 10,000 services asks Cedar
// ~11,000 questions (~1.3 s of one core, most of it inside cedar-wasm), and none of them
// depends on the service graph, which the main thread builds meanwhile (~0.5 s). So the
// requests, known from the specs alone (service.ts gateSteps), go to a worker thread that
// runs its own CedarEngine over the policies the main thread loaded; its verdicts are then
// handed to the gates in request order. Every decision is still Cedar's, made by the same
// engine code over the same policies: the worker changes where it runs, not what it says.
// A request the worker did not answer (a worker that failed) is answered on the main thread
// as before. Once the main thread has built its graph it takes the batches the worker has
// not reached yet, so both cores finish the gates together.
//
// The worker is started before admission, so its start and the module's compilation
// (~0.1 s of the other core) are done by the time the requests are known. Only for large
// runs (THREAD_FROM_SERVICES): a pair or a small fleet never repays a thread.
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import {availableParallelism} from 'node:os'
import path from 'node:path'
import type {Worker} from 'node:worker_threads'
import {packageRoot} from '../../core/io/package-root.js'
import type {CedarRequest, LoadedPolicy, Verdict} from './engine.js'
import type {CedarPolicySet} from './policy-set.js'

/** Below this many services to authorize the main thread answers Cedar itself. */
export const THREAD_FROM_SERVICES = 1000

/**
 * The worker entry in the built package (the worker runs built code even under tests): the
 * one-file bundle (scripts/bundle-workers.mjs), else the tsc output.
 */
const WORKER_FILES = [
  ['dist', 'bundle', 'cedar', 'thread-worker.js'],
  ['dist', 'src', 'layers', 'cedar', 'thread-worker.js'],
]

const requireCjs = createRequire(import.meta.url)

export interface ThreadOptions {
  /** `auto`: a worker from THREAD_FROM_SERVICES services on, when the CLI runs built on two cores or more. */
  mode?: 'auto' | 'always' | 'never'
  /** Services the run authorizes (the worker compiles the module for that many, wasm.ts). */
  services: number
  /** This thread takes the batches the worker has not reached once it waits (default true). */
  steal?: boolean
}

/** workerData of thread-worker.ts. */
export interface WorkerStart {
  services: number
}

/**
 * Who answers a batch, decided once by whichever thread claims it first (an Int32 in a
 * SharedArrayBuffer, claimed with Atomics.compareExchange): the worker in order from the
 * first batch, this thread from the last once its graph is built.
 */
export const CLAIM = {free: 0, worker: 1, main: 2} as const

/** What thread-worker.ts is sent, in this order: the policies once, batches, the end. */
export type ToWorker = {type: 'policies'; policies: LoadedPolicy[]} | {type: 'ask'; batch: number; requests: CedarRequest[]; claim: SharedArrayBuffer} | {type: 'end'}
/** Its answers: each batch's verdicts in request order (none when this thread claimed it), then `end`. */
export type FromWorker = {type: 'verdicts'; batch: number; verdicts?: Verdict[]} | {type: 'end'}

export interface CedarThread {
  /** The policies every request is answered against: the set loaded on this thread. Once, first. */
  use(set: CedarPolicySet): void
  /** Hands requests over; the worker starts on them at once. */
  ask(requests: CedarRequest[]): void
  /**
   * This thread takes the batches the worker has not reached, last first, and answers them
   * with the set's engine while the worker finishes its own; resolves to every verdict, in
   * the order the requests were asked. A request of a batch a failed worker held has none
   * (undefined): the caller asks the engine. Never rejects.
   */
  answered(): Promise<Array<Verdict | undefined>>
  /** Ends the worker when no answer will be asked. */
  close(): Promise<void>
}

/** Requests per batch: small enough that the two threads end close together. */
const BATCH = 256
/** Fewer batches left than this are not worth a second cedar-wasm on the main thread. */
const STEAL_FROM_BATCHES = 8

interface Batch {
  requests: CedarRequest[]
  claim: Int32Array
  verdicts?: Verdict[]
}

function workerFile(): string | undefined {
  try {
    const root = packageRoot()
    return WORKER_FILES.map((f) => path.join(root, ...f)).find((f) => existsSync(f))
  } catch {
    return undefined
  }
}

/** Starts the worker now (it compiles cedar-wasm meanwhile), or undefined when not worth one. */
export function startCedarThread(opts: ThreadOptions): CedarThread | undefined {
  const mode = opts.mode ?? 'auto'
  if (mode === 'never') return undefined
  // One core: a worker would only take turns with this thread.
  if (mode === 'auto' && (opts.services < THREAD_FROM_SERVICES || !import.meta.url.endsWith('.js') || availableParallelism() < 2)) return undefined
  const file = workerFile()
  if (!file) return undefined
  // Synchronously (not `await import`): the worker must start now, while this thread goes on.
  const {Worker: WorkerClass} = requireCjs('node:worker_threads') as typeof import('node:worker_threads')
  let worker: Worker
  try {
    worker = new WorkerClass(file, {workerData: {services: opts.services} satisfies WorkerStart})
  } catch {
    return undefined
  }
  // A worker never asked never holds the CLI open.
  worker.unref()
  let set: CedarPolicySet | undefined
  const batches: Batch[] = []
  let ended = false
  let settle: (() => void) | undefined
  const end = () => {
    if (ended) return
    ended = true
    void worker.terminate()
    settle?.()
  }
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'end') end()
    else if (m.verdicts) batches[m.batch].verdicts = m.verdicts
  })
  worker.once('error', end)
  worker.once('exit', end)
  const post = (m: ToWorker) => {
    if (!ended) worker.postMessage(m)
  }
  /** Every verdict in request order; none for a batch left unanswered or answered short. */
  const collect = (): Array<Verdict | undefined> =>
    batches.flatMap((b) => (b.verdicts?.length === b.requests.length ? b.verdicts : new Array<Verdict | undefined>(b.requests.length).fill(undefined)))
  return {
    use(s) {
      set = s
      post({type: 'policies', policies: s.policies})
    },
    ask(requests) {
      for (let i = 0; i < requests.length; i += BATCH) {
        const claim = new SharedArrayBuffer(4)
        const batch: Batch = {requests: requests.slice(i, i + BATCH), claim: new Int32Array(claim)}
        post({type: 'ask', batch: batches.length, requests: batch.requests, claim})
        batches.push(batch)
      }
    },
    async answered() {
      if (ended || !set || batches.length === 0) {
        end()
        return collect()
      }
      worker.ref()
      const done = new Promise<void>((resolve) => (settle = resolve))
      post({type: 'end'})
      // The batches the worker has not reached are this thread's, last first: the worker
      // goes in order, so the first one it holds ends the search. Only when enough are left
      // to repay loading cedar-wasm on this thread too (~50 ms and ~20 MB).
      let left = 0
      for (let i = batches.length - 1; i >= 0 && Atomics.load(batches[i].claim, 0) === CLAIM.free; i--) left++
      for (let i = batches.length - 1; i >= 0 && opts.steal !== false && left >= STEAL_FROM_BATCHES; i--) {
        const b = batches[i]
        if (Atomics.compareExchange(b.claim, 0, CLAIM.free, CLAIM.main) !== CLAIM.free) break
        b.verdicts = b.requests.map((r) => set!.engine.authorize(r))
      }
      await done
      return collect()
    },
    close: async () => {
      await worker.terminate()
      end()
    },
  }
}
