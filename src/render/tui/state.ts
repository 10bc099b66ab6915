// The verdict screen's state, folded from the diagnosis event stream. A pure reducer: the
// same events always give the same rows, and tests drive it with scripted events.

import {LAYER_ORDER, type LayerId, type LayerResult} from '../../core/result.js'
import type {Diagnosis, DiagnosisEvent} from '../../diagnose/model.js'

export interface SourceProgress {
  name: string
  state: 'running' | 'done' | 'failed'
  startedAt: number
  ms?: number
  count?: number
  reason?: string
}

export interface RunState {
  startedAt: number
  sources: SourceProgress[]
  layers: Partial<Record<LayerId, LayerResult>>
  diagnosis?: Diagnosis
  /** The run itself failed (bad input, cluster unreachable): one line. */
  error?: string
}

export function initialRun(now: number): RunState {
  return {startedAt: now, sources: [], layers: {}}
}

export function reduceEvent(s: RunState, e: DiagnosisEvent, now: number): RunState {
  switch (e.type) {
    case 'source-started':
      return {...s, sources: [...s.sources.filter((x) => x.name !== e.source), {name: e.source, state: 'running', startedAt: now}]}
    case 'source-finished':
      return {...s, sources: upsert(s.sources, e.source, now, (x) => ({...x, state: 'done', ms: e.ms, ...(e.count !== undefined ? {count: e.count} : {})}))}
    case 'source-failed':
      return {...s, sources: upsert(s.sources, e.source, now, (x) => ({...x, state: 'failed', ms: e.ms, reason: e.reason}))}
    case 'layer-decided':
      return {...s, layers: {...s.layers, [e.result.layer]: e.result}}
    case 'diagnosis': {
      // The final object wins: every layer as the text and JSON views show it.
      const layers: RunState['layers'] = {}
      for (const l of e.diagnosis.layers) layers[l.layer] = l
      return {...s, layers, diagnosis: e.diagnosis}
    }
  }
}

export function failRun(s: RunState, message: string): RunState {
  return {...s, error: message}
}

function upsert(list: SourceProgress[], name: string, now: number, change: (x: SourceProgress) => SourceProgress): SourceProgress[] {
  const found = list.find((x) => x.name === name)
  if (!found) return [...list, change({name, state: 'running', startedAt: now})]
  return list.map((x) => (x.name === name ? change(x) : x))
}

export const pendingLayers = (s: RunState): LayerId[] => LAYER_ORDER.filter((id) => !s.layers[id])
