// The drill-down of one layer as lines: the deciding policy as YAML with the matching rule
// marked, the layer's drift (expected vs live as a unified diff) and its live evidence. Pure:
// the lines come from the diagnosis and the objects it evaluated; nothing is re-decided.

import {createTwoFilesPatch} from 'diff'
import {isMap, isSeq, LineCounter, parseDocument, stringify} from 'yaml'
import type {KubeObject} from '../../core/kube.js'
import {LAYER_TITLES, type Evidence, type LayerResult} from '../../core/result.js'
import type {WatchRecord} from '../../diagnose/watch.js'
import type {RunOutcome} from './session.js'

export interface Line {
  text: string
  /** heading, the matching part of a policy, a diff line, or dim context. */
  style?: 'heading' | 'mark' | 'add' | 'del' | 'dim' | 'warn'
}

const LIVE_SOURCES = new Set(['hubble', 'ztunnel', 'waypoint', 'tetragon'])
const WATCH_SOURCES: Record<string, WatchRecord['source'][]> = {l4: ['hubble'], l7: ['ztunnel', 'waypoint'], runtime: ['tetragon']}

export function drillLines(layer: LayerResult, outcome: RunOutcome | undefined, watched: WatchRecord[] = []): Line[] {
  const out: Line[] = [{text: `${LAYER_TITLES[layer.layer]}: ${layer.status} (${layer.summary})`, style: 'heading'}]
  for (const r of layer.reasons) if (r !== layer.summary) out.push({text: `  ${r}`})
  const objects = outcome ? [...(outcome.live ?? outcome.expected)] : []
  const policies = layer.evidence.filter((e) => e.name && !LIVE_SOURCES.has(e.source ?? ''))
  out.push({text: ''}, {text: 'Deciding policy', style: 'heading'})
  if (policies.length === 0) out.push({text: '  (no policy object decides this layer)', style: 'dim'})
  const shown = new Set<string>()
  for (const e of policies) {
    const id = `${e.kind}/${e.namespace ?? ''}/${e.name}`
    const obj = objects.find((o) => o.kind === e.kind && o.metadata.name === e.name && (o.metadata.namespace ?? undefined) === (e.namespace ?? undefined))
    out.push({text: `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}${e.detail ? ` — ${e.detail}` : ''}`, style: 'heading'})
    if (!obj || shown.has(id)) {
      if (!obj) out.push({text: '  (object not in the evaluated set: a spec or Cedar policy)', style: 'dim'})
      continue
    }
    shown.add(id)
    out.push(...markedYaml(obj, e))
  }
  const drift = outcome?.diagnosis.drift.filter((d) => d.layer === layer.layer) ?? []
  out.push({text: ''}, {text: 'Drift (expected from the specs vs live)', style: 'heading'})
  if (drift.length === 0) out.push({text: outcome?.live ? '  none for this layer' : '  (offline without --policies: nothing live to compare)', style: 'dim'})
  for (const d of drift) {
    out.push({text: `${d.change} ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}${d.detail ? ` (${d.detail})` : ''}`, style: 'warn'})
    const find = (list: KubeObject[] | undefined) => list?.find((o) => o.kind === d.kind && o.metadata.name === d.name && (o.metadata.namespace ?? undefined) === d.namespace)
    const expected = find(outcome?.expected)
    const live = find(outcome?.live)
    if (!expected && !live) continue
    const patch = createTwoFilesPatch('expected', 'live', expected ? stringify(expected.spec ?? {}) : '', live ? stringify(live.spec ?? {}) : '', '', '', {context: 2})
    for (const l of patch.split('\n').slice(2)) {
      if (l.startsWith('===') || l === '') continue
      out.push({text: `  ${l}`, ...(l.startsWith('+') && !l.startsWith('+++') ? {style: 'add' as const} : l.startsWith('-') && !l.startsWith('---') ? {style: 'del' as const} : {})})
    }
  }
  const live = layer.evidence.filter((e) => LIVE_SOURCES.has(e.source ?? ''))
  const records = watched.filter((r) => WATCH_SOURCES[layer.layer]?.includes(r.source))
  out.push({text: ''}, {text: 'Evidence (time · direction · count · source)', style: 'heading'})
  if (live.length === 0 && records.length === 0) out.push({text: '  (no live evidence: offline, or no records in the window)', style: 'dim'})
  for (const e of live) out.push({text: `  ${evidenceRow(e)}`})
  for (const r of records) out.push({text: `  ${r.time} · ${r.direction} · 1× · ${r.source} · ${r.verdict} ${r.summary}`, style: 'warn'})
  if (layer.warnings.length > 0) {
    out.push({text: ''}, {text: 'Warnings', style: 'heading'})
    for (const w of layer.warnings) out.push({text: `  - ${w}`, style: 'warn'})
  }
  return out
}

function evidenceRow(e: Evidence): string {
  const dir = /\b(ingress|egress|inbound|outbound)\b/i.exec(e.detail ?? '')?.[1]?.toLowerCase() ?? '?'
  return `${e.time ?? '-'} · ${dir} · ${e.count ?? 1}× · ${e.source} · ${e.kind}${e.detail ? ` ${e.detail}` : ''}`
}

/**
 * The object as YAML, the part the evidence names marked: `egress rule #1` → spec.egress[1],
 * `rule 0` → spec.rules[0], `ingress default-deny` → spec.ingress; else the lines that
 * contain a word of the detail that looks like a path or a quoted value.
 */
export function markedYaml(obj: KubeObject, e: Evidence): Line[] {
  const {apiVersion, kind, metadata, ...rest} = obj
  const text = stringify({apiVersion, kind, metadata: {name: metadata.name, ...(metadata.namespace ? {namespace: metadata.namespace} : {}), ...(metadata.labels ? {labels: metadata.labels} : {})}, ...rest})
  const lines = text.replace(/\n$/, '').split('\n')
  const marked = new Set<number>()
  const counter = new LineCounter()
  const doc = parseDocument(text, {lineCounter: counter})
  for (const path of rulePaths(e.detail ?? '')) {
    const node = doc.getIn(path, true) as {range?: [number, number, number]} | undefined
    if (!node?.range) continue
    // A key's value starts on the line after the key for blocks: mark the key line too.
    const from = Math.max(0, counter.linePos(node.range[0]).line - 1 - ((isMap(node) || isSeq(node)) && !(node as {flow?: boolean}).flow ? 1 : 0))
    const to = counter.linePos(Math.max(node.range[0], node.range[1] - 1)).line - 1
    for (let i = from; i <= to; i++) marked.add(i)
    break
  }
  if (marked.size === 0) {
    const words = (e.detail ?? '').split(/\s+/).filter((w) => w.startsWith('/') || /^[a-z0-9-]+\/[a-z0-9-]+$/.test(w))
    lines.forEach((l, i) => words.some((w) => l.includes(w)) && marked.add(i))
  }
  return lines.map((l, i) => (marked.has(i) ? {text: `▶ ${l}`, style: 'mark' as const} : {text: `  ${l}`}))
}

/** Candidate paths of the part the evidence names, most specific first. */
function rulePaths(detail: string): Array<Array<string | number>> {
  const rule = /\b(ingress|egress|ingressDeny|egressDeny)?\s*rule\s*#?(\d+)/.exec(detail)
  if (rule) return [['spec', rule[1] ?? 'rules', Number(rule[2])]]
  const dir = /\b(ingress|egress)\b/.exec(detail)?.[1]
  const out: Array<Array<string | number>> = []
  if (dir && /default.deny/.test(detail)) out.push(['spec', 'enableDefaultDeny', dir], ['spec', 'enableDefaultDeny'])
  if (dir) out.push(['spec', dir], ['spec', `${dir}Deny`])
  if (/default.deny/.test(detail)) out.push(['spec'])
  return out
}
