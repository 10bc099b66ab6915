// `--from A --all`: A against every other member in the loaded specs, one verdict each,
// on one compiled fleet (the on-call view of one service's reachability).

import type {CompileOptions} from '../core/constants.js'
import type {KubeObject} from '../core/kube.js'
import type {SpecSet} from '../spec/model.js'
import {keyOf} from '../spec/model.js'
import {compileFleet} from '../pipeline/fleet.js'
import {computeDrift} from './drift.js'
import type {ResultStatus} from './model.js'
import {compiledView, evaluatePair} from './pair.js'
import {dumpView} from './offline.js'

export interface ReachabilityRow {
  target: string
  declared: 'both sides' | 'outbound only' | 'inbound only' | 'none'
  status: ResultStatus
  blockedAt: string | null
  explanation: string
}

export async function reachabilityFrom(source: string, specs: SpecSet, options: CompileOptions, policies?: KubeObject[]): Promise<ReachabilityRow[]> {
  const fleet = await compileFleet(specs, options)
  const view = policies ? dumpView(policies) : compiledView(fleet)
  const expected = policies ? [...compiledView(fleet).l4, ...compiledView(fleet).l7, ...compiledView(fleet).runtime] : []
  const drift = policies ? computeDrift(expected, policies) : []
  const node = fleet.graph.node(source)
  const deps = new Set((node?.member.spec.dependencies ?? []).map((d) => `${d.namespace}/${d.name}`))
  const rows: ReachabilityRow[] = []
  for (const key of [...specs.services.map(keyOf), ...specs.meshMembers.map(keyOf)]) {
    if (key === source || rows.some((r) => r.target === key)) continue
    const peer = fleet.graph.node(key)
    const allows = peer?.allowsAll || peer?.allowedCallers.some((c) => `${c.namespace}/${c.name}` === source) || false
    const declared = deps.has(key) ? (allows ? 'both sides' : 'outbound only') : allows ? 'inbound only' : 'none'
    const d = evaluatePair(fleet, {source, target: key}, view, drift)
    rows.push({target: key, declared, status: d.result.status, blockedAt: d.result.blockedAt, explanation: d.result.explanation})
  }
  const rank = {'both sides': 0, 'outbound only': 1, 'inbound only': 2, none: 3}
  return rows.sort((a, b) => rank[a.declared] - rank[b.declared] || a.target.localeCompare(b.target))
}
