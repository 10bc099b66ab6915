// Grouping denials by (layer, source, destination, port) with counts and first/last seen.
// Memory is bounded by the number of distinct groups, not by the number of records: the
// readers stream records in and only the group's counters and one sample are kept.

import {partyText, type Denial, type DenialLayer, type EvidenceSource, type Party} from './denials.js'

export interface DenialGroup {
  key: string
  layer: DenialLayer
  source: Party
  destination: Party
  port?: number
  protocol?: string
  count: number
  firstSeen: string
  lastSeen: string
  /** Counts per evidence source. */
  bySource: Partial<Record<EvidenceSource, number>>
  /** Distinct reasons and policies seen (bounded). */
  reasons: string[]
  policies: string[]
}

const MAX_DISTINCT = 5

export function groupKey(d: Denial): string {
  return [d.layer, partyText(d.source), partyText(d.destination), d.port ?? '', d.protocol ?? ''].join('|')
}

export class DenialGroups {
  private readonly map = new Map<string, DenialGroup>()
  private total = 0

  add(d: Denial): void {
    this.total++
    const key = groupKey(d)
    let g = this.map.get(key)
    if (!g) {
      g = {
        key, layer: d.layer, source: d.source, destination: d.destination,
        ...(d.port !== undefined ? {port: d.port} : {}), ...(d.protocol ? {protocol: d.protocol} : {}),
        count: 0, firstSeen: d.time, lastSeen: d.time, bySource: {}, reasons: [], policies: [],
      }
      this.map.set(key, g)
    }
    g.count++
    if (d.time < g.firstSeen) g.firstSeen = d.time
    if (d.time > g.lastSeen) g.lastSeen = d.time
    g.bySource[d.evidence] = (g.bySource[d.evidence] ?? 0) + 1
    if (!g.reasons.includes(d.reason) && g.reasons.length < MAX_DISTINCT) g.reasons.push(d.reason)
    if (d.policy && !g.policies.includes(d.policy) && g.policies.length < MAX_DISTINCT) g.policies.push(d.policy)
  }

  /** Denials added so far. */
  get denials(): number {
    return this.total
  }

  /** Most frequent first, then most recent. */
  list(): DenialGroup[] {
    return [...this.map.values()].sort((a, b) => b.count - a.count || (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0) || a.key.localeCompare(b.key))
  }
}
