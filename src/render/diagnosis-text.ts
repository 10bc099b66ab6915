// Text view of a diagnosis: the seed 001 line format (LATTICE-SPEC §9.3), then drift,
// warnings and the fix. `verbose` adds reasons and evidence under each layer.

import {LAYER_TITLES, type Evidence, type LayerId, type LayerResult} from '../core/result.js'
import type {Diagnosis, DriftEntry, Fix} from '../diagnose/model.js'
import {portLabel} from '../diagnose/pair.js'
import {painter, statusStyle, type Paint} from './color.js'
import type {EvidenceSourceState} from '../core/evidence.js'
import {DEFAULT_WIDTH, wrapLines} from './wrap.js'

export const BLOCKED_AT_TITLE = {admission: 'Admission', cedar: 'Cedar', l4: 'L4', l7: 'L7', runtime: 'Runtime'} as const

export interface TextOptions {
  color?: boolean
  verbose?: boolean
  /** Columns to wrap every line to (default 80; see terminalWidth). */
  width?: number
}

export function renderDiagnosisText(d: Diagnosis, opts: TextOptions = {}): string {
  const paint = painter(Boolean(opts.color))
  const lines = layerLines(d, paint, Boolean(opts.verbose))
  lines.push(resultLine(d, paint))
  if (d.drift.length > 0) lines.push(...driftLines(d, Boolean(opts.verbose)))
  lines.push(...evidenceLines(d))
  if (d.warnings.length > 0) {
    lines.push('Warnings:')
    for (const w of d.warnings) lines.push(`  - ${w}`)
  }
  if (d.fix) lines.push(...fixLines(d.fix, paint))
  return wrapLines(lines, opts.width ?? DEFAULT_WIDTH).join('\n') + '\n'
}

/**
 * The layer lines of a verdict (unwrapped). With several ports (§10.13): the port-
 * independent layers once, then one block per port with its verdict and its L4, L7 and
 * Runtime lines, so every layer line of a block speaks of that port.
 */
export function layerLines(d: Diagnosis, paint: Paint, verbose: boolean): string[] {
  const lines: string[] = []
  const push = (l: LayerResult, indent: string) => {
    lines.push(`${indent}${LAYER_TITLES[l.layer]}: ${paint(statusStyle(l.status), l.status)} (${l.summary})`)
    if (verbose) {
      for (const r of l.reasons) if (r !== l.summary) lines.push(`${indent}    ${r}`)
      for (const e of l.evidence) lines.push(`${indent}    ${paint('dim', `evidence: ${evidenceText(e)}`)}`)
    }
  }
  const ports = d.ports ?? []
  if (ports.length <= 1) {
    for (const l of d.layers) push(l, '')
    return lines
  }
  for (const l of d.layers) if (!PER_PORT.has(l.layer)) push(l, '')
  for (const p of ports) {
    lines.push(`Port ${portLabel(p.port)}: ${verdictText(p.result, paint)}`)
    for (const l of p.layers) if (PER_PORT.has(l.layer)) push(l, '  ')
  }
  return lines
}

const PER_PORT = new Set<LayerId>(['l4', 'l7', 'runtime'])

/**
 * Missing and changed Lattice objects, and foreign objects a layer names as evidence, are
 * listed; the other foreign objects (not derived from the specs, not deciding anything)
 * are counted per layer unless -v.
 */
function driftLines(d: Diagnosis, verbose: boolean): string[] {
  const named = (x: DriftEntry) => d.layers.some((l) => l.evidence.some((e) => e.kind === x.kind && e.name === x.name && (e.namespace ?? undefined) === (x.namespace ?? undefined)))
  const listed = d.drift.filter((x) => verbose || x.change !== 'unexpected' || named(x))
  const out = ['Drift:']
  for (const x of listed) out.push(`  ${x.layer}: ${x.change} ${x.kind} ${x.namespace ? `${x.namespace}/` : ''}${x.name}${x.detail ? ` (${x.detail})` : ''}`)
  const counted = new Map<string, number>()
  for (const x of d.drift) if (!listed.includes(x)) counted.set(x.layer, (counted.get(x.layer) ?? 0) + 1)
  for (const [layer, n] of counted) out.push(`  ${layer}: ${n} foreign object${n > 1 ? 's' : ''} not derived from the specs (-v lists them)`)
  return out
}

function verdictText(r: Diagnosis['result'], paint: Paint): string {
  if (r.status === 'BLOCKED') return paint('red', `BLOCKED at ${BLOCKED_AT_TITLE[r.blockedAt!]}`)
  return paint(statusStyle(r.status), r.status)
}

function resultLine(d: Diagnosis, paint: Paint): string {
  const r = d.result
  if (r.status === 'ALLOWED') return `Result: ${paint('green', 'ALLOWED')}.`
  if (r.status === 'UNKNOWN') return `Result: ${paint('magenta', 'UNKNOWN')}.${r.explanation ? ` ${r.explanation}` : ''}`
  return `Result: ${paint('red', `BLOCKED at ${BLOCKED_AT_TITLE[r.blockedAt!]}`)}.${r.explanation ? ` ${r.explanation}` : ''}`
}

export function fixLines(fix: Fix, paint: Paint = painter(false)): string[] {
  const out: string[] = []
  if (fix.ports?.length) out.push(`Fix for blocked port${fix.ports.length > 1 ? 's' : ''} ${fix.ports.join(', ')}:`)
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
