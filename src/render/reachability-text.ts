// Text view of `--from A --all`: an aligned table, one row per peer (verdict coloured as
// the pair report's), the cause of a non-ALLOWED verdict on the line below its row, a
// per-port line when a peer has several ports, and with -v the layer lines of each
// peer's verdict. Every line is wrapped to the width like the pair report.

import type {ReachabilityRow} from '../diagnose/reachability.js'
import {declaredOutbound, reachabilityExitCode} from '../diagnose/reachability.js'
import {BLOCKED_AT_TITLE, layerLines} from './diagnosis-text.js'
import {painter, statusStyle, type Paint} from './color.js'
import {DEFAULT_WIDTH, wrapLines} from './wrap.js'

export interface ReachabilityTextOptions {
  color?: boolean
  verbose?: boolean
  width?: number
  /** What the verdicts were asked about (`--port grpc`, `--client-binary …`), for the title. */
  query?: string
}

export function renderReachability(source: string, rows: ReachabilityRow[], opts: ReachabilityTextOptions = {}): string {
  const paint = painter(Boolean(opts.color))
  const peerWidth = Math.max('PEER'.length, ...rows.map((r) => r.target.length))
  const verdictWidth = Math.max('VERDICT'.length, ...rows.map((r) => verdictOf(r).length))
  const lines = [`Reachability from ${source}${opts.query ? ` (${opts.query})` : ''}: ${rows.length} peer${rows.length === 1 ? '' : 's'}`]
  if (rows.length > 0) lines.push(`  ${'PEER'.padEnd(peerWidth)}  ${'VERDICT'.padEnd(verdictWidth)}  DECLARED`)
  for (const r of rows) {
    const verdict = verdictOf(r)
    // Pad outside the colour codes so the columns line up with and without them.
    lines.push(`  ${r.target.padEnd(peerWidth)}  ${paint(statusStyle(r.status), verdict)}${' '.repeat(verdictWidth - verdict.length)}  ${r.declared}`)
    if (r.ports.length > 1) lines.push(`    ports: ${r.ports.map((p) => `${p.port} ${paint(statusStyle(p.status), shortVerdict(p.status, p.blockedAt))}`).join(', ')}`)
    if (r.status !== 'ALLOWED' && r.explanation) lines.push(`    ${r.explanation}`)
    // -v: the layer lines of the peer's verdict (the pair report's -v adds reasons and evidence).
    if (opts.verbose && r.diagnosis) lines.push(...layerLines(r.diagnosis, paint, false).map((l) => `      ${l}`))
  }
  lines.push(resultLine(source, rows, paint))
  return wrapLines(lines, opts.width ?? DEFAULT_WIDTH).join('\n') + '\n'
}

function resultLine(source: string, rows: ReachabilityRow[], paint: Paint): string {
  const mine = rows.filter(declaredOutbound)
  const name = source.slice(source.indexOf('/') + 1)
  const code = reachabilityExitCode(rows)
  const blocked = mine.filter((r) => r.status === 'BLOCKED').map((r) => r.target)
  const unknown = mine.filter((r) => r.status === 'UNKNOWN').map((r) => r.target)
  if (code === 1) return `Result: ${paint('red', 'BLOCKED')}. ${name} declares ${blocked.join(', ')} outbound but cannot reach ${blocked.length > 1 ? 'them' : 'it'}.`
  if (code === 3) return `Result: ${paint('magenta', 'UNKNOWN')}. Not enough data for ${unknown.join(', ')}.`
  return `Result: ${paint('green', 'ALLOWED')}. ${mine.length === 0 ? `${name} declares no outbound peer.` : `${name} reaches every peer it declares outbound (${mine.length}).`}`
}

function verdictOf(r: ReachabilityRow): string {
  return shortVerdict(r.status, r.blockedAt)
}

function shortVerdict(status: string, blockedAt: string | null): string {
  return status === 'BLOCKED' ? `BLOCKED at ${BLOCKED_AT_TITLE[blockedAt as keyof typeof BLOCKED_AT_TITLE] ?? blockedAt}` : status
}
