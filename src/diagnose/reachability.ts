// `--from A --all`: A against every other member in the loaded specs, one verdict each,
// on one compiled fleet (the on-call view of one service's reachability). The query flags
// (--port, --client-binary, --method/--path) apply to every peer, and each peer's verdict
// is the pair's verdict (every port, §10.13). Live, each peer is one live pair diagnosis
// (src/diagnose/live.ts reachabilityLive).

import type {CompileOptions} from '../core/constants.js'
import {InputError} from '../core/errors.js'
import type {KubeObject} from '../core/kube.js'
import type {SpecSet} from '../spec/model.js'
import {keyOf} from '../spec/model.js'
import {compileFleet, type CompiledFleet} from '../pipeline/fleet.js'
import {computeDrift} from './drift.js'
import type {Diagnosis, ResultStatus} from './model.js'
import {compiledView, evaluatePair, portLabel, type PairRequest} from './pair.js'
import {dumpView} from './offline.js'

export type Declared = 'both sides' | 'outbound only' | 'inbound only' | 'none'

/** The query flags every peer is diagnosed with. */
export interface ReachabilityQuery {
  port?: string
  clientBinary?: string
  method?: string
  path?: string
}

export interface ReachabilityRow {
  target: string
  declared: Declared
  status: ResultStatus
  blockedAt: string | null
  explanation: string
  /** Per-port verdicts when the peer has several ports (or --port). */
  ports: Array<{port: string; status: ResultStatus; blockedAt: string | null}>
  /** The full pair verdict (-v shows its layer lines); absent when the peer could not be diagnosed on the asked port. */
  diagnosis?: Diagnosis
}

export async function reachabilityFrom(source: string, specs: SpecSet, options: CompileOptions, policies?: KubeObject[], query: ReachabilityQuery = {}): Promise<ReachabilityRow[]> {
  const fleet = await compileFleet(specs, options)
  const view = policies ? dumpView(policies) : compiledView(fleet)
  const expected = policies ? [...compiledView(fleet).l4, ...compiledView(fleet).l7, ...compiledView(fleet).runtime] : []
  const drift = policies ? computeDrift(expected, policies) : []
  const rows: ReachabilityRow[] = []
  const missingPort: string[] = []
  for (const key of [...specs.services.map(keyOf), ...specs.meshMembers.map(keyOf)]) {
    if (key === source || rows.some((r) => r.target === key)) continue
    const declared = declaredBetween(fleet, source, key)
    try {
      rows.push(rowOf(key, declared, evaluatePair(fleet, pairRequest(source, key, query), view, drift)))
    } catch (err) {
      if (!(err instanceof InputError) || query.port === undefined) throw err
      missingPort.push(key)
      rows.push(noSuchPortRow(key, declared, query.port, err.message))
    }
  }
  // A port name no peer has is a typo, as it is for one pair.
  if (query.port !== undefined && rows.length > 0 && missingPort.length === rows.length) {
    throw new InputError(`--port '${query.port}': no peer of ${source} has a port of that name`)
  }
  return sortRows(rows)
}

export function pairRequest(source: string, target: string, query: ReachabilityQuery): PairRequest {
  return {
    source, target,
    ...(query.port !== undefined ? {port: query.port} : {}),
    ...(query.clientBinary ? {clientBinary: query.clientBinary} : {}),
    ...(query.method ? {method: query.method} : {}),
    ...(query.path ? {path: query.path} : {}),
  }
}

/** Who declares the edge A→B: both sides (an edge), only A (outbound), only B (inbound), nobody. */
export function declaredBetween(fleet: CompiledFleet, source: string, key: string): Declared {
  const deps = new Set((fleet.graph.node(source)?.member.spec.dependencies ?? []).map((d) => `${d.namespace}/${d.name}`))
  const peer = fleet.graph.node(key)
  const allows = peer?.allowsAll || peer?.allowedCallers.some((c) => `${c.namespace}/${c.name}` === source) || false
  return deps.has(key) ? (allows ? 'both sides' : 'outbound only') : allows ? 'inbound only' : 'none'
}

export function rowOf(target: string, declared: Declared, d: Diagnosis): ReachabilityRow {
  return {
    target, declared, status: d.result.status, blockedAt: d.result.blockedAt, explanation: d.result.explanation,
    ports: (d.ports ?? []).map((p) => ({port: portLabel(p.port), status: p.result.status, blockedAt: p.result.blockedAt})),
    diagnosis: d,
  }
}

/** A peer without the named port cannot be reached on it: blocked where the Service is (L4). */
export function noSuchPortRow(target: string, declared: Declared, port: string, message: string): ReachabilityRow {
  const why = message.replace(/^--port '[^']*': /, '')
  return {target, declared, status: 'BLOCKED', blockedAt: 'l4', explanation: `No port ${port}: ${why}.`, ports: []}
}

const RANK: Record<Declared, number> = {'both sides': 0, 'outbound only': 1, 'inbound only': 2, none: 3}

export function sortRows(rows: ReachabilityRow[]): ReachabilityRow[] {
  return rows.sort((a, b) => RANK[a.declared] - RANK[b.declared] || a.target.localeCompare(b.target))
}

/** A peer A declares outbound: a verdict about it is a verdict about A's own dependencies. */
export const declaredOutbound = (r: ReachabilityRow) => r.declared === 'both sides' || r.declared === 'outbound only'

/**
 * Exit code of `--from A --all`: 1 when a peer A declares outbound is blocked, else 3 when
 * one is unknown, else 0. Peers A does not call do not fail the command (their rows still
 * say whether they are reachable).
 */
export function reachabilityExitCode(rows: ReachabilityRow[]): number {
  const mine = rows.filter(declaredOutbound)
  if (mine.some((r) => r.status === 'BLOCKED')) return 1
  if (mine.some((r) => r.status === 'UNKNOWN')) return 3
  return 0
}
