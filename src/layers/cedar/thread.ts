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

/** The one message thread-worker.ts answers. */
export interface WorkerAsk {
  policies: LoadedPolicy[]
  requests: CedarRequest[]
}

export interface CedarThread {
  /**
   * Hands the requests to the worker; resolves once `set`'s engine is primed with the
   * answers (to their number), or once the worker failed (to 0: nothing is primed). Never
   * rejects. Once only.
   */
  answer(set: CedarPolicySet, requests: CedarRequest[]): Promise<number>
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
  let ended = false
  const ending: Array<() => void> = []
  const end = () => {
    ended = true
    for (const f of ending.splice(0)) f()
  }
  worker.once('error', end)
  worker.once('exit', end)
  return {
    answer(set, requests) {
      if (ended || requests.length === 0 || set.policies.length === 0) {
        void worker.terminate()
        return Promise.resolve(0)
      }
      return new Promise<number>((resolve) => {
        const finish = (primed: number) => {
          resolve(primed)
          void worker.terminate()
        }
        worker.once('message', (verdicts: Verdict[]) => {
          try {
            set.engine.prime(requests, verdicts)
            finish(requests.length)
          } catch {
            finish(0) // a short answer primes nothing: the main thread answers every request
          }
        })
        ending.push(() => finish(0))
        worker.ref()
        worker.postMessage({policies: set.policies, requests} satisfies WorkerAsk)
      })
    },
    close: () => void worker.terminate(),
  }
}
