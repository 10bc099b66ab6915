// Cedar's policy parse on another thread, for the live pair. Live mode never keeps cluster
// data on disk, so every run parses the whole policy set (~200 policies: ~25 ms to split the
// text and ~90 ms of policyToJson on the main thread, after the module's own ~25 ms compile),
// and it did so on the critical path, after the reads. A worker started with the diagnosis
// compiles the module while the first requests are on the wire and parses the CedarPolicy
// objects as soon as their read is in; the results prime policy-set.ts, which then only
// looks them up (same function, same input: the same result). Anything that goes wrong
// here only means the main thread parses, as before. Built code only (from source the
// worker file would be an older build), like the Hubble worker. Started synchronously (this
// module loads nothing heavy) so the worker boots on the other core while the main thread
// loads the Kubernetes client.
import {existsSync} from 'node:fs'
import path from 'node:path'
import {Worker} from 'node:worker_threads'
import {packageRoot} from '../../core/io/package-root.js'
import type {ParsedPolicyObject} from './policy-set.js'
import type {WasmLoadOptions} from './wasm.js'

/**
 * The worker entry in the built package: the one-file bundle (scripts/bundle-workers.mjs),
 * else the unbundled tsc output beside this module.
 */
export const CEDAR_WORKER_FILES = [
  ['dist', 'bundle', 'cedar', 'parse-worker.js'],
  ['dist', 'src', 'layers', 'cedar', 'parse-worker.js'],
]

/** The built worker file (undefined from source, or with PLATFORM_CEDAR_IN_THREAD=1). */
export function cedarParseWorkerFile(): string | undefined {
  if (!import.meta.url.endsWith('.js') || process.env.PLATFORM_CEDAR_IN_THREAD === '1') return undefined
  try {
    const root = packageRoot()
    return CEDAR_WORKER_FILES.map((parts) => path.join(root, ...parts)).find((file) => existsSync(file))
  } catch {
    return undefined
  }
}

export interface PolicyParser {
  /**
   * Parses these objects' texts on the worker; resolves once policy-set.ts is primed with
   * them (true), or the worker could not (false: the main thread parses). Never rejects.
   */
  parse(objects: Array<{metadata: {name: string}; spec?: Record<string, unknown>}>): Promise<boolean>
  /** parse() once this read is in (a failed read: the worker is ended and nothing is primed). */
  parseWhenRead(read: Promise<{ok: true; items: Array<{metadata: {name: string}; spec?: Record<string, unknown>}>} | {ok: false}>): Promise<boolean>
  close(): void
}

/** Gives up on the worker after this long: the main thread parses instead. */
const GIVE_UP_MS = 5000

/**
 * Starts the worker now (undefined when there is no built worker). `wasm`: the load options
 * the compile will use, so both threads ask V8 for the same compiler tiers.
 */
export function startPolicyParser(wasm: WasmLoadOptions): PolicyParser | undefined {
  const file = cedarParseWorkerFile()
  if (!file) return undefined
  let worker: Worker
  try {
    worker = new Worker(file, {workerData: wasm})
  } catch {
    return undefined
  }
  // Never keeps the CLI alive: the diagnosis waits for it only while it needs it.
  worker.unref()
  let done: ((parsed: ParsedPolicyObject[] | undefined) => void) | undefined
  const settle = (parsed: ParsedPolicyObject[] | undefined) => {
    done?.(parsed)
    done = undefined
  }
  worker.on('message', (m: {type: 'parsed'; parsed: ParsedPolicyObject[]} | {type: 'failed'}) => settle(m.type === 'parsed' ? m.parsed : undefined))
  worker.on('error', () => settle(undefined))
  let exited = false
  worker.on('exit', () => {
    exited = true
    settle(undefined)
  })
  let asked = false
  const parser: PolicyParser = {
    parseWhenRead: (read) => read.then((r) => {
      if (r.ok) return parser.parse(r.items)
      parser.close()
      return false
    }, () => false),
    async parse(objects) {
      if (asked || exited) return false
      asked = true
      const items = objects.map((o) => ({object: o.metadata.name, text: typeof o.spec?.policies === 'string' ? o.spec.policies : ''}))
      let timer: NodeJS.Timeout | undefined
      const parsed = await new Promise<ParsedPolicyObject[] | undefined>((resolve) => {
        done = resolve
        // Held by the diagnosis while it waits for the answer.
        worker.ref()
        worker.postMessage({type: 'parse', items})
        timer = setTimeout(() => settle(undefined), GIVE_UP_MS)
      })
      clearTimeout(timer)
      void worker.terminate()
      // policy-set.ts (and the engine behind it) is loaded by the compile anyway, not at start.
      if (!parsed) return false
      ;(await import('./policy-set.js')).primeParsedPolicies(parsed)
      return true
    },
    close: () => {
      exited = true
      settle(undefined)
      void worker.terminate()
    },
  }
  return parser
}
