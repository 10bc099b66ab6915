// Fleet-scale Cedar on a second core. `platform compile` of 10,000 services asks Cedar
// ~11,000 questions (~1.3 s of one core, most of it inside cedar-wasm), and none of them
// depends on the service graph, which the main thread builds meanwhile (~0.5 s). So the
// requests, known from the specs alone (service.ts gateSteps), go to a worker thread that
// runs its own CedarEngine over the policies the main thread loaded; its verdicts then prime
// the main engine, which answers every gate from them. Every decision is still Cedar's, made
// by the same engine code over the same policies: the worker changes where it runs, not what
// it says. A request the worker was not given, or a worker that fails, is answered on the
// main thread as before.
//
// The worker is started before admission, so its start and the module's compilation
// (~0.1 s of the other core) are done by the time the requests are known. Only for large
// runs (THREAD_FROM_SERVICES): a pair or a small fleet never repays a thread.
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import type {Worker} from 'node:worker_threads'
import {packageRoot} from '../../core/io/package-root.js'
import type {CedarRequest, LoadedPolicy, Verdict} from './engine.js'
import type {CedarPolicySet} from './policy-set.js'

/** Below this many services to authorize the main thread answers Cedar itself. */
export const THREAD_FROM_SERVICES = 1000

/** The worker entry in the built package (the worker runs built code even under tests). */
const WORKER_FILE = ['dist', 'src', 'layers', 'cedar', 'thread-worker.js']

const requireCjs = createRequire(import.meta.url)

export interface ThreadOptions {
  /** `auto`: a worker from THREAD_FROM_SERVICES services on, when the CLI runs built. */
  mode?: 'auto' | 'always' | 'never'
  /** Services the run authorizes (the worker compiles the module for that many, wasm.ts). */
  services: number
}

/** workerData of thread-worker.ts. */
export interface WorkerStart {
  services: number
}

/** What thread-worker.ts is sent, in this order: the policies once, requests, the end. */
export type ToWorker = {type: 'policies'; policies: LoadedPolicy[]} | {type: 'ask'; requests: CedarRequest[]} | {type: 'end'}
/** Its answers: the verdicts of each `ask`, in order, then `end`. */
export type FromWorker = {type: 'verdicts'; verdicts: Verdict[]} | {type: 'end'}

export interface CedarThread {
  /** The policies every request is answered against: the set loaded on this thread. Once, first. */
  use(set: CedarPolicySet): void
  /** Hands requests over; the worker starts on them at once. */
  ask(requests: CedarRequest[]): void
  /**
   * Resolves once the set's engine is primed with every answer (to their number), or once
   * the worker failed (to 0: nothing is primed, this thread answers). Never rejects.
   */
  answered(): Promise<number>
  /** Ends the worker when no answer will be asked. */
  close(): void
}

function workerFile(): string | undefined {
  try {
    const file = path.join(packageRoot(), ...WORKER_FILE)
    return existsSync(file) ? file : undefined
  } catch {
    return undefined
  }
}

/** Starts the worker now (it compiles cedar-wasm meanwhile), or undefined when not worth one. */
export function startCedarThread(opts: ThreadOptions): CedarThread | undefined {
  const mode = opts.mode ?? 'auto'
  if (mode === 'never') return undefined
  if (mode === 'auto' && (opts.services < THREAD_FROM_SERVICES || !import.meta.url.endsWith('.js'))) return undefined
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
  const asked: CedarRequest[] = []
  const verdicts: Verdict[] = []
  let ended = false
  let settle: ((primed: number) => void) | undefined
  const end = (primed: number) => {
    if (ended) return
    ended = true
    void worker.terminate()
    settle?.(primed)
  }
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'verdicts') {
      verdicts.push(...m.verdicts)
      return
    }
    try {
      set!.engine.prime(asked, verdicts)
      end(asked.length)
    } catch {
      end(0) // a short answer primes nothing: this thread answers every request
    }
  })
  worker.once('error', () => end(0))
  worker.once('exit', () => end(0))
  const post = (m: ToWorker) => {
    if (!ended) worker.postMessage(m)
  }
  return {
    use(s) {
      set = s
      post({type: 'policies', policies: s.policies})
    },
    ask(requests) {
      if (requests.length === 0) return
      asked.push(...requests)
      post({type: 'ask', requests})
    },
    answered() {
      if (ended || !set || asked.length === 0) {
        end(0)
        return Promise.resolve(0)
      }
      worker.ref()
      const done = new Promise<number>((resolve) => (settle = resolve))
      post({type: 'end'})
      return done
    },
    close: () => void worker.terminate(),
  }
}
