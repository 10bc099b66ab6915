// Line splitting for streamed evidence (pod logs, JSON lines): split chunk by chunk, never
// buffered whole. Shared by the Hubble, ztunnel/waypoint and Tetragon parsers.
import type {Readable} from 'node:stream'

export type LineSource = Readable | AsyncIterable<string> | Iterable<string>

function isReadable(input: unknown): input is Readable {
  return typeof (input as Readable)?.pipe === 'function' && typeof (input as Readable).on === 'function'
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line
}

/**
 * Lines without their terminator ('\n' or '\r\n'), in batches: one batch per input chunk, so
 * callers parse a chunk synchronously and pay one async step per chunk, not per line.
 * A final unterminated line is kept.
 */
export async function* toLineBatches(input: LineSource): AsyncGenerator<string[]> {
  if (!isReadable(input)) {
    for await (const item of input as AsyncIterable<string>) {
      yield item.indexOf('\n') < 0 ? [stripCr(item)] : item.split('\n').map(stripCr)
    }
    return
  }
  let carry = ''
  const decoder = new TextDecoder('utf-8')
  for await (const chunk of input) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, {stream: true}))
    const batch: string[] = []
    let start = 0
    let nl = text.indexOf('\n')
    while (nl >= 0) {
      batch.push(stripCr(text.slice(start, nl)))
      start = nl + 1
      nl = text.indexOf('\n', start)
    }
    carry = text.slice(start)
    if (batch.length > 0) yield batch
  }
  carry += decoder.decode()
  if (carry.length > 0) yield [stripCr(carry)]
}

/**
 * Only the lines that contain at least one of `needles`, in order, in batches like
 * toLineBatches. For a byte stream the search runs on the raw chunk (Buffer.indexOf per
 * needle) and only matching lines are decoded: a pod log where 1% of the lines concern the
 * pair is never split or decoded line by line. Same lines as filtering toLineBatches with
 * String.includes: UTF-8 is self-synchronizing, so a needle occurs in a line's text exactly
 * when its bytes occur in the line's bytes, and '\n' never occurs inside a multi-byte
 * character.
 */
export async function* matchingLineBatches(input: LineSource, needles: readonly string[]): AsyncGenerator<string[]> {
  const wanted = [...new Set(needles)].filter((n) => n.length > 0 && !n.includes('\n'))
  if (wanted.length === 0) return
  if (!isReadable(input)) {
    for await (const batch of toLineBatches(input)) {
      const kept = batch.filter((line) => wanted.some((n) => line.includes(n)))
      if (kept.length > 0) yield kept
    }
    return
  }
  const keys = wanted.map((n) => Buffer.from(n, 'utf8'))
  let carry: Buffer | undefined
  for await (const chunk of input) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer)
    const batch: string[] = []
    let from = 0
    if (carry) {
      // The line that started in an earlier chunk: joined once, searched like any other.
      const nl = data.indexOf(10)
      if (nl < 0) {
        carry = Buffer.concat([carry, data])
        continue
      }
      const line = Buffer.concat([carry, data.subarray(0, nl)])
      if (keys.some((k) => line.includes(k))) batch.push(stripCr(line.toString('utf8')))
      carry = undefined
      from = nl + 1
    }
    const end = data.lastIndexOf(10)
    if (end >= from) for (const line of matchingLines(data, from, end, keys)) batch.push(line)
    const rest = end >= from ? end + 1 : from
    // A copy, so the carried tail does not keep the whole chunk alive.
    if (rest < data.length) carry = Buffer.from(data.subarray(rest))
    if (batch.length > 0) yield batch
  }
  if (carry && keys.some((k) => carry!.includes(k))) yield [stripCr(carry.toString('utf8'))]
}

/** Lines of data[from, end) (end is a '\n') holding any key, decoded, in order. */
function matchingLines(data: Buffer, from: number, end: number, keys: Buffer[]): string[] {
  const starts = new Map<number, number>()
  for (const key of keys) {
    let i = data.indexOf(key, from)
    while (i >= 0 && i < end) {
      const start = data.lastIndexOf(10, i) + 1
      const stop = data.indexOf(10, i)
      starts.set(Math.max(start, from), stop)
      i = data.indexOf(key, stop + 1)
    }
  }
  if (starts.size === 0) return []
  return [...starts.keys()].sort((a, b) => a - b).map((start) => stripCr(data.toString('utf8', start, starts.get(start))))
}

/** Line by line (convenient; batch-based parsers use toLineBatches). */
export async function* toLines(input: LineSource): AsyncGenerator<string> {
  for await (const batch of toLineBatches(input)) yield* batch
}
