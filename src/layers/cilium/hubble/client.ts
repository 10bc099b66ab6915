// Hubble (Relay or agent) gRPC client on the project's own observer.proto subset.
// @grpc/grpc-js and @grpc/proto-loader are imported lazily: CLI start-up and offline runs
// never load them; only the first live Hubble query pays for it.
import type * as GrpcJs from '@grpc/grpc-js'
import {channelCredentials, channelOptions, loadGrpcPackage} from '../../../core/io/grpc.js'
import type {FlowRecord} from '../../../core/evidence.js'
import {toEvidenceError} from '../../../core/io/evidence-errors.js'
import {buildFlowWhitelist, type FlowQuery} from './filters.js'
import {isLostEvents, responseFromJson, type HubbleRecord, type LostEventsRecord} from './normalize.js'
import {hubbleProtoDir} from './protoRoot.js'
import {dateToTimestamp} from '../../../core/io/timestamp.js'

export interface HubbleClientOptions {
  /** host:port of hubble-relay (or a local agent socket address). */
  address: string
  tls?: boolean
  caFile?: string
  /** Client certificate for mTLS (Relay with client auth). */
  certFile?: string
  keyFile?: string
  /** TLS server name when it differs from the address (e.g. *.hubble-relay.cilium.io). */
  serverName?: string
  /** Deadline of each unary call and of each non-follow GetFlows stream. Default 10s. */
  timeoutMs?: number
}

export interface HubbleStatus {
  numFlows: number
  maxFlows: number
  seenFlows: number
  uptimeNs: number
  numConnectedNodes?: number
  numUnavailableNodes?: number
  unavailableNodes: string[]
  version?: string
  flowsRate: number
}

/** How much history the flow buffer holds (for "in the last 28s of history"). */
export interface HubbleCoverage {
  numFlows: number
  maxFlows: number
  /** The ring buffer is full: flows older than oldestFlowTime were overwritten. */
  bufferFull: boolean
  oldestFlowTime?: string
}

export interface HubbleClient {
  readonly address: string
  serverStatus(): Promise<HubbleStatus>
  /** ServerStatus plus the time of the oldest flow still buffered. */
  coverage(): Promise<HubbleCoverage>
  /** Flows (and lost-event notices) matching the query; aborting the signal ends the iteration quietly. */
  flows(query: FlowQuery, signal?: AbortSignal): AsyncIterable<FlowRecord | LostEventsRecord>
  /** Resolves once the channel is connected, or could not connect within the timeout (never rejects). */
  connected(): Promise<void>
  close(): void
}

export const DEFAULT_HUBBLE_TIMEOUT_MS = 10_000

type StreamCall = GrpcJs.ClientReadableStream<Record<string, unknown>>
interface ObserverStub extends GrpcJs.Client {
  GetFlows(req: object, options: GrpcJs.CallOptions): StreamCall
  ServerStatus(req: object, options: GrpcJs.CallOptions, cb: (err: GrpcJs.ServiceError | null, res?: Record<string, unknown>) => void): void
}
interface Loaded {
  grpc: typeof GrpcJs
  Observer: new (address: string, creds: GrpcJs.ChannelCredentials, options?: GrpcJs.ChannelOptions) => ObserverStub
}

async function load(): Promise<Loaded> {
  // 64-bit fields (timestamps, counters, policy revisions) as numbers: converting each to a
  // decimal string through long.js was a fifth of decoding a flow, and none of these values
  // comes near 2^53. The normalizer reads numbers and strings alike.
  const {grpc, pkg} = await loadGrpcPackage<{observer: {Observer: Loaded['Observer']}}>('observer/observer.proto', hubbleProtoDir, {longs: Number})
  return {grpc, Observer: pkg.observer.Observer}
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v ?? 0)
  return Number.isFinite(n) ? n : 0
}

function wrapped(v: unknown): number | undefined {
  return typeof v === 'object' && v !== null && typeof (v as {value?: unknown}).value === 'number' ? (v as {value: number}).value : undefined
}

export async function createHubbleClient(opts: HubbleClientOptions): Promise<HubbleClient> {
  const {grpc, Observer} = await load()
  const stub = new Observer(opts.address, channelCredentials(grpc, opts), channelOptions(opts.serverName))
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HUBBLE_TIMEOUT_MS
  const address = opts.address

  function serverStatus(): Promise<HubbleStatus> {
    return new Promise((resolve, reject) => {
      stub.ServerStatus({}, {deadline: Date.now() + timeoutMs}, (err, res) => {
        if (err || !res) return reject(toEvidenceError('hubble', 'ServerStatus', address, err, timeoutMs))
        const status: HubbleStatus = {
          numFlows: num(res.numFlows),
          maxFlows: num(res.maxFlows),
          seenFlows: num(res.seenFlows),
          uptimeNs: num(res.uptimeNs),
          unavailableNodes: Array.isArray(res.unavailableNodes) ? (res.unavailableNodes as string[]) : [],
          flowsRate: num(res.flowsRate),
        }
        const connected = wrapped(res.numConnectedNodes)
        if (connected !== undefined) status.numConnectedNodes = connected
        const unavailable = wrapped(res.numUnavailableNodes)
        if (unavailable !== undefined) status.numUnavailableNodes = unavailable
        if (typeof res.version === 'string' && res.version) status.version = res.version
        resolve(status)
      })
    })
  }

  async function* stream(request: object, follow: boolean, signal?: AbortSignal): AsyncGenerator<HubbleRecord> {
    if (signal?.aborted) return
    const call = stub.GetFlows(request, follow ? {} : {deadline: Date.now() + timeoutMs})
    const onAbort = () => call.cancel()
    signal?.addEventListener('abort', onAbort, {once: true})
    try {
      for await (const msg of call) {
        const rec = responseFromJson(msg)
        if (rec) yield rec
      }
    } catch (err) {
      if (signal?.aborted) return
      throw toEvidenceError('hubble', 'GetFlows', address, err, follow ? undefined : timeoutMs)
    } finally {
      signal?.removeEventListener('abort', onAbort)
      // Stops the server stream when the consumer leaves the loop early; no-op once it ended.
      call.cancel()
    }
  }

  return {
    address,
    serverStatus,
    async coverage() {
      const status = await serverStatus()
      let oldestFlowTime: string | undefined
      // first=true, number=1: the oldest flow still in the buffer (Relay merges all nodes).
      for await (const rec of stream({first: true, number: '1'}, false)) {
        if (!isLostEvents(rec) && rec.time) {
          oldestFlowTime = rec.time
          break
        }
      }
      const cov: HubbleCoverage = {
        numFlows: status.numFlows,
        maxFlows: status.maxFlows,
        bufferFull: status.maxFlows > 0 && status.numFlows >= status.maxFlows,
      }
      if (oldestFlowTime) cov.oldestFlowTime = oldestFlowTime
      return cov
    },
    flows(query: FlowQuery, signal?: AbortSignal) {
      const request: Record<string, unknown> = {
        since: dateToTimestamp(query.since),
        follow: query.follow === true,
        number: String(query.limit ?? 0),
        whitelist: buildFlowWhitelist(query),
      }
      if (query.until) request.until = dateToTimestamp(query.until)
      return stream(request, query.follow === true, signal)
    },
    connected() {
      return new Promise<void>((resolve) => stub.waitForReady(Date.now() + timeoutMs, () => resolve()))
    },
    close() {
      stub.close()
    },
  }
}
