// Text view of a diagnosis: the seed 001 line format (LATTICE-SPEC §9.3), then drift,
// warnings and the fix. `verbose` adds reasons and evidence under each layer.

import {LAYER_TITLES, type Evidence} from '../core/result.js'
import type {Diagnosis, Fix} from '../diagnose/model.js'
import {painter, statusStyle, type Paint} from './color.js'
import type {EvidenceSourceState} from '../core/evidence.js'

export const BLOCKED_AT_TITLE = {admission: 'Admission', cedar: 'Cedar', l4: 'L4', l7: 'L7', runtime: 'Runtime'} as const

export function renderDiagnosisText(d: Diagnosis, opts: {color?: boolean; verbose?: boolean} = {}): string {
  const paint = painter(Boolean(opts.color))
  const lines: string[] = []
  for (const l of d.layers) {
    lines.push(`${LAYER_TITLES[l.layer]}: ${paint(statusStyle(l.status), l.status)} (${l.summary})`)
    if (opts.verbose) {
      for (const r of l.reasons) if (r !== l.summary) lines.push(`    ${r}`)
      for (const e of l.evidence) lines.push(`    ${paint('dim', `evidence: ${evidenceText(e)}`)}`)
    }
  }
  lines.push(resultLine(d, paint))
  if (d.drift.length > 0) {
    lines.push('Drift:')
    for (const x of d.drift) lines.push(`  ${x.layer}: ${x.change} ${x.kind} ${x.namespace ? `${x.namespace}/` : ''}${x.name}${x.detail ? ` (${x.detail})` : ''}`)
  }
  lines.push(...evidenceLines(d))
  if (d.warnings.length > 0) {
    lines.push('Warnings:')
    for (const w of d.warnings) lines.push(`  - ${w}`)
  }
  if (d.fix) lines.push(...fixLines(d.fix, paint))
  return lines.join('\n') + '\n'
}

function resultLine(d: Diagnosis, paint: Paint): string {
  const r = d.result
  if (r.status === 'ALLOWED') return `Result: ${paint('green', 'ALLOWED')}.`
  if (r.status === 'UNKNOWN') return `Result: ${paint('magenta', 'UNKNOWN')}.${r.explanation ? ` ${r.explanation}` : ''}`
  return `Result: ${paint('red', `BLOCKED at ${BLOCKED_AT_TITLE[r.blockedAt!]}`)}.${r.explanation ? ` ${r.explanation}` : ''}`
}

export function fixLines(fix: Fix, paint: Paint = painter(false)): string[] {
  const out: string[] = []
  for (const c of fix.changes) {
    const where = c.file ? ` (${c.file})` : ''
    // A change that is only a comment (an admission error) is an edit, not an addition.
    if (c.kind === 'LatticeService') out.push(`Fix: ${isEdit(c.yaml) ? 'edit' : 'add to'} ${c.name} ${c.path}${where}:`)
    else if (c.kind === 'CedarPolicy') out.push(`Fix: add to CedarPolicy ${c.namespace}/${c.name} ${c.path}:`)
    else if (c.path.startsWith('re-apply')) {
      // path is `re-apply (why)`: the verb leads the line, the reason follows once.
      const why = c.path.slice('re-apply'.length).trim()
      out.push(`Fix: re-apply ${c.name}${c.namespace ? ` in ${c.namespace}` : ''}${why ? ` ${why}` : ''}:`)
    } else if (c.path.startsWith('create')) {
      out.push(`Fix: ${c.path.split(' (')[0]} ${c.name}${c.namespace ? ` in ${c.namespace}` : ''} (${c.path.slice(c.path.indexOf('(') + 1).replace(/\)$/, '')}):`)
    } else if (c.path.startsWith('remove')) {
      out.push(`Fix: ${c.path.split(' (')[0]} ${c.name}${c.namespace ? ` in ${c.namespace}` : ''} (${c.path.slice(c.path.indexOf('(') + 1).replace(/\)$/, '')}):`)
    } else out.push(`Fix: change ${c.name}${c.namespace ? ` in ${c.namespace}` : ''} (${c.path}):`)
    for (const line of c.yaml.replace(/\n$/, '').split('\n')) out.push(`  ${line}`)
  }
  out.push(fix.verified
    ? paint('dim', 'Fix verified: the diagnosis re-run with this change in memory says ALLOWED.')
    : paint('dim', `Fix not verified: ${fix.verification ?? 'not re-checked'}.`))
  return out
}

const isEdit = (yaml: string) => yaml.split('\n').every((l) => l.trim() === '' || l.trimStart().startsWith('#'))

export function evidenceText(e: Evidence): string {
  const obj = e.name ? `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}` : e.kind
  const parts = [obj]
  if (e.detail) parts.push(e.detail)
  if (e.count !== undefined) parts.push(`${e.count}×`)
  if (e.time) parts.push(`at ${e.time}`)
  if (e.source) parts.push(`[${e.source}]`)
  return parts.join(' · ')
}

/**
 * One short line per evidence source (§10.14), at most 80 columns: "Evidence:" then e.g.
 * "  hubble: 3 of 120 flows, 14:02:11-14:17:11" or "  ztunnel: unavailable (forbidden ...)".
 * Nothing offline; one line when no source was asked.
 */
export function evidenceLines(d: Diagnosis): string[] {
  const sources = d.evidenceSources ?? []
  if (sources.length === 0 || sources.every((s) => s.state === 'not-asked' && s.reason === 'offline')) return []
  if (sources.every((s) => s.state === 'not-asked' && s.reason === sources[0].reason)) return [fit(`Evidence: not read (${sources[0].reason})`)]
  return ['Evidence:', ...sources.map((s) => fit(`  ${s.source}: ${sourceText(s)}`))]
}

const NOUN: Record<EvidenceSourceState['source'], string> = {hubble: 'flows', ztunnel: 'records', waypoint: 'requests', tetragon: 'events'}

function sourceText(s: EvidenceSourceState): string {
  if (s.state === 'not-asked') return `not asked (${s.reason ?? ''})`
  if (s.state === 'unavailable') return `unavailable (${s.reason ?? 'no answer'})`
  const parts = [`${s.recordsMatched ?? 0} of ${s.recordsRead ?? 0} ${NOUN[s.source]}`]
  if (s.window) parts.push(`${clock(s.window.from)}-${clock(s.window.to)}`)
  if (s.lostEvents) parts.push(`${s.lostEvents} lost`)
  // The reason is in the warnings.
  if (s.state === 'partial') parts.push('incomplete')
  return parts.join(', ')
}

const clock = (iso: string) => iso.slice(11, 19)

function fit(line: string): string {
  return line.length <= 80 ? line : `${line.slice(0, 79)}…`
}
