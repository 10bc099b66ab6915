// Builds the bilateral service graph (LATTICE-SPEC §4) from loaded specs. The graph is
// built from specs, not compile results: a service Cedar denies keeps its node (§10.4).

import type {Profile} from '../core/constants.js'
import type {LatticeMeshMember, LatticeService} from '../spec/model.js'
import {computeFindings, selfWildcardFinding} from './findings.js'
import {createGraph} from './graph.js'
import {matchEdges, type WildcardPermitted} from './match.js'
import type {Finding, ServiceGraph} from './model.js'
import {collectNodes, type DeclaredNode, type NodeCache} from './nodes.js'

export interface GraphInput {
  services: LatticeService[]
  meshMembers: LatticeMeshMember[]
}

export interface BuildGraphOptions {
  /** Cedar `AllowWildcard` answer per node and direction; absent = every wildcard permitted. */
  wildcardPermitted?: WildcardPermitted
  /** Decides IPv6 egress prefixes and whether §6.3.2 L7 params are read (default `seed`). */
  profile?: Profile
  /** Reuse service nodes across builds of one session (see NodeCache). */
  cache?: NodeCache
}

export function buildGraph(input: GraphInput, opts: BuildGraphOptions = {}): ServiceGraph {
  const nodes = collectNodes(input.services, input.meshMembers, opts.profile ?? 'seed', opts.cache)
  const permitted = platformPermitted(nodes, opts.wildcardPermitted ?? (() => true))
  const edges = matchEdges(nodes, permitted)
  const callees = new Map<string, Set<string>>()
  for (const e of edges) {
    const set = callees.get(e.from)
    if (set) set.add(e.to)
    else callees.set(e.from, new Set([e.to]))
  }
  const hasEdge = (from: string, to: string) => callees.get(from)?.has(to) ?? false
  const findings = computeFindings(nodes, hasEdge, permitted)
  // Found now rather than when asked, so the graph does not keep every node's declarations
  // (and this build's edge index) alive for the process lifetime: only wildcard members can have one.
  const selfWildcard = new Map<string, Finding[]>()
  for (const n of nodes) {
    const f = n.decl.allowsAll || n.decl.dependsAll ? selfWildcardFinding(n, hasEdge) : undefined
    if (f) selfWildcard.set(n.node.key, [f])
  }
  const selfFindings = (key: string) => selfWildcard.get(key)?.slice() ?? []
  return createGraph(
    nodes.map((n) => n.node),
    edges,
    findings,
    selfFindings,
  )
}

/** The platform's own members (the ingress gateway) make no AllowWildcard request (§10.15). */
function platformPermitted(nodes: DeclaredNode[], base: WildcardPermitted): WildcardPermitted {
  const platform = new Set(nodes.filter((n) => n.node.platform).map((n) => n.node.key))
  return platform.size === 0 ? base : (key, direction) => platform.has(key) || base(key, direction)
}
