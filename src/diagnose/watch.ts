// Watch mode: new denials for one pair as they happen (Hubble drops, ztunnel/waypoint
// denials, Tetragon kills). The records, a bounded history and the one-line / one-object
// views `--watch` prints; the live followers are in watch-live.ts. Nothing here decides a
// verdict: `r` in the TUI (or a new run) re-evaluates.

import type {FlowRecord, MeshAccessRecord, ProcessEventRecord} from '../core/evidence.js'

export interface WatchRecord {
  time: string
  source: 'hubble' | 'ztunnel' | 'waypoint' | 'tetragon'
  /** A→B (the asked direction), B→A, or unknown. */
  direction: 'A→B' | 'B→A' | '?'
  /** DROPPED, denied, SIGKILL. */
  verdict: string
  /** One line: reason, policy, binary. */
  summary: string
}

/**
 * A fixed-size history: memory stays flat however long the watch runs. `total` counts
 * every record pushed, so a view can say how many scrolled out.
 */
export class RingBuffer<T> {
  private items: T[] = []
  private start = 0
  total = 0
  constructor(readonly capacity: number) {
    if (capacity < 1) throw new RangeError('capacity must be at least 1')
  }

  push(item: T): void {
    this.total++
    if (this.items.length < this.capacity) this.items.push(item)
    else {
      this.items[this.start] = item
      this.start = (this.start + 1) % this.capacity
    }
  }

  get size(): number {
    return this.items.length
  }

  /** Oldest first. */
  toArray(): T[] {
    return [...this.items.slice(this.start), ...this.items.slice(0, this.start)]
  }
}

export interface PairPods {
  /** Pod names of A and of B. */
  a: Set<string>
  b: Set<string>
}

export function flowRecord(f: FlowRecord, pods: PairPods): WatchRecord | undefined {
  if (f.verdict !== 'DROPPED') return undefined
  const src = f.source.pod ?? ''
  const direction = pods.a.has(src) ? 'A→B' : pods.b.has(src) ? 'B→A' : '?'
  const deniedBy = [...(f.egressDeniedBy ?? []), ...(f.ingressDeniedBy ?? [])].map((p) => `${p.kind ?? 'policy'} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`)
  const port = f.destinationPort ? ` ${f.protocol ?? ''}:${f.destinationPort}`.replace(' :', ' ') : ''
  return {
    time: f.time, source: 'hubble', direction, verdict: 'DROPPED',
    summary: `${f.dropReason ?? 'dropped'}${port}${f.trafficDirection ? ` (${f.trafficDirection.toLowerCase()})` : ''}${deniedBy.length ? ` by ${deniedBy.join(', ')}` : ''}`,
  }
}

export function meshRecord(r: MeshAccessRecord): WatchRecord | undefined {
  if (r.outcome !== 'denied') return undefined
  const direction = r.direction === 'inbound' || r.direction === 'outbound' ? 'A→B' : '?'
  const what = r.source === 'waypoint' && r.method ? ` ${r.method} ${r.path ?? ''}`.trimEnd() : ''
  return {time: r.time, source: r.source, direction, verdict: 'denied', summary: `${r.error ?? (r.policy ? `policy ${r.policy}` : r.message ?? 'denied')}${what}${r.responseCode ? ` → ${r.responseCode}` : ''}`}
}

export function killRecord(e: ProcessEventRecord, pods: PairPods): WatchRecord | undefined {
  if (!(e.type === 'kprobe' && e.action === 'KPROBE_ACTION_SIGKILL')) return undefined
  const direction = e.pod && pods.a.has(e.pod) ? 'A→B' : e.pod && pods.b.has(e.pod) ? 'B→A' : '?'
  return {time: e.time, source: 'tetragon', direction, verdict: 'SIGKILL', summary: `${e.binary}${e.pod ? ` in ${e.pod}` : ''}${e.policy ? ` by ${e.policy}` : ''}`}
}

/** `--watch` text: one line per record. */
export function watchLine(r: WatchRecord): string {
  return `${r.time} ${r.source.padEnd(8)} ${r.direction} ${r.verdict.padEnd(7)} ${r.summary}`
}

/** `--watch -o json`: one JSON object per line (JSON Lines). */
export function watchJson(r: WatchRecord): string {
  return JSON.stringify(r)
}

/**
 * Calls `flush` at most once per `intervalMs` with everything that arrived since the last
 * call: a burst of records costs one frame, not one per record (~10 frames/s at 100 ms).
 */
export function throttled<T>(flush: (batch: T[]) => void, intervalMs = 100): {push(item: T): void; stop(): void} {
  let pending: T[] = []
  let timer: NodeJS.Timeout | undefined
  let last = 0
  const fire = () => {
    timer = undefined
    last = Date.now()
    const batch = pending
    pending = []
    if (batch.length > 0) flush(batch)
  }
  return {
    push(item) {
      pending.push(item)
      if (timer) return
      const wait = Math.max(0, last + intervalMs - Date.now())
      timer = setTimeout(fire, wait)
    },
    stop() {
      if (timer) clearTimeout(timer)
      timer = undefined
      pending = []
    },
  }
}
