// The active-edge rule (LATTICE-SPEC §4.2): A→B iff A declares B (or dependsAll, B ≠ A)
// AND B allows A (named, implicit §4.6, or allowsAll, B ≠ A), both nodes existing.
// Wildcards only count when Cedar permits them (§4.5).

import {compareRefs, refKey} from './declarations.js'
import type {Edge} from './model.js'
import type {DeclaredNode} from './nodes.js'
import {linearize} from './order.js'

export type WildcardPermitted = (nodeKey: string, direction: 'inbound' | 'outbound') => boolean

/** How B allows A, if at all, and where that sits in B's inbound order. */
export interface Allowance {
  how: 'named' | 'implicit' | 'wildcard'
  /** Position in B's inbound list: named/`*` slots as declared, then implicit callers. */
  slot: number
  l7?: Edge['l7']
}

export function allowanceOf(callee: DeclaredNode, caller: DeclaredNode, wildcardPermitted: WildcardPermitted): Allowance | undefined {
  const {callers, implicitCallers, allowsAll} = callee.decl
  const self = caller.node.key === callee.node.key
  const named = callers.findIndex((s) => s.kind === 'caller' && refKey(s.ref) === caller.node.key)
  if (named !== -1) {
    const slot = callers[named]
    return {how: 'named', slot: named, ...(slot.kind === 'caller' && slot.ref.l7 ? {l7: slot.ref.l7} : {})}
  }
  // Neither implicit callers nor the wildcard ever make a node allow itself.
  if (self) return undefined
  const implicit = implicitCallers.findIndex((c) => refKey(c) === caller.node.key)
  if (implicit !== -1) return {how: 'implicit', slot: callers.length + implicit}
  if (allowsAll && wildcardPermitted(callee.node.key, 'inbound')) {
    return {how: 'wildcard', slot: callers.findIndex((s) => s.kind === 'wildcard')}
  }
  return undefined
}

/** Position of B in A's outbound declarations, or undefined when A does not declare B. */
export function declaredIndex(caller: DeclaredNode, calleeKey: string): number | undefined {
  const i = caller.decl.dependencies.findIndex((d) => refKey(d) === calleeKey)
  return i === -1 ? undefined : i
}

interface Candidate {
  edge: Omit<Edge, 'order'>
  calleeIndex: number
  slot: number
  callerNode: DeclaredNode
  calleeNode: DeclaredNode
  /** Position in the caller's dependencies; dependsAll-only targets come after them. */
  declared?: number
}

export function matchEdges(nodes: DeclaredNode[], wildcardPermitted: WildcardPermitted): Edge[] {
  const index = new Map(nodes.map((n, i) => [n.node.key, i]))
  const candidates: Candidate[] = []
  for (const caller of nodes) {
    const dependsAll = caller.decl.dependsAll && wildcardPermitted(caller.node.key, 'outbound')
    const targets = dependsAll ? nodes.map((n) => n.node.key) : caller.decl.dependencies.map(refKey)
    const seen = new Set<string>()
    for (const key of targets) {
      const calleeIndex = index.get(key)
      if (calleeIndex === undefined || seen.has(key)) continue
      seen.add(key)
      const callee = nodes[calleeIndex]
      const declared = declaredIndex(caller, key)
      const self = key === caller.node.key
      if (declared === undefined && self) continue // dependsAll never reaches itself
      const allowed = allowanceOf(callee, caller, wildcardPermitted)
      if (!allowed) continue
      const edge: Omit<Edge, 'order'> = {
        from: caller.node.key,
        to: key,
        viaWildcard: allowed.how === 'wildcard',
        implicit: allowed.how === 'implicit',
        viaDependsAll: declared === undefined,
        self,
      }
      if (allowed.l7) edge.l7 = allowed.l7
      candidates.push({edge, calleeIndex, slot: allowed.slot, callerNode: caller, calleeNode: callee, declared})
    }
  }
  // Callee priority: callee in node order, its inbound slot, then (within the `*` slot) callers by ns/name.
  candidates.sort((a, b) => a.calleeIndex - b.calleeIndex || a.slot - b.slot || compareNodes(a.callerNode, b.callerNode))
  const ordered = linearize(
    candidates,
    (c) => c.edge.to,
    (c) => c.edge.from,
    (a, b) => declaredRank(a) - declaredRank(b) || compareNodes(a.calleeNode, b.calleeNode),
  )
  return ordered.map((c, order) => ({...c.edge, order}))
}

function declaredRank(c: Candidate): number {
  return c.declared ?? Number.MAX_SAFE_INTEGER
}

function compareNodes(a: DeclaredNode, b: DeclaredNode): number {
  return compareRefs(a.node, b.node)
}
