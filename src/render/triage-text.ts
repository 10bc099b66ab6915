// The text view of a triage report: one block per denial group, most frequent first, each
// with its diagnosis and fix, then the coverage of every evidence source. Lines are wrapped
// to the width with a hanging indent, never mid-word.
import type {SourceCoverage, TriageReport, TriageRow} from '../diagnose/triage/run.js'
import {partyText} from '../diagnose/triage/denials.js'
import {painter, statusStyle} from './color.js'
import {wrapLine} from './wrap.js'

export interface TriageTextOptions {
  color?: boolean
  width?: number
}

const LAYER = {l4: 'L4', l7: 'L7', runtime: 'Runtime'} as const

/** One line wrapped to the width with the report's hanging indent (render/wrap.ts). */
function wrap(text: string, width: number): string {
  return wrapLine(text, width).join('\n')
}

function clock(iso: string): string {
  return /T(\d\d:\d\d:\d\d)/.exec(iso)?.[1] ?? iso
}

function destination(r: TriageRow): string {
  const d = partyText(r.destination)
  if (r.layer === 'runtime') return `exec ${d}`
  return r.port === undefined ? d : `${d}:${r.port}${r.port === 15008 ? ' (HBONE)' : ''}`
}

function verdictLine(r: TriageRow): string {
  const v = r.verdict
  if (v.status === 'BLOCKED') return `BLOCKED at ${v.blockedAt === 'l4' ? 'L4' : v.blockedAt === 'l7' ? 'L7' : v.blockedAt}: ${v.explanation}`
  if (v.status === 'ALLOWED') return `ALLOWED by the policies evaluated, yet denied on the datapath: the live policies differ from the specs (rerun live or with --policies)`
  if (v.status === 'UNKNOWN') return `UNKNOWN: ${v.explanation}`
  return v.explanation
}

function coverageLine(s: SourceCoverage): string {
  if (s.state === 'not-asked') return `${s.source}: not asked${s.reason ? ` (${s.reason})` : ''}`
  if (s.state === 'unavailable') return `${s.source}: unavailable (${s.reason ?? 'no reason given'})`
  const window = s.from && s.to ? ` from ${s.from} to ${s.to}` : ''
  const extra = [s.agents ? `${s.agents.read}/${s.agents.asked} agents read` : '', s.skippedReplies ? `${s.skippedReplies} replies skipped` : '', s.lostEvents ? `${s.lostEvents} events lost` : ''].filter(Boolean).join(', ')
  const partial = s.state === 'partial' ? `; incomplete: ${s.reason ?? 'partly read'}` : ''
  return `${s.source}: ${s.records} records, ${s.denials} denials${window}${extra ? ` (${extra})` : ''}${partial}`
}

export function renderTriageText(report: TriageReport, opts: TriageTextOptions = {}): string {
  const width = opts.width ?? 80
  const paint = painter(opts.color ?? false)
  const out: string[] = []
  const scope = report.namespace ? `namespace ${report.namespace}` : 'all namespaces'
  out.push(wrap(`${report.denials} denials in ${report.groups.length} groups (${scope}${report.since ? `, since ${report.since}` : ''})`, width))
  for (const r of report.groups) {
    out.push('')
    const head = `${r.count}× ${LAYER[r.layer]} ${partyText(r.source)} → ${destination(r)} (${clock(r.firstSeen)}–${clock(r.lastSeen)})`
    out.push(wrap(head, width))
    const style = r.verdict.status === 'NOT-DIAGNOSED' ? 'dim' : statusStyle(r.verdict.status)
    out.push(paint(style, wrap(`  ${verdictLine(r)}`, width)))
    const seen = [...r.policies.map((p) => `policy ${p}`), ...r.reasons].slice(0, 3).join('; ')
    if (seen) out.push(paint('dim', wrap(`  seen: ${seen}`, width)))
    if (r.verdict.fix) out.push(wrap(`  Fix${r.verdict.fix.verified ? ' (verified)' : ''}: ${r.verdict.fix.summary}`, width))
  }
  out.push('', 'Evidence:')
  for (const s of report.sources) out.push(wrap(`  ${coverageLine(s)}`, width))
  return `${out.join('\n')}\n`
}
