// JSON and YAML views (LATTICE-SPEC §9.4). The shape is the diagnosis object itself, with
// keys in the documented order; scripts and the TUI read the same thing.

import {stringify} from 'yaml'
import type {Diagnosis} from '../diagnose/model.js'

export function toReport(d: Diagnosis): Record<string, unknown> {
  return {
    source: d.source,
    target: d.target,
    profile: d.profile,
    trustDomain: d.trustDomain,
    policySource: d.policySource,
    layers: d.layers.map((l) => ({layer: l.layer, status: l.status, summary: l.summary, reasons: l.reasons, evidence: l.evidence})),
    result: d.result,
    drift: d.drift,
    warnings: d.warnings,
    ...(d.evidenceSources ? {evidenceSources: d.evidenceSources} : {}),
    fix: d.fix,
  }
}

export function renderStructured(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(value, null, 2) + '\n' : stringify(value, {lineWidth: 0})
}
