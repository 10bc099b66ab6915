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

/** Line by line (convenient; batch-based parsers use toLineBatches). */
export async function* toLines(input: LineSource): AsyncGenerator<string> {
  for await (const batch of toLineBatches(input)) yield* batch
}
