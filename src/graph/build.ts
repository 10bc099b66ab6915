// Builds the bilateral service graph (LATTICE-SPEC §4) from loaded specs. The graph is
// built from specs, not compile results: a service Cedar denies keeps its node (§10.4).

import type {Profile} from '../core/constants.js'
import type {LatticeMeshMember, LatticeService} from '../spec/model.js'
import {computeFindings} from './findings.js'
import {createGraph} from './graph.js'
import {matchEdges, type WildcardPermitted} from './match.js'
import type {ServiceGraph} from './model.js'
import {collectNodes} from './nodes.js'

export interface GraphInput {
  services: LatticeService[]
  meshMembers: LatticeMeshMember[]
}

export interface BuildGraphOptions {
  /** Cedar `AllowWildcard` answer per node and direction; absent = every wildcard permitted. */
  wildcardPermitted?: WildcardPermitted
  /** Decides IPv6 egress prefixes and whether §6.3.2 L7 params are read (default `seed`). */
  profile?: Profile
}

export function buildGraph(input: GraphInput, opts: BuildGraphOptions = {}): ServiceGraph {
  const permitted: WildcardPermitted = opts.wildcardPermitted ?? (() => true)
  const nodes = collectNodes(input.services, input.meshMembers, opts.profile ?? 'seed')
  const edges = matchEdges(nodes, permitted)
  const pairs = new Set(edges.map((e) => `${e.from}\u0000${e.to}`))
  const findings = computeFindings(nodes, (from, to) => pairs.has(`${from}\u0000${to}`), permitted)
  return createGraph(
    nodes.map((n) => n.node),
    edges,
    findings,
  )
}
