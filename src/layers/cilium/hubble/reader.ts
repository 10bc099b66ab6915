// The Hubble evidence reader: flows of a directed filter over a window, from Relay (gRPC)
// or from `hubble observe -o jsonpb` lines, with the source's state (window covered,
// flows read and matched, events Hubble says it lost, or why it could not be read).
// Nothing here knows about a pair: the filter says which hops count.
import {EvidenceTally, type EvidenceRead, type EvidenceWindow, type FlowRecord} from '../../../core/evidence.js'
import type {LineSource} from '../../../core/io/lines.js'
import type {HubbleClient, HubbleCoverage} from './client.js'
import {flowHop, hopWhitelist, type DirectedFlowFilter} from './direction.js'
import type {FlowFilterMessage} from './filters.js'
import {parseHubbleJsonl} from './jsonl.js'
import {isLostEvents, type HubbleRecord} from './normalize.js'

/** A flow of the filter, with the index of the hop it belongs to. */
export type MatchedFlow = FlowRecord & {hop: number}

export interface HubbleReadOptions {
  filter: DirectedFlowFilter
  window: EvidenceWindow
  signal?: AbortSignal
  /** Only flows of these verdicts (e.g. DROPPED for a triage), filtered on the server too. */
  verdicts?: string[]
}

/** Filters any stream of Hubble records; `coverage` (Relay's buffer) bounds the window covered. */
export function readHubbleRecords(input: AsyncIterable<HubbleRecord>, opts: HubbleReadOptions, coverage?: Promise<HubbleCoverage | undefined>, agent = 'hubble'): EvidenceRead<MatchedFlow> {
  const tally = new EvidenceTally('hubble', opts.window)
  tally.agentAsked()
  const since = opts.window.since.getTime()
  const until = opts.window.until?.getTime() ?? Infinity
  async function* records(): AsyncGenerator<MatchedFlow> {
    let got = 0
    try {
      for await (const r of input) {
        if (isLostEvents(r)) {
          tally.lostEvents += r.numEventsLost
          continue
        }
        tally.recordsRead++
        got++
        const t = Date.parse(r.time)
        if (Number.isFinite(t) && (t < since || t > until)) continue
        if (opts.verdicts && !opts.verdicts.includes(r.verdict)) continue
        const hop = flowHop(r, opts.filter)
        if (hop < 0) continue
        tally.recordsMatched++
        yield {...r, hop}
      }
      const cov = await coverage?.catch(() => undefined)
      // The oldest flow still buffered: nothing older can be seen, whatever the window asked.
      if (cov?.oldestFlowTime) tally.coveredFrom(cov.oldestFlowTime)
      tally.agentRead()
    } catch (err) {
      tally.agentFailed(agent ? `${agent}: ${(err as Error).message}` : (err as Error).message, got > 0)
    }
  }
  return {records: records(), state: () => tally.state()}
}

/** Flows from Relay (or an agent), filtered on the server by the hops and again here. */
export function readHubbleRelay(client: HubbleClient, opts: HubbleReadOptions): EvidenceRead<MatchedFlow> & {coverage: Promise<HubbleCoverage | undefined>} {
  // Asked alongside the flows, not before them (two more calls on the same channel).
  const coverage = client.coverage().catch(() => undefined)
  const input = client.flows({since: opts.window.since, ...(opts.window.until ? {until: opts.window.until} : {}), whitelist: withVerdicts(hopWhitelist(opts.filter), opts.verdicts)}, opts.signal)
  return {...readHubbleRecords(input, opts, coverage, ''), coverage}
}

/** Each whitelist filter narrowed to the verdicts (fields of one filter are ANDed); no hop filter: the verdicts alone. */
function withVerdicts(whitelist: FlowFilterMessage[], verdicts: string[] | undefined): FlowFilterMessage[] {
  if (!verdicts || verdicts.length === 0) return whitelist
  return whitelist.length === 0 ? [{verdict: verdicts}] : whitelist.map((f) => ({...f, verdict: verdicts}))
}

/** Flows from `hubble observe -o jsonpb` output (a file or a pipe). */
export function readHubbleJsonl(input: LineSource, opts: HubbleReadOptions): EvidenceRead<MatchedFlow> {
  return readHubbleRecords(parseHubbleJsonl(input), opts, undefined, 'hubble jsonpb')
}
