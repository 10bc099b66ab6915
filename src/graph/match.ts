// The active-edge rule (LATTICE-SPEC §4.2): A→B iff A declares B (or dependsAll, B ≠ A)
// AND B allows A (named, implicit §4.6, or allowsAll, B ≠ A), both nodes existing.
// Wildcards only count when Cedar permits them (§4.5).

import {compareRefs, refKey, type NodeDeclarations} from './declarations.js'
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

/**
 * First position of a key in a list of keys. Declaration lists are short, where a scan
 * beats a hash map; a long one (a hub) gets a map so lookups stay O(1).
 */
class Positions {
  private readonly map?: Map<string, number>
  constructor(readonly keys: ReadonlyArray<string | undefined>) {
    if (keys.length > 16) {
      this.map = new Map()
      keys.forEach((k, i) => {
        if (k !== undefined && !this.map!.has(k)) this.map!.set(k, i)
      })
    }
  }

  of(key: string): number | undefined {
    if (this.map) return this.map.get(key)
    const i = this.keys.indexOf(key)
    return i === -1 ? undefined : i
  }
}

/** Where each peer sits in a node's declaration lists, built once per node. */
interface DeclIndex {
  /** `ns/name` of each dependency, in declaration order. */
  dependencyKeys: string[]
  dependencies: Positions
  callers: Positions
  implicitCallers: Positions
  wildcardSlot: number
}

const indexes = new WeakMap<NodeDeclarations, DeclIndex>()

function declIndex(decl: NodeDeclarations): DeclIndex {
  let index = indexes.get(decl)
  if (index) return index
  const dependencyKeys = decl.dependencies.map(refKey)
  index = {
    dependencyKeys,
    dependencies: new Positions(dependencyKeys),
    callers: new Positions(decl.callers.map((s) => (s.kind === 'caller' ? refKey(s.ref) : undefined))),
    implicitCallers: new Positions(decl.implicitCallers.map(refKey)),
    wildcardSlot: decl.callers.findIndex((s) => s.kind === 'wildcard'),
  }
  indexes.set(decl, index)
  return index
}

export function allowanceOf(callee: DeclaredNode, caller: DeclaredNode, wildcardPermitted: WildcardPermitted): Allowance | undefined {
  const {callers, allowsAll} = callee.decl
  const index = declIndex(callee.decl)
  const self = caller.node.key === callee.node.key
  const named = index.callers.of(caller.node.key)
  if (named !== undefined) {
    const slot = callers[named]
    const allowance: Allowance = {how: 'named', slot: named}
    if (slot.kind === 'caller' && slot.ref.l7) allowance.l7 = slot.ref.l7
    return allowance
  }
  // Neither implicit callers nor the wildcard ever make a node allow itself.
  if (self) return undefined
  const implicit = index.implicitCallers.of(caller.node.key)
  if (implicit !== undefined) return {how: 'implicit', slot: callers.length + implicit}
  if (allowsAll && wildcardPermitted(callee.node.key, 'inbound')) {
    return {how: 'wildcard', slot: index.wildcardSlot}
  }
  return undefined
}

/** `ns/name` of every dependency of a node, in declaration order (computed once per node). */
export function dependencyKeys(decl: NodeDeclarations): readonly string[] {
  return declIndex(decl).dependencyKeys
}

/** Position of B in A's outbound declarations, or undefined when A does not declare B. */
export function declaredIndex(caller: DeclaredNode, calleeKey: string): number | undefined {
  return declIndex(caller.decl).dependencies.of(calleeKey)
}

interface Candidate {
  edge: Edge
  slot: number
  callerNode: DeclaredNode
  calleeNode: DeclaredNode
  /** Position in the caller's dependencies; dependsAll-only targets come after them. */
  declared?: number
}

export function matchEdges(nodes: DeclaredNode[], wildcardPermitted: WildcardPermitted): Edge[] {
  const index = new Map(nodes.map((n, i) => [n.node.key, i]))
  // Candidates bucketed by callee (node order), which is the first sort key of callee priority.
  const byCallee: Array<Candidate[] | undefined> = new Array(nodes.length)
  let count = 0
  for (const caller of nodes) {
    const dependsAll = caller.decl.dependsAll && wildcardPermitted(caller.node.key, 'outbound')
    const targets = dependsAll ? nodes.map((n) => n.node.key) : dependencyKeys(caller.decl)
    // Targets are distinct (declarations are de-duplicated, node keys unique); a hand-built
    // list with repeats still yields one candidate per target.
    for (let i = 0; i < targets.length; i++) {
      const key = targets[i]
      const calleeIndex = index.get(key)
      if (calleeIndex === undefined) continue
      const declared = declaredIndex(caller, key)
      if (!dependsAll && declared !== i) continue // a repeated declaration
      const callee = nodes[calleeIndex]
      const self = key === caller.node.key
      if (declared === undefined && self) continue // dependsAll never reaches itself
      const allowed = allowanceOf(callee, caller, wildcardPermitted)
      if (!allowed) continue
      const edge = {
        from: caller.node.key,
        to: key,
        viaWildcard: allowed.how === 'wildcard',
        implicit: allowed.how === 'implicit',
        viaDependsAll: declared === undefined,
        self,
      } as Edge
      if (allowed.l7) edge.l7 = allowed.l7
      edge.order = -1 // set below; last, as the edge's fields have always been ordered
      ;(byCallee[calleeIndex] ??= []).push({edge, slot: allowed.slot, callerNode: caller, calleeNode: callee, declared})
      count++
    }
  }
  // Callee priority: callee in node order, its inbound slot, then (within the `*` slot)
  // callers by ns/name. A stable sort per callee gives what one sort of all would.
  const candidates: Candidate[] = new Array(count)
  let at = 0
  for (const bucket of byCallee) {
    if (!bucket) continue
    if (bucket.length > 1) bucket.sort((a, b) => a.slot - b.slot || compareNodes(a.callerNode, b.callerNode))
    for (const c of bucket) candidates[at++] = c
  }
  const ordered = linearize(
    candidates,
    (c) => c.edge.to,
    (c) => c.edge.from,
    (a, b) => declaredRank(a) - declaredRank(b) || compareNodes(a.calleeNode, b.calleeNode),
  )
  for (let order = 0; order < ordered.length; order++) ordered[order].edge.order = order
  return ordered.map((c) => c.edge)
}

function declaredRank(c: Candidate): number {
  return c.declared ?? Number.MAX_SAFE_INTEGER
}

function compareNodes(a: DeclaredNode, b: DeclaredNode): number {
  return compareRefs(a.node, b.node)
}
