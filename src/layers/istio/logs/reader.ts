// The mesh evidence reader: ztunnel or waypoint access records of one direction (a
// PairSelector: source A, destination B) over a window, from any number of agent log
// streams (one ztunnel per node, the waypoint's pods), with the source's state: agents
// read or failed (and why), records parsed and matched, the window the logs cover.
// Nothing here knows about a pair diagnosis: the selector may name one pair or, for a
// namespace-wide triage, only the destination side.
import {EvidenceTally, mergeStreams, type EvidenceRead, type EvidenceWindow, type MeshAccessRecord} from '../../../core/evidence.js'
import type {LineSource} from '../../../core/io/lines.js'
import {matchesPair, type PairSelector} from './match.js'
import {parseWaypointLog} from './waypoint.js'
import {parseZtunnelLog} from './ztunnel.js'

export interface MeshLogStream {
  /** For messages: `istio-system/ztunnel-x7k2p`. */
  agent: string
  input: LineSource
  /** When the agent's container started: its log holds nothing older. */
  startedAt?: string
}

export interface MeshReadOptions {
  filter: PairSelector
  window: EvidenceWindow
  /** ztunnel only: skip lines containing none of these before parsing (the pair's ids, names, IPs). */
  mustContain?: string[]
}

export function readMeshLog(kind: 'ztunnel' | 'waypoint', streams: MeshLogStream[], opts: MeshReadOptions): EvidenceRead<MeshAccessRecord> {
  const tally = new EvidenceTally(kind, opts.window)
  const since = opts.window.since.getTime()
  const one = async function* (s: MeshLogStream): AsyncGenerator<MeshAccessRecord> {
    tally.agentAsked()
    const parsed = kind === 'ztunnel' ? parseZtunnelLog(s.input, opts.mustContain ? {mustContain: opts.mustContain} : {}) : parseWaypointLog(s.input)
    let got = 0
    try {
      for await (const r of parsed) {
        tally.recordsRead++
        got++
        const t = Date.parse(r.time)
        if (Number.isFinite(t) && t < since) continue
        if (!matchesPair(r, opts.filter)) continue
        tally.recordsMatched++
        yield r
      }
      tally.agentRead()
      tally.coveredFrom(s.startedAt)
    } catch (err) {
      tally.agentFailed(`${s.agent}: ${(err as Error).message}`, got > 0)
    }
  }
  return {records: mergeStreams(streams.map(one)), state: () => tally.state()}
}
