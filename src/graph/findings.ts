// One-sided and dangling declarations (LATTICE-SPEC §4.7): no edge, so default-deny holds,
// and the CLI says why in the normative wording below.

import type {DependencyRef} from '../spec/model.js'
import {refKey} from './declarations.js'
import {allowanceOf, dependencyKeys, type WildcardPermitted} from './match.js'
import type {Finding} from './model.js'
import type {DeclaredNode} from './nodes.js'

interface Ref {
  namespace: string
  name: string
}

/** `<B>` of §4.7: `name` in the other party's namespace, else `ns/name`. */
export function displayName(target: Ref, otherNamespace: string): string {
  return target.namespace === otherNamespace ? target.name : `${target.namespace}/${target.name}`
}

export const findingMessages = {
  oneSidedOutbound: (a: Ref, b: Ref) =>
    `outbound dependency ${displayName(b, a.namespace)} declared but no matching inbound declaration found on service ${displayName(b, a.namespace)}`,
  oneSidedInbound: (a: Ref, b: Ref) =>
    `inbound dependency ${displayName(a, b.namespace)} declared but no matching outbound declaration found on service ${displayName(a, b.namespace)}`,
  missingTarget: (a: Ref, b: Ref) =>
    `outbound dependency ${displayName(b, a.namespace)} declared but service ${displayName(b, a.namespace)} does not exist in namespace ${b.namespace}`,
  namespaceMismatch: (a: Ref, b: Ref, allowedNamespace: string) =>
    `outbound dependency ${b.namespace}/${b.name} declared but ${b.name} allows ${a.name} from namespace ${allowedNamespace}, not ${a.namespace}`,
  wildcardDenied: (a: Ref, b: Ref) => `inbound wildcard on ${displayName(b, a.namespace)} denied by Cedar (AllowWildcard on Mesh::"inbound")`,
}

/**
 * Findings for every declaration that did not become an edge, in node order: a node's
 * outbound declarations first (as written), then its inbound ones. `hasEdge` is the
 * matched edge set, so findings and edges cannot disagree.
 */
export function computeFindings(nodes: DeclaredNode[], hasEdge: (from: string, to: string) => boolean, wildcardPermitted: WildcardPermitted): Finding[] {
  const byKey = new Map(nodes.map((n) => [n.node.key, n]))
  const out: Finding[] = []
  const seen = new Set<string>()
  const add = (f: Finding) => {
    const k = `${f.kind}\u0000${f.from}\u0000${f.to}`
    if (!seen.has(k)) {
      seen.add(k)
      out.push(f)
    }
  }
  for (const a of nodes) {
    const from = a.node.key
    const keys = dependencyKeys(a.decl)
    for (let i = 0; i < keys.length; i++) {
      const target = a.decl.dependencies[i]
      const to = keys[i]
      const b = byKey.get(to)
      if (!b) {
        add({kind: 'missing-target', from, to, message: findingMessages.missingTarget(a.node, target)})
        continue
      }
      if (hasEdge(from, to)) continue
      add(outboundFinding(a, b, wildcardPermitted))
    }
    for (const slot of a.decl.callers) {
      if (slot.kind !== 'caller') continue
      const caller = byKey.get(refKey(slot.ref))
      // A caller that does not exist gets no finding here (§4.7 requires it to exist).
      if (!caller || hasEdge(caller.node.key, from)) continue
      add({kind: 'one-sided-inbound', from: caller.node.key, to: from, message: findingMessages.oneSidedInbound(caller.node, a.node)})
    }
  }
  return out
}

/** A declares existing B outbound but no edge: the most specific reason B does not allow A. */
function outboundFinding(a: DeclaredNode, b: DeclaredNode, wildcardPermitted: WildcardPermitted): Finding {
  const from = a.node.key
  const to = b.node.key
  const self = from === to
  if (!self && b.decl.allowsAll && !allowanceOf(b, a, () => false)) {
    // B would allow A only through `*`, and there is no edge: Cedar denied the wildcard.
    if (!wildcardPermitted(to, 'inbound')) return {kind: 'wildcard-denied', from, to, message: findingMessages.wildcardDenied(a.node, b.node)}
  }
  const sameName = sameNameOtherNamespace(b, a.node)
  if (sameName) {
    return {kind: 'namespace-mismatch', from, to, message: findingMessages.namespaceMismatch(a.node, b.node, sameName.namespace)}
  }
  return {kind: 'one-sided-outbound', from, to, message: findingMessages.oneSidedOutbound(a.node, b.node)}
}

function sameNameOtherNamespace(callee: DeclaredNode, caller: Ref): DependencyRef | undefined {
  for (const s of callee.decl.callers) {
    if (s.kind === 'caller' && s.ref.name === caller.name && s.ref.namespace !== caller.namespace) return s.ref
  }
  return undefined
}
