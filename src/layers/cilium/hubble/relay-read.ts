// One bounded read of a pair's flows from Hubble Relay, run in a worker thread when the CLI
// runs built. The gRPC side is CPU: loading @grpc/grpc-js and protobufjs, parsing the
// observer protos, decoding and normalizing every flow (~250 ms of CPU for ~700 flows). On
// the main thread it took turns with the compile of the pair's policies; in a worker it
// runs on another core, and the worker is started with the first request wave so the
// loading is done by the time the pair's pods are known. From source (tests, tsx) there is
// no built worker file: the same read runs on the calling thread.
import {existsSync} from 'node:fs'
import path from 'node:path'
import {Worker} from 'node:worker_threads'
import type {EvidenceSourceState} from '../../../core/evidence.js'
import {packageRoot} from '../../../core/io/package-root.js'
import type {HubbleClient, HubbleClientOptions, HubbleCoverage} from './client.js'
import type {DirectedFlowFilter} from './direction.js'
import type {MatchedFlow} from './reader.js'

export interface RelayFlowsRequest {
  filter: DirectedFlowFilter
  since: Date
  /** Most flows kept (the state still counts every one). */
  keep: number
  /** Stop reading after this long (the backstop just after the gRPC deadline); what came is kept. */
  backstopMs: number
}

export interface RelayFlowsResult {
  flows: MatchedFlow[]
  state: EvidenceSourceState
  coverage?: HubbleCoverage
  /** The backstop stopped the read: later flows were not read. */
  stopped: boolean
}

export interface RelayReader {
  /**
   * Resolves once the flows request no longer needs the calling thread: the channel is
   * connected (or could not connect) on this thread, or the read was handed to the worker.
   */
  connected(): Promise<void>
  read(request: RelayFlowsRequest): Promise<RelayFlowsResult>
  /** Ends the reader (after a read, or when no read will come). */
  close(): void
}

/**
 * The worker entry in the built package: the one-file bundle with gRPC and the observer
 * descriptor compiled in (scripts/bundle-workers.mjs), else the unbundled tsc output
 * beside this module (a build without the bundle step).
 */
export const WORKER_FILES = [
  ['dist', 'bundle', 'hubble', 'relay-worker.js'],
  ['dist', 'src', 'layers', 'cilium', 'hubble', 'relay-worker.js'],
]

/** Which worker file a built CLI starts (undefined: the read runs on the calling thread). */
export function workerFile(): string | undefined {
  // Built code only: from source the worker file would be an older build.
  if (!import.meta.url.endsWith('.js') || process.env.PLATFORM_HUBBLE_IN_THREAD === '1') return undefined
  try {
    const root = packageRoot()
    return WORKER_FILES.map((parts) => path.join(root, ...parts)).find((file) => existsSync(file))
  } catch {
    return undefined
  }
}

/** Starts connecting to Relay now (in a worker when built); the flows are asked with read(). */
export function openRelayReader(client: HubbleClientOptions): RelayReader {
  const file = workerFile()
  return file ? workerReader(file, client) : threadReader(client)
}

/** The read itself, on whatever thread calls it. */
export async function readRelayFlows(client: HubbleClient, request: RelayFlowsRequest): Promise<RelayFlowsResult> {
  const {readHubbleRelay} = await import('./reader.js')
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), request.backstopMs)
  const read = readHubbleRelay(client, {filter: request.filter, window: {since: request.since}, signal: ac.signal})
  const flows: MatchedFlow[] = []
  try {
    for await (const f of read.records) if (flows.length < request.keep) flows.push(f)
  } finally {
    clearTimeout(timer)
  }
  const coverage = await read.coverage
  return {flows, state: read.state(), ...(coverage ? {coverage} : {}), stopped: ac.signal.aborted}
}

function threadReader(options: HubbleClientOptions): RelayReader {
  // Created on first use: a reader opened early and never read leaves no channel open.
  let client: Promise<HubbleClient> | undefined
  const open = () => {
    client ??= import('./client.js').then(({createHubbleClient}) => createHubbleClient(options))
    return client
  }
  return {
    // A failed start is reported by read(); connected() only says the attempt is over.
    connected: () => open().then((c) => c.connected(), () => undefined),
    read: async (request) => readRelayFlows(await open(), request),
    close: () => void client?.then((c) => c.close(), () => undefined),
  }
}

const GUARD_MS = 2000

type FromWorker =
  | {type: 'connected'}
  | {type: 'done'; result: RelayFlowsResult}
  | {type: 'failed'; message: string}

function workerReader(file: string, options: HubbleClientOptions): RelayReader {
  let worker: Worker | undefined
  let failure: Error | undefined
  let markConnected = () => {}
  const connected = new Promise<void>((resolve) => (markConnected = resolve))
  let settle: {resolve(r: RelayFlowsResult): void; reject(e: Error): void} | undefined
  const fail = (error: Error) => {
    failure ??= error
    markConnected()
    settle?.reject(failure)
  }
  // The worker connects and streams on its own thread: once it has the read, a busy main
  // thread (the compile) holds nothing back.
  let handedOver = () => {}
  const posted = new Promise<void>((resolve) => (handedOver = resolve))
  // Created now, synchronously: the worker boots while the caller goes on (kubeconfig, first wave).
  const started = (async () => {})()
  try {
    worker = new Worker(file, {workerData: options})
    // Never keeps the CLI alive on its own; the read's promise holds the caller.
    worker.unref()
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'connected') markConnected()
      else if (m.type === 'done') settle?.resolve(m.result)
      else fail(new Error(m.message))
    })
    worker.on('error', (e) => fail(e))
    worker.on('exit', (code) => fail(new Error(`hubble reader stopped (exit ${code})`)))
  } catch (error) {
    fail(error as Error)
  }
  return {
    connected: () => Promise.race([connected, posted]),
    async read(request) {
      await started
      if (failure) {
        handedOver()
        throw failure
      }
      let guard: NodeJS.Timeout | undefined
      return new Promise<RelayFlowsResult>((resolve, reject) => {
        settle = {resolve, reject}
        worker!.ref()
        worker!.postMessage({type: 'read', request})
        handedOver()
        // The worker stops itself at the backstop; a worker that does not (stuck) is ended
        // here, so it can never keep the CLI alive.
        guard = setTimeout(() => fail(new Error(`hubble reader gave no answer within ${request.backstopMs + GUARD_MS} ms`)), request.backstopMs + GUARD_MS)
      }).finally(() => {
        clearTimeout(guard)
        void worker?.terminate()
      })
    },
    close: () => void started.then(() => worker?.terminate()),
  }
}
