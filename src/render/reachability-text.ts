// Text view of `--from A --all`: one line per peer.
import type {ReachabilityRow} from '../diagnose/reachability.js'
import {BLOCKED_AT_TITLE} from './diagnosis-text.js'

export function renderReachability(source: string, rows: ReachabilityRow[]): string {
  const width = Math.max(10, ...rows.map((r) => r.target.length))
  const lines = [`Reachability from ${source} (${rows.length} peers):`]
  for (const r of rows) {
    const verdict = r.status === 'BLOCKED' ? `BLOCKED at ${BLOCKED_AT_TITLE[r.blockedAt as keyof typeof BLOCKED_AT_TITLE] ?? r.blockedAt}` : r.status
    lines.push(`  → ${r.target.padEnd(width)}  ${verdict.padEnd(18)} declared: ${r.declared.padEnd(13)} ${r.explanation}`.trimEnd())
  }
  return lines.join('\n') + '\n'
}
