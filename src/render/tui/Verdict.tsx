import React from 'react'
import {Box, Text} from 'ink'
import {Spinner} from '@inkjs/ui'
import {LAYER_ORDER, LAYER_TITLES} from '../../core/result.js'
import type {Diagnosis} from '../../diagnose/model.js'
import {BLOCKED_AT_TITLE} from '../diagnosis-text.js'
import {Colored, elapsed, StatusWord} from './parts.js'
import type {RunState} from './state.js'

/** The result line exactly as the text report words it. */
export function ResultLine({d}: {d: Diagnosis}) {
  const r = d.result
  if (r.status === 'ALLOWED') return <Text wrap="truncate-end">Result: <StatusWord status="ALLOWED" />.</Text>
  if (r.status === 'UNKNOWN') return <Text wrap="truncate-end">Result: <StatusWord status="UNKNOWN" />. {r.explanation}</Text>
  return <Text wrap="truncate-end">Result: <Colored color="red" bold>BLOCKED at {BLOCKED_AT_TITLE[r.blockedAt!]}</Colored>. {r.explanation}</Text>
}

/** The layer table, filled in as layers are decided; sources with a spinner while they read. */
export function Verdict({run, selected, now, height}: {run: RunState; selected: number; now: number; height: number}) {
  const d = run.diagnosis
  const coverage = d ? evidenceSourcesLines(d) : []
  // Finished sources fold into one line; running and failed ones get a line each, as many as fit.
  // Evidence sources keep a line of their own: what they returned is part of the verdict.
  const evidence = (x: {name: string}) => /hubble|ztunnel|waypoint|tetragon/i.test(x.name)
  const done = run.sources.filter((x) => x.state === 'done' && !evidence(x))
  const slowest = [...done].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0))[0]
  const room = Math.max(1, height - LAYER_ORDER.length - 3)
  const sources = [...run.sources.filter((x) => x.state === 'failed'), ...run.sources.filter((x) => x.state === 'done' && evidence(x)), ...run.sources.filter((x) => x.state === 'running')].slice(0, room)
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Box flexDirection="column" flexShrink={0}>
      {LAYER_ORDER.map((id, i) => {
        const l = run.layers[id]
        const on = i === selected
        return (
          <Text key={id} wrap="truncate-end" {...(on ? {inverse: true} : {})}>
            {on ? '› ' : '  '}{LAYER_TITLES[id].padEnd(19)}{' '}
            {l ? <><StatusWord status={l.status} /> <Text>({l.summary})</Text></> : run.error ? <Text dimColor>not evaluated</Text> : <Text dimColor>…</Text>}
          </Text>
        )
      })}
      {run.error ? <Colored color="red">error: {run.error}</Colored> : d ? <ResultLine d={d} /> : <Text dimColor>evaluating… {elapsed(now - run.startedAt)}</Text>}
      </Box>
      {sources.length > 0 || done.length > 0 ? <Text bold>Sources</Text> : null}
      {done.length > 0 ? (
        <Text wrap="truncate-end"><Colored color="green">✓</Colored> {done.length === 1 ? `${done[0].name} (${elapsed(done[0].ms ?? 0)})${done[0].count !== undefined ? ` ${done[0].count} read` : ''}` : `${done.length} sources read (slowest ${slowest!.name} ${elapsed(slowest!.ms ?? 0)})`}</Text>
      ) : null}
      {sources.map((s) => (
        <Box key={s.name} flexShrink={0}>
          {s.state === 'running' ? <Spinner label={`${s.name} ${elapsed(now - s.startedAt)}`} /> : s.state === 'done' ? (
            <Text wrap="truncate-end"><Colored color="green">✓</Colored> {s.name} ({elapsed(s.ms ?? 0)}){s.count !== undefined ? ` ${s.count} read` : ''}</Text>
          ) : (
            <Text wrap="truncate-end"><Colored color="yellow">✗</Colored> {s.name} ({elapsed(s.ms ?? 0)}): {s.reason}</Text>
          )}
        </Box>
      ))}
      {coverage.length > 0 ? <Text bold>Evidence coverage</Text> : null}
      {coverage.map((c, i) => <Text key={i} wrap="truncate-end">  {c}</Text>)}
      {d && d.warnings.length > 0 ? <Text bold>Warnings</Text> : null}
      {d?.warnings.map((w, i) => <Colored key={i} color="yellow">  - {w}</Colored>)}
    </Box>
  )
}

/**
 * `evidenceSources` (window, records, lost events per source) when the diagnosis carries
 * it; read by field name so the TUI does not depend on its exact type.
 */
export function evidenceSourcesLines(d: Diagnosis): string[] {
  const list = (d as unknown as {evidenceSources?: unknown}).evidenceSources
  if (!Array.isArray(list)) return []
  return list.map((s: Record<string, unknown>) => {
    const name = String(s.source ?? s.name ?? 'source')
    const parts: string[] = []
    const w = s.window as Record<string, unknown> | string | undefined
    if (typeof w === 'string') parts.push(`window ${w}`)
    else if (w && typeof w === 'object') parts.push(`window ${String(w.from ?? w.since ?? '?')} → ${String(w.to ?? w.until ?? 'now')}`)
    for (const k of ['records', 'lost', 'lostEvents', 'status', 'error', 'reason']) if (s[k] !== undefined) parts.push(`${k === 'lostEvents' ? 'lost' : k} ${String(s[k])}`)
    return `${name}: ${parts.join(', ') || JSON.stringify(s)}`
  })
}
