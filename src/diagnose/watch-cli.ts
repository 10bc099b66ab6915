// `--watch` for the text and JSON views: after the report, one line (or one JSON object)
// per new record on stdout until SIGINT/SIGTERM. Nothing is kept: memory stays flat.
import type {LivePair} from './live.js'
import {followPair} from './watch-live.js'
import {watchJson, watchLine} from './watch.js'

export async function watchFollow(pair: LivePair, format: 'text' | 'json', opts: Parameters<typeof followPair>[1], out: NodeJS.WritableStream = process.stdout, signal?: AbortSignal): Promise<void> {
  const ac = new AbortController()
  const stop = () => ac.abort()
  signal?.addEventListener('abort', stop)
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  if (format === 'text') process.stderr.write(`platform: watching ${pair.source} → ${pair.target} for new drops, denials and kills (Ctrl-C to stop)\n`)
  try {
    await followPair(pair, opts, {
      record: (r) => void out.write(`${format === 'text' ? watchLine(r) : watchJson(r)}\n`),
      failed: (source, reason) => void process.stderr.write(`platform: watch: ${source}: ${reason}\n`),
    }, ac.signal)
    // Followers that end on their own (a source absent) leave the others; wait for Ctrl-C.
    if (!ac.signal.aborted) await new Promise((resolve) => ac.signal.addEventListener('abort', resolve))
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
