// In-memory ServiceGraph with per-node edge indexes.

import type {Edge, Finding, GraphNode, ServiceGraph} from './model.js'

export function createGraph(nodes: Iterable<GraphNode>, edges: Edge[], findings: Finding[]): ServiceGraph {
  const nodeMap = new Map<string, GraphNode>()
  for (const n of nodes) nodeMap.set(n.key, n)
  const sorted = [...edges].sort((a, b) => a.order - b.order)
  const out = new Map<string, Edge[]>()
  const inb = new Map<string, Edge[]>()
  const pairs = new Set<string>()
  for (const e of sorted) {
    push(out, e.from, e)
    push(inb, e.to, e)
    pairs.add(`${e.from}\u0000${e.to}`)
  }
  const byPair = new Map<string, Finding[]>()
  for (const f of findings) push(byPair, `${f.from}\u0000${f.to}`, f)
  return {
    nodes: nodeMap,
    edges: sorted,
    findings,
    node: (key) => nodeMap.get(key),
    outbound: (key) => out.get(key) ?? [],
    inbound: (key) => inb.get(key) ?? [],
    hasEdge: (from, to) => pairs.has(`${from}\u0000${to}`),
    findingsFor: (from, to) => byPair.get(`${from}\u0000${to}`) ?? [],
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k)
  if (list) list.push(v)
  else m.set(k, [v])
}
