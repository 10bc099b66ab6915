// Graph nodes (LATTICE-SPEC §4.1): one per LatticeService (Local) and one per operator
// LatticeMeshMember, each with its declarations in the order written.

import type {Profile} from '../core/constants.js'
import type {CallerRef, LatticeMeshMember, LatticeService} from '../spec/model.js'
import {keyOf} from '../spec/model.js'
import {memberDeclarations, serviceDeclarations, type NodeDeclarations} from './declarations.js'
import {ingressGatewayKey, ingressGatewayNamespaces, ingressGatewayNode} from './gateways.js'
import {deriveMeshMember} from './member.js'
import type {GraphNode} from './model.js'

export interface DeclaredNode {
  node: GraphNode
  decl: NodeDeclarations
}

/**
 * Nodes of LatticeServices remembered across graph builds of one session (a diagnosis and
 * the re-runs that verify its fix), keyed by the service object: specs are never mutated
 * in place there (a fix replaces the object it changes). A node is reused only when every
 * "does service X exist" question its derivation asked still has the same answer.
 */
export interface NodeCache {
  services: WeakMap<LatticeService, {profile: Profile; node: DeclaredNode; lookups: Array<[string, boolean]>}>
}

export function createNodeCache(): NodeCache {
  return {services: new WeakMap()}
}

/**
 * Services first, then operator members, each in input order; the first object with a key
 * wins, and a LatticeService always wins over a mesh member of the same ns/name (its
 * derived member is the same object, compiled).
 */
export function collectNodes(services: LatticeService[], meshMembers: LatticeMeshMember[], profile: Profile, cache?: NodeCache): DeclaredNode[] {
  const serviceKeys = new Set(services.map(keyOf))
  const out = new Map<string, DeclaredNode>()
  for (const svc of services) {
    const key = keyOf(svc)
    if (out.has(key)) continue
    const cached = cache?.services.get(svc)
    if (cached && cached.profile === profile && cached.lookups.every(([k, v]) => serviceKeys.has(k) === v)) {
      out.set(key, cached.node)
      continue
    }
    const lookups: Array<[string, boolean]> = []
    const hasService = (namespace: string, name: string) => {
      const k = `${namespace}/${name}`
      const v = serviceKeys.has(k)
      lookups.push([k, v])
      return v
    }
    const decl = serviceDeclarations(svc, profile)
    const node = serviceNode(svc, deriveMeshMember(svc, {hasService, profile}, decl), decl)
    cache?.services.set(svc, {profile, node, lookups})
    out.set(key, node)
  }
  for (const lmm of meshMembers) {
    const key = keyOf(lmm)
    if (!out.has(key)) out.set(key, memberNode(lmm))
  }
  // §10.15: the namespace ingress gateway exists wherever a service has routes.
  for (const ns of ingressGatewayNamespaces(services)) {
    const key = ingressGatewayKey(ns)
    if (!out.has(key)) out.set(key, ingressGatewayNode(ns))
  }
  return [...out.values()]
}

function serviceNode(svc: LatticeService, member: LatticeMeshMember, decl: NodeDeclarations): DeclaredNode {
  const {name, namespace} = svc.metadata
  return {
    decl,
    node: {
      key: `${namespace}/${name}`,
      namespace,
      name,
      kind: 'LatticeService',
      serviceAccount: name,
      selector: {...(member.spec.target.selector ?? {})},
      namespaceScoped: false,
      ambient: true,
      ports: member.spec.ports,
      egress: member.spec.egress,
      allowedCallers: graphCallers(decl),
      allowsAll: decl.allowsAll,
      dependsAll: false,
      allowPeerTraffic: false,
      ...(member.spec.advertise ? {advertise: member.spec.advertise} : {}),
      member,
      service: svc,
    },
  }
}

function memberNode(lmm: LatticeMeshMember): DeclaredNode {
  const decl = memberDeclarations(lmm)
  const {name, namespace} = lmm.metadata
  const spec = lmm.spec
  return {
    decl,
    node: {
      key: `${namespace}/${name}`,
      namespace,
      name,
      kind: 'LatticeMeshMember',
      serviceAccount: spec.serviceAccount ?? name,
      selector: {...(spec.target?.selector ?? {})},
      namespaceScoped: Boolean(spec.target?.namespace),
      ambient: spec.ambient !== false,
      ports: spec.ports ?? [],
      egress: spec.egress ?? [],
      allowedCallers: graphCallers(decl),
      allowsAll: decl.allowsAll,
      dependsAll: decl.dependsAll,
      allowPeerTraffic: spec.allowPeerTraffic === true,
      ...(spec.advertise ? {advertise: spec.advertise} : {}),
      member: lmm,
    },
  }
}

/**
 * The graph's view of who may call the node: named callers in declaration order (with
 * namespace and L7 constraints), then implicit callers; `*` is `allowsAll`, not an entry.
 */
function graphCallers(decl: NodeDeclarations): CallerRef[] {
  const named: CallerRef[] = decl.callers.flatMap((s) => (s.kind === 'caller' ? [{...s.ref}] : []))
  const seen = new Set(named.map((c) => `${c.namespace}/${c.name}`))
  for (const c of decl.implicitCallers) if (!seen.has(`${c.namespace}/${c.name}`)) named.push({...c})
  return named
}
