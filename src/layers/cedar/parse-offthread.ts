// Cedar's policy parse shared with another thread, for the live pair. Live mode never keeps
// cluster data on disk, so every run parses the whole policy set (~200 policies: ~25 ms to
// split the text and ~90 ms of policyToJson on the main thread, after the module's own
// ~25 ms compile), on the critical path, after the reads. A worker started with the diagnosis
// compiles the module while the first requests are on the wire and, once the CedarPolicies
// are read, parses the objects from the END of the load order, posting each on a
// MessagePort. The compile, going from the start, takes each object the worker has done
// (receiveMessageOnPort: synchronous, never waits) through policy-set.ts
// setParsedPolicySource, and parses the others itself; the two meet in the middle. A parse
// taken from the worker is the same function's result on the same (name, text), so the
// policy set is the same. On a loaded machine, where the worker gets no core, the main
// thread simply parses more, and without a spare core (spareCore) no worker is started.
// Built code only (from source the worker file would be an older
// build), like the Hubble worker. Created synchronously (this module loads nothing heavy),
// so the worker boots on the other core while the main thread loads the Kubernetes client.
import {existsSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {MessageChannel, type MessagePort, receiveMessageOnPort, Worker} from 'node:worker_threads'
import {packageRoot} from '../../core/io/package-root.js'
import type {Parsed, ParsedPolicyObject, ParsedPolicySource} from './policy-set.js'
import type {WasmLoadOptions} from './wasm.js'

/**
 * The worker entry in the built package: the one-file bundle (scripts/bundle-workers.mjs),
 * else the unbundled tsc output beside this module.
 */
export const CEDAR_WORKER_FILES = [
  ['dist', 'bundle', 'cedar', 'parse-worker.js'],
  ['dist', 'src', 'layers', 'cedar', 'parse-worker.js'],
]

/**
 * Threads of other processes that want a CPU right now: the running count of /proc/loadavg
 * (a snapshot, this thread included) on Linux, else the 1-minute load average. The 1-minute
 * average alone was the wrong signal: during a benchmark it counts the benchmark's own
 * processes of the previous seconds, and on a machine another job keeps busy it lags.
 */
export function busyElsewhere(): number {
  try {
    const running = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]?.split('/')[0])
    if (Number.isFinite(running) && running >= 1) return running - 1
  } catch {
    // not Linux
  }
  return os.loadavg()[0]
}

/**
 * Whether one more thread gets a core of its own: `ours` threads of this process are busy
 * already (the main thread, the Hubble worker). Measured on 2 CPUs (bench/RESULTS.md,
 * 2026-12-05): with a free core the worker took the live pair without evidence from 530 to
 * 503 ms; with the Hubble worker running too it changed nothing, and with another job
 * keeping the machine busy its CPU came out of the main thread's (570 → 680 ms).
 */
export function spareCore(elsewhere: number, cpus: number, ours: number): boolean {
  return Math.round(elsewhere) + ours + 1 <= cpus
}

/**
 * The built worker file, when the worker is worth starting (`busyThreads`: this process's
 * threads already busy): undefined from source, without a spare core, or with PLATFORM_CEDAR_IN_THREAD=1; PLATFORM_CEDAR_IN_THREAD=0 starts it whatever
 * the load (benchmarks).
 */
export function cedarParseWorkerFile(busyThreads = 1): string | undefined {
  const mode = process.env.PLATFORM_CEDAR_IN_THREAD
  if (!import.meta.url.endsWith('.js') || mode === '1') return undefined
  if (mode !== '0' && !spareCore(busyElsewhere(), os.availableParallelism(), busyThreads)) return undefined
  try {
    const root = packageRoot()
    return CEDAR_WORKER_FILES.map((parts) => path.join(root, ...parts)).find((file) => existsSync(file))
  } catch {
    return undefined
  }
}

type PolicyObjects = Array<{metadata: {name: string; namespace?: string; labels?: Record<string, string>}; spec?: Record<string, unknown>}>

export interface PolicyParser {
  /** Hands these CedarPolicy objects to the worker (once; later calls are ignored). */
  submit(objects: PolicyObjects): void
  /** submit() once this read is in; a failed read ends the worker. */
  submitWhenRead(read: Promise<{ok: true; items: PolicyObjects} | {ok: false}>): void
  /**
   * From now until close(), policy-set.ts takes the worker's finished parses (its
   * setParsedPolicySource, passed in by a caller that has it loaded: attaching must not yield
   * to the event loop right before the compile).
   */
  attach(policySet: {setParsedPolicySource(source: ParsedPolicySource | undefined): void}): void
  /** The parses received so far (takes what is waiting on the port first). */
  received(): ParsedPolicyObject[]
  /** Ends the worker; what it finished stays available to policy-set.ts until close(). */
  stop(): void
  /** Ends the worker and detaches (idempotent). */
  close(): void
}

/**
 * Starts the worker now (undefined when there is no built worker). `wasm`: the load options
 * the compile will use, so both threads ask V8 for the same compiler tiers.
 */
export function startPolicyParser(wasm: WasmLoadOptions, busyThreads = 1): PolicyParser | undefined {
  const file = cedarParseWorkerFile(busyThreads)
  if (!file) return undefined
  const {port1, port2} = new MessageChannel()
  let worker: Worker
  try {
    worker = new Worker(file, {workerData: {port: port2, wasm}, transferList: [port2]})
  } catch {
    port1.close()
    return undefined
  }
  // Never keeps the CLI alive, and nothing ever waits for it.
  worker.unref()
  port1.unref()
  const done = new Map<string, Parsed>()
  const list: ParsedPolicyObject[] = []
  let ended = false
  let stopped = false
  let attached: {setParsedPolicySource(s: undefined): void} | undefined
  const drain = (port: MessagePort) => {
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const entry = m.message as ParsedPolicyObject
      done.set(`${entry.object}\u0000${entry.text}`, entry.parsed)
      list.push(entry)
    }
  }
  const parser: PolicyParser = {
    submit(objects) {
      if (stopped || submittedOnce) return
      submittedOnce = true
      port1.postMessage({type: 'parse', objects})
    },
    submitWhenRead(read) {
      read.then((r) => (r.ok ? parser.submit(r.items) : parser.stop()), () => parser.stop())
    },
    attach(policySet) {
      if (ended) return
      attached = policySet
      policySet.setParsedPolicySource({
        get(object, text) {
          if (!stopped) drain(port1)
          return done.get(`${object}\u0000${text}`)
        },
      })
    },
    received() {
      if (!stopped) drain(port1)
      return [...list]
    },
    stop() {
      if (stopped) return
      // What is already on the port is kept.
      drain(port1)
      stopped = true
      port1.close()
      void worker.terminate()
    },
    close() {
      parser.stop()
      ended = true
      attached?.setParsedPolicySource(undefined)
      attached = undefined
    },
  }
  let submittedOnce = false
  return parser
}
