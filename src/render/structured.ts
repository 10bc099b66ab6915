// JSON and YAML views (LATTICE-SPEC §9.4). The shape is the diagnosis object itself, with
// keys in the documented order; scripts and the TUI read the same thing.

import {stringify} from 'yaml'
import type {LayerResult} from '../core/result.js'
import type {Diagnosis} from '../diagnose/model.js'
import {declaredOutbound, reachabilityExitCode, type ReachabilityQuery, type ReachabilityRow} from '../diagnose/reachability.js'

/** Every document the diagnosis commands print names its version and kind (schema/). */
export const REPORT_API_VERSION = 'platform.lattice.dev/v1alpha1'

const layerView = (l: LayerResult) => ({layer: l.layer, status: l.status, summary: l.summary, reasons: l.reasons, evidence: l.evidence})

export function toReport(d: Diagnosis): Record<string, unknown> {
  return {
    apiVersion: REPORT_API_VERSION,
    kind: 'ConnectivityDiagnosis',
    source: d.source,
    target: d.target,
    profile: d.profile,
    trustDomain: d.trustDomain,
    policySource: d.policySource,
    layers: d.layers.map(layerView),
    result: d.result,
    // Per-port verdicts (§10.13); the top-level layers/result above summarize them.
    ...(d.ports ? {ports: d.ports.map((p) => ({port: p.port, layers: p.layers.map(layerView), result: p.result}))} : {}),
    drift: d.drift,
    warnings: d.warnings,
    ...(d.evidenceSources ? {evidenceSources: d.evidenceSources} : {}),
    fix: d.fix,
  }
}

export function renderStructured(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(value, null, 2) + '\n' : stringify(value, {lineWidth: 0})
}

/** `--from A --all` as a document (schema/reachability.schema.json). */
export function toReachabilityReport(source: string, rows: ReachabilityRow[], query: ReachabilityQuery, policySource: Diagnosis['policySource']): Record<string, unknown> {
  const mine = rows.filter(declaredOutbound)
  const exitCode = reachabilityExitCode(rows)
  return {
    apiVersion: REPORT_API_VERSION,
    kind: 'Reachability',
    source,
    query: {...(query.port !== undefined ? {port: query.port} : {}), ...(query.clientBinary ? {clientBinary: query.clientBinary} : {}), ...(query.method ? {method: query.method, path: query.path} : {})},
    policySource,
    peers: rows.map((r) => ({
      target: r.target, declared: r.declared, status: r.status, blockedAt: r.blockedAt, explanation: r.explanation,
      ports: r.ports,
      layers: (r.diagnosis?.layers ?? []).map((l) => ({layer: l.layer, status: l.status, summary: l.summary})),
    })),
    result: {
      status: exitCode === 1 ? 'BLOCKED' : exitCode === 3 ? 'UNKNOWN' : 'ALLOWED',
      exitCode,
      declaredOutbound: mine.length,
      blocked: mine.filter((r) => r.status === 'BLOCKED').map((r) => r.target),
      unknown: mine.filter((r) => r.status === 'UNKNOWN').map((r) => r.target),
    },
  }
}
