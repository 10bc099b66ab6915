// The Tetragon evidence reader: process events of chosen pods over a window, from the
// export-stdout logs (one stream per node) or the live GetEvents stream, with the source's
// state. The filter names pods, not a pair: the caller decides which pod's events say what
// (A's pods for the client binary, B's pods for the serving entrypoint, §10.14).
import {EvidenceTally, mergeStreams, type EvidenceRead, type EvidenceWindow, type ProcessEventRecord} from '../../../core/evidence.js'
import type {LineSource} from '../../../core/io/lines.js'
import type {TetragonClient} from './client.js'
import {parseTetragonStream} from './stream.js'

export interface ProcessEventFilter {
  /** Empty: every namespace (a cluster-wide triage). */
  namespaces: string[]
  /** `namespace/pod`; all pods of the namespaces when absent. */
  pods?: string[]
  types?: Array<ProcessEventRecord['type']>
}

export interface TetragonReadOptions {
  filter: ProcessEventFilter
  window: EvidenceWindow
}

export interface TetragonLogStream {
  agent: string
  input: LineSource
  startedAt?: string
}

function matcher(filter: ProcessEventFilter): (e: ProcessEventRecord) => boolean {
  const pods = filter.pods && filter.pods.length > 0 ? new Set(filter.pods) : undefined
  const namespaces = new Set(filter.namespaces)
  const anyNamespace = namespaces.size === 0
  return (e) => e.namespace !== undefined && (anyNamespace || namespaces.has(e.namespace)) && (!pods || (e.pod !== undefined && pods.has(`${e.namespace}/${e.pod}`)))
}

/** export-stdout of the Tetragon agents (container export-stdout, one JSON event per line). */
export function readTetragonLogs(streams: TetragonLogStream[], opts: TetragonReadOptions): EvidenceRead<ProcessEventRecord> {
  const tally = new EvidenceTally('tetragon', opts.window)
  const mine = matcher(opts.filter)
  const since = opts.window.since.getTime()
  const one = async function* (s: TetragonLogStream): AsyncGenerator<ProcessEventRecord> {
    tally.agentAsked()
    let got = 0
    try {
      for await (const e of parseTetragonStream(s.input, {...(opts.filter.namespaces.length > 0 ? {namespaces: opts.filter.namespaces} : {}), ...(opts.filter.types ? {types: opts.filter.types} : {})})) {
        tally.recordsRead++
        got++
        const t = Date.parse(e.time)
        if ((Number.isFinite(t) && t < since) || !mine(e)) continue
        tally.recordsMatched++
        yield e
      }
      tally.agentRead()
      tally.coveredFrom(s.startedAt)
    } catch (err) {
      tally.agentFailed(`${s.agent}: ${(err as Error).message}`, got > 0)
    }
  }
  return {records: mergeStreams(streams.map(one)), state: () => tally.state()}
}

/**
 * The live GetEvents stream, listened to until `signal` aborts. It has no history: the
 * window covered is the listening time, whatever window was asked for.
 */
export function readTetragonGrpc(client: TetragonClient, opts: TetragonReadOptions, signal: AbortSignal): EvidenceRead<ProcessEventRecord> {
  const started = new Date()
  const tally = new EvidenceTally('tetragon', {since: started})
  const mine = matcher(opts.filter)
  const podRegex = opts.filter.pods?.map((p) => `^${escapeRe(p.slice(p.indexOf('/') + 1))}$`)
  async function* records(): AsyncGenerator<ProcessEventRecord> {
    tally.agentAsked()
    let got = 0
    try {
      for await (const e of client.events({namespaces: opts.filter.namespaces, ...(podRegex?.length ? {podRegex} : {}), ...(opts.filter.types ? {types: opts.filter.types} : {})}, signal)) {
        tally.recordsRead++
        got++
        if (!mine(e)) continue
        tally.recordsMatched++
        yield e
      }
      tally.agentRead()
    } catch (err) {
      tally.agentFailed((err as Error).message, got > 0)
    }
  }
  return {records: records(), state: () => tally.state()}
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
