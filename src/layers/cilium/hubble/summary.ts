// Condenses the pair's flows into what the L4 line prints, e.g.
// "Hubble: 14 drops (POLICY_DENIED) in the last 28s of history (buffer full; older flows lost)".
import type {FlowRecord, PolicyRef} from '../../../core/evidence.js'
import type {HubbleCoverage} from './client.js'
import {isLostEvents, type HubbleRecord} from './normalize.js'

export interface FlowWindow {
  since: Date
  /** End of the window; defaults to now. */
  until?: Date
}

export interface FlowSummary {
  flows: number
  forwarded: number
  /** Dropped packets: drop notifications, plus policy-verdict drops that have none (deduplicated per 5-tuple). */
  drops: number
  dropsByReason: Record<string, number>
  /** Policies named in egress_denied_by / ingress_denied_by (unique, in order of appearance). */
  deniedBy: PolicyRef[]
  oldest?: string
  newest?: string
  lostEvents: number
  windowMs: number
  /** The part of the window Hubble still had history for. */
  coveredMs: number
  /** Flows older than the buffer's oldest flow were overwritten (coveredMs < windowMs). */
  truncated: boolean
}

const EVENT_DROP = 1
const EVENT_POLICY_VERDICT = 5

function tupleKey(f: FlowRecord): string {
  return `${f.protocol ?? ''}|${f.source.ip ?? ''}|${f.sourcePort ?? ''}|${f.destination.ip ?? ''}|${f.destinationPort ?? ''}`
}

function policyKey(p: PolicyRef): string {
  return `${p.kind ?? ''}/${p.namespace ?? ''}/${p.name}`
}

/**
 * Cilium reports one dropped packet twice when policy-verdict notifications are on: a policy
 * verdict (event type 5) and a drop notification (type 1). Drop notifications are counted; a
 * verdict counts only when no drop notification exists for its 5-tuple (e.g. drop events are
 * sampled or disabled), so drops are neither doubled nor lost.
 */
export function summarizeFlows(records: Iterable<HubbleRecord>, window: FlowWindow, coverage?: HubbleCoverage): FlowSummary {
  let flows = 0
  let forwarded = 0
  let lostEvents = 0
  let oldest: string | undefined
  let newest: string | undefined
  let oldestMs = Infinity
  let newestMs = -Infinity
  const dropsByReason: Record<string, number> = {}
  const notifiedTuples = new Set<string>()
  const verdictDrops: FlowRecord[] = []
  const denied = new Map<string, PolicyRef>()
  const bump = (reason: string) => {
    dropsByReason[reason] = (dropsByReason[reason] ?? 0) + 1
  }

  for (const r of records) {
    if (isLostEvents(r)) {
      lostEvents += r.numEventsLost
      continue
    }
    flows++
    const t = Date.parse(r.time)
    if (Number.isFinite(t)) {
      if (t < oldestMs) [oldestMs, oldest] = [t, r.time]
      if (t > newestMs) [newestMs, newest] = [t, r.time]
    }
    for (const p of [...(r.egressDeniedBy ?? []), ...(r.ingressDeniedBy ?? [])]) {
      if (!denied.has(policyKey(p))) denied.set(policyKey(p), p)
    }
    if (r.verdict === 'FORWARDED') forwarded++
    if (r.verdict !== 'DROPPED') continue
    if (r.eventType === EVENT_POLICY_VERDICT) verdictDrops.push(r)
    else {
      if (r.eventType === EVENT_DROP) notifiedTuples.add(tupleKey(r))
      bump(r.dropReason ?? 'UNKNOWN')
    }
  }
  for (const v of verdictDrops) if (!notifiedTuples.has(tupleKey(v))) bump(v.dropReason ?? 'UNKNOWN')

  const untilMs = (window.until ?? new Date()).getTime()
  const windowMs = Math.max(0, untilMs - window.since.getTime())
  let coveredMs = windowMs
  const bufferStart = coverage?.oldestFlowTime ? Date.parse(coverage.oldestFlowTime) : NaN
  if (coverage?.bufferFull && Number.isFinite(bufferStart) && bufferStart > window.since.getTime()) {
    coveredMs = Math.max(0, untilMs - bufferStart)
  }
  const summary: FlowSummary = {
    flows,
    forwarded,
    drops: Object.values(dropsByReason).reduce((a, b) => a + b, 0),
    dropsByReason,
    deniedBy: [...denied.values()],
    lostEvents,
    windowMs,
    coveredMs,
    truncated: coveredMs < windowMs,
  }
  if (oldest) summary.oldest = oldest
  if (newest) summary.newest = newest
  return summary
}

/** 28s, 15m, 1h5m, 2h. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 === 0 || m >= 10 ? `${m}m` : `${m}m${s % 60}s`
  const h = Math.floor(m / 60)
  return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`
}

function describeReasons(byReason: Record<string, number>): string {
  const entries = Object.entries(byReason).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  if (entries.length === 1) return entries[0][0]
  return entries.map(([reason, n]) => `${n} ${reason}`).join(', ')
}

function describePolicy(p: PolicyRef): string {
  return `${p.kind ?? 'policy'} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`
}

/** One line for the L4 evidence, e.g. "Hubble: 14 drops (POLICY_DENIED) in the last 15m". */
export function describeFlowSummary(s: FlowSummary): string {
  const span = s.truncated
    ? `in the last ${formatDuration(s.coveredMs)} of history (buffer full; older flows lost)`
    : `in the last ${formatDuration(s.windowMs)}`
  let line = s.drops === 0
    ? `Hubble: no drops ${span} (${s.flows} flow${s.flows === 1 ? '' : 's'})`
    : `Hubble: ${s.drops} drop${s.drops === 1 ? '' : 's'} (${describeReasons(s.dropsByReason)}) ${span}`
  if (s.deniedBy.length > 0) line += `; denied by ${s.deniedBy.map(describePolicy).join(', ')}`
  if (s.lostEvents > 0) line += `; ${s.lostEvents} events lost`
  return line
}
