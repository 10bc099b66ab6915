// In-memory ServiceGraph with per-node edge indexes.

import type {Edge, Finding, GraphNode, ServiceGraph} from './model.js'

/** `selfFindings`: findings about a member calling itself, computed when asked (not listed in `findings`). */
export function createGraph(nodes: Iterable<GraphNode>, edges: Edge[], findings: Finding[], selfFindings?: (key: string) => Finding[]): ServiceGraph {
  const nodeMap = new Map<string, GraphNode>()
  for (const n of nodes) nodeMap.set(n.key, n)
  const sorted = [...edges].sort((a, b) => a.order - b.order)
  const out = new Map<string, Edge[]>()
  const inb = new Map<string, Edge[]>()
  const callees = new Map<string, Set<string>>()
  for (const e of sorted) {
    push(out, e.from, e)
    push(inb, e.to, e)
    const set = callees.get(e.from)
    if (set) set.add(e.to)
    else callees.set(e.from, new Set([e.to]))
  }
  const byPair = new Map<string, Map<string, Finding[]>>()
  for (const f of findings) {
    let byTo = byPair.get(f.from)
    if (!byTo) byPair.set(f.from, (byTo = new Map()))
    push(byTo, f.to, f)
  }
  return {
    nodes: nodeMap,
    edges: sorted,
    findings,
    node: (key) => nodeMap.get(key),
    outbound: (key) => out.get(key) ?? [],
    inbound: (key) => inb.get(key) ?? [],
    hasEdge: (from, to) => callees.get(from)?.has(to) ?? false,
    findingsFor: (from, to) => byPair.get(from)?.get(to) ?? (from === to && selfFindings ? selfFindings(from) : []),
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k)
  if (list) list.push(v)
  else m.set(k, [v])
}
