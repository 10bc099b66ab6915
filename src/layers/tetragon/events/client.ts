// Tetragon gRPC client (FineGuidanceSensors.GetEvents) on the project's own proto subset.
// @grpc/grpc-js and @grpc/proto-loader are imported lazily so CLI start-up never loads them.
// GetEvents is a live stream with no history: it runs until the caller aborts; timeoutMs
// bounds only the wait for the connection, so an unreachable agent fails fast.
import type * as GrpcJs from '@grpc/grpc-js'
import {channelCredentials, channelOptions, loadGrpcPackage} from '../../../core/io/grpc.js'
import type {ProcessEventRecord} from '../../../core/evidence.js'
import {toEvidenceError} from '../../../core/io/evidence-errors.js'
import {eventFromJson} from './normalize.js'
import {tetragonProtoDir} from './protoRoot.js'

export interface TetragonClientOptions {
  /** host:port of the tetragon gRPC endpoint (default port 54321). */
  address: string
  tls?: boolean
  caFile?: string
  certFile?: string
  keyFile?: string
  serverName?: string
  /** How long to wait for the connection before failing. Default 10s. */
  timeoutMs?: number
}

export interface TetragonEventFilter {
  namespaces: string[]
  /** Pod name regexes (Tetragon's pod_regex, RE2). */
  podRegex?: string[]
  /** Event kinds requested from the server; default kprobe (with LSM-hook and tracepoint events: SIGKILLs come from those). */
  types?: Array<ProcessEventRecord['type']>
}

export interface TetragonClient {
  readonly address: string
  /** Live events; aborting the signal ends the iteration quietly. */
  events(filter: TetragonEventFilter, signal?: AbortSignal): AsyncIterable<ProcessEventRecord>
  close(): void
}

export const DEFAULT_TETRAGON_TIMEOUT_MS = 10_000

/** Server event types per record type: kills come from kprobe, LSM-hook and tracepoint policies alike. */
const EVENT_SET: Record<ProcessEventRecord['type'], string[]> = {
  kprobe: ['PROCESS_KPROBE', 'PROCESS_LSM', 'PROCESS_TRACEPOINT'],
  exec: ['PROCESS_EXEC'],
  exit: ['PROCESS_EXIT'],
}

type StreamCall = GrpcJs.ClientReadableStream<Record<string, unknown>>
interface SensorsStub extends GrpcJs.Client {
  GetEvents(req: object, options: GrpcJs.CallOptions): StreamCall
}
interface Loaded {
  grpc: typeof GrpcJs
  Sensors: new (address: string, creds: GrpcJs.ChannelCredentials, options?: GrpcJs.ChannelOptions) => SensorsStub
}

async function load(): Promise<Loaded> {
  const {grpc, pkg} = await loadGrpcPackage<{tetragon: {FineGuidanceSensors: Loaded['Sensors']}}>('tetragon/sensors.proto', tetragonProtoDir)
  return {grpc, Sensors: pkg.tetragon.FineGuidanceSensors}
}

/** The GetEventsRequest for a filter (proto-loader shape: camelCase, enum names). */
export function buildEventsRequest(filter: TetragonEventFilter): {allowList: Array<Record<string, string[]>>} {
  const allow: Record<string, string[]> = {
    namespace: filter.namespaces,
    eventSet: (filter.types ?? ['kprobe']).flatMap((t) => EVENT_SET[t]),
  }
  if (filter.podRegex && filter.podRegex.length > 0) allow.podRegex = filter.podRegex
  return {allowList: [allow]}
}

export async function createTetragonClient(opts: TetragonClientOptions): Promise<TetragonClient> {
  const {grpc, Sensors} = await load()
  const stub = new Sensors(opts.address, channelCredentials(grpc, opts), channelOptions(opts.serverName))
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TETRAGON_TIMEOUT_MS
  const address = opts.address

  function ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      stub.waitForReady(Date.now() + timeoutMs, (err) => {
        if (!err) return resolve()
        reject(toEvidenceError('tetragon', 'connect', address, {code: 4, details: err.message}, timeoutMs))
      })
    })
  }

  async function* events(filter: TetragonEventFilter, signal?: AbortSignal): AsyncGenerator<ProcessEventRecord> {
    if (signal?.aborted) return
    await ready()
    if (signal?.aborted) return
    const call = stub.GetEvents(buildEventsRequest(filter), {})
    const onAbort = () => call.cancel()
    signal?.addEventListener('abort', onAbort, {once: true})
    try {
      for await (const msg of call) {
        const rec = eventFromJson(msg)
        if (rec) yield rec
      }
    } catch (err) {
      if (signal?.aborted) return
      throw toEvidenceError('tetragon', 'GetEvents', address, err)
    } finally {
      signal?.removeEventListener('abort', onAbort)
      call.cancel()
    }
  }

  return {
    address,
    events,
    close() {
      stub.close()
    },
  }
}
