// One-sided and dangling declarations (LATTICE-SPEC §4.7): no edge, so default-deny holds,
// and the CLI says why in the normative wording below.

import type {DependencyRef} from '../spec/model.js'
import {refKey} from './declarations.js'
import {allowanceOf, declaredIndex, dependencyKeys, type WildcardPermitted} from './match.js'
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
  /** Outbound counterpart of the wildcard finding (§4.5): B allows A, A relies on dependsAll. */
  dependsAllDenied: (a: Ref, b: Ref) =>
    `dependsAll on ${displayName(a, b.namespace)} denied by Cedar (AllowWildcard on Mesh::"outbound"), so it reaches no callee, though ${displayName(b, a.namespace)} allows it`,
  /** §4.5/§4.9: no wildcard ever makes a member call itself. */
  selfWildcard: (a: Ref & {kind?: string}, why: string) =>
    `wildcards never create a self-edge (§4.5): ${why}; pods of ${a.name} reach each other only through ${a.kind === 'LatticeMeshMember' ? 'allowPeerTraffic: true on the member' : `a self-declaration (${a.name}: {type: service, direction: both})`} (§4.9)`,
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
    // Kept out of the list (every `*` member would have one); findingsFor(a, a) asks for it.
    const self = selfWildcardFinding(a, hasEdge)
    if (a.decl.dependsAll && !wildcardPermitted(from, 'outbound')) {
      for (const b of nodes) {
        if (b === a || declaredIndex(a, b.node.key) !== undefined || !allowanceOf(b, a, wildcardPermitted)) continue
        add({kind: 'depends-all-denied', from, to: b.node.key, message: findingMessages.dependsAllDenied(a.node, b.node)})
      }
    }
    const keys = dependencyKeys(a.decl)
    for (let i = 0; i < keys.length; i++) {
      const target = a.decl.dependencies[i]
      const to = keys[i]
      const b = byKey.get(to)
      if (!b) {
        add({kind: 'missing-target', from, to, message: findingMessages.missingTarget(a.node, target)})
        continue
      }
      if (hasEdge(from, to) || (from === to && self)) continue
      add(outboundFinding(a, b, wildcardPermitted))
    }
    for (const slot of a.decl.callers) {
      if (slot.kind !== 'caller') continue
      const caller = byKey.get(refKey(slot.ref))
      // A caller that does not exist gets no finding here (§4.7 requires it to exist).
      if (!caller || hasEdge(caller.node.key, from) || (caller === a && self)) continue
      if (caller.decl.dependsAll && caller !== a && !wildcardPermitted(caller.node.key, 'outbound')) {
        // The caller does not list us because it relies on dependsAll, which Cedar denied.
        add({kind: 'depends-all-denied', from: caller.node.key, to: from, message: findingMessages.dependsAllDenied(caller.node, a.node)})
        continue
      }
      add({kind: 'one-sided-inbound', from: caller.node.key, to: from, message: findingMessages.oneSidedInbound(caller.node, a.node)})
    }
  }
  return out
}

/**
 * A member with a wildcard (inbound `*` or dependsAll) that has no self-edge: the wildcard
 * is the tempting explanation and never applies to itself (§4.5). A member with
 * allowPeerTraffic gets peer rules instead of an edge (§4.9) and needs no finding.
 */
export function selfWildcardFinding(a: DeclaredNode, hasEdge: (from: string, to: string) => boolean): Finding | undefined {
  const key = a.node.key
  const {allowsAll, dependsAll} = a.decl
  if ((!allowsAll && !dependsAll) || a.node.allowPeerTraffic || hasEdge(key, key)) return undefined
  const declaresSelf = declaredIndex(a, key) !== undefined
  const namesSelf = a.decl.callers.some((s) => s.kind === 'caller' && refKey(s.ref) === key)
  const name = a.node.name
  let why: string
  if (declaresSelf && allowsAll) why = `${name} declares itself outbound, but its inbound wildcard (*) does not allow ${name} itself`
  else if (namesSelf && dependsAll) why = `${name} allows itself by name, but its dependsAll does not reach ${name} itself`
  else if (allowsAll && dependsAll) why = `neither the dependsAll nor the inbound wildcard (*) of ${name} applies to ${name} itself`
  else if (dependsAll) why = `the dependsAll of ${name} does not reach ${name} itself`
  else why = `the inbound wildcard (*) of ${name} does not allow ${name} itself`
  return {kind: 'self-wildcard', from: key, to: key, message: findingMessages.selfWildcard(a.node, why)}
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
