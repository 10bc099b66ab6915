// Tetragon export-stdout stream (container export-stdout of the tetragon pods): one
// GetEventsResponse JSON per line, parsed as it arrives. Lines of unwanted kinds or
// namespaces are skipped before JSON.parse; malformed or truncated lines are skipped.
import type {ProcessEventRecord} from '../../../core/evidence.js'
import {toLineBatches, type LineSource} from '../../../core/io/lines.js'
import {eventFromJson} from './normalize.js'

export interface TetragonStreamOptions {
  /** Event kinds to keep (default: all three). */
  types?: Array<ProcessEventRecord['type']>
  /** Keep only events of pods in these namespaces. */
  namespaces?: string[]
}

// LSM-hook and tracepoint events carry enforcement actions too (Sigkill by an lsmhooks or
// tracepoints policy): they are read as kprobe records.
const KEY_OF: Record<ProcessEventRecord['type'], string[]> = {
  kprobe: ['"process_kprobe"', '"process_lsm"', '"process_tracepoint"'],
  exec: ['"process_exec"'],
  exit: ['"process_exit"'],
}

export async function* parseTetragonStream(input: LineSource, opts: TetragonStreamOptions = {}): AsyncGenerator<ProcessEventRecord> {
  const keys = opts.types?.flatMap((t) => KEY_OF[t])
  const nsNeedles = opts.namespaces?.map((ns) => `"namespace":${JSON.stringify(ns)}`)
  const namespaces = opts.namespaces ? new Set(opts.namespaces) : undefined
  for await (const batch of toLineBatches(input)) {
    for (const line of batch) {
      const rec = parseLine(line)
      if (rec) yield rec
    }
  }

  function parseLine(line: string): ProcessEventRecord | undefined {
    if (line.charCodeAt(0) !== 123 /* { */) return undefined
    // The event kind is the first key of each line (protojson keeps declaration order).
    if (keys && !keys.some((k) => line.startsWith(k, 1))) return undefined
    if (nsNeedles && !nsNeedles.some((n) => line.includes(n))) return undefined
    let obj: unknown
    try {
      obj = JSON.parse(line)
    } catch {
      return undefined
    }
    const rec = eventFromJson(obj)
    if (!rec) return undefined
    if (opts.types && !opts.types.includes(rec.type)) return undefined
    if (namespaces && (rec.namespace === undefined || !namespaces.has(rec.namespace))) return undefined
    return rec
  }
}
