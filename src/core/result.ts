// What every layer reports for one connectivity question. The diagnosis is a list of
// these plus a result; text, JSON, YAML and the TUI are views of it.

import type {ObjectRef} from './kube.js'

export type LayerId = 'admission' | 'cedar' | 'declarations' | 'l4' | 'l7' | 'runtime'

export const LAYER_ORDER: LayerId[] = ['admission', 'cedar', 'declarations', 'l4', 'l7', 'runtime']

export const LAYER_TITLES: Record<LayerId, string> = {
  admission: 'Admission',
  cedar: 'Cedar',
  declarations: 'Declarations',
  l4: 'L4 (Cilium)',
  l7: 'L7 (Istio)',
  runtime: 'Runtime (Tetragon)',
}

/**
 * PASS: allowed. DENY: this layer blocks. FAIL: the input is invalid (admission).
 * WARN: allowed, with a caveat. SKIP: the engine is not installed (does not block).
 * UNKNOWN: could not be evaluated (never ALLOWED).
 */
export type LayerStatus = 'PASS' | 'DENY' | 'WARN' | 'FAIL' | 'SKIP' | 'UNKNOWN'

/** One piece of evidence: an object (and rule) or a record from a log/flow/event. */
export interface Evidence extends Partial<ObjectRef> {
  kind: string
  /** e.g. "egress rule #2", "rule 0", "selector matches payments", a log line summary. */
  detail?: string
  /** For live records: when it happened. */
  time?: string
  /** For aggregated live records: how many. */
  count?: number
  /** Where the record came from (hubble, ztunnel, waypoint, tetragon, policy). */
  source?: string
}

export interface LayerResult {
  layer: LayerId
  status: LayerStatus
  /** One line, the text in parentheses after the status word. */
  summary: string
  /** Longer explanations, most specific first. */
  reasons: string[]
  evidence: Evidence[]
  /** Cross-layer or layer-local caveats (also collected into the diagnosis warnings). */
  warnings: string[]
}

export function layerResult(layer: LayerId, status: LayerStatus, summary: string, extra: Partial<LayerResult> = {}): LayerResult {
  return {layer, status, summary, reasons: extra.reasons ?? [], evidence: extra.evidence ?? [], warnings: extra.warnings ?? []}
}

export function isBlocking(status: LayerStatus): boolean {
  return status === 'DENY' || status === 'FAIL'
}
