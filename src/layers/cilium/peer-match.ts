// Which peer a rule's L3 fields select (LATTICE-SPEC §5.1-4, §10.10), as Cilium defines it:
// - pkg/policy/utils (mergeEndpointSelectors): a present-but-empty `*Endpoints`, `*Nodes`,
//   `*Entities`, `*CIDR` or `*CIDRSet` list makes the whole rule select nothing;
// - pkg/policy/rule.go (mergeIngress/mergeEgress): a rule with no peer field is a wildcard
//   only for the ports it lists; with no toPorts it allows nothing (`ingress: [{}]` is the
//   deny-all pattern) — see rule-match.ts;
// - pkg/policy/api ingress.go/egress.go (AllowsWildcarding): `fromRequires`/`toRequires`
//   and `toServices` never make a rule a wildcard; requires only narrow `*Endpoints`.
// A rule's peer fields are alternatives (union); Cilium rejects rules mixing them.

import {BlockList, isIP} from 'node:net'
import {labelsOfPeer, unknownNamespaceLabel, type L4Peer} from './peer.js'
import {isAllPodsSelector, mentionsReserved, selectorMatch, selectorMatches, type LabelSelector} from './selector.js'
import type {Tri} from './tri.js'

/** A `fromRequires`/`toRequires` selector and the namespace of the policy that wrote it. */
export interface Requirement {
  selector: LabelSelector
  namespace?: string
}

export interface PeerContext {
  /** Namespace of a CiliumNetworkPolicy (implicit scoping of endpoint selectors); undefined for CCNPs. */
  namespace?: string
  clusterName?: string
  /** For toFQDNs: does some DNS rule of the subject allow looking this name up? */
  dnsAllows?: (fqdn: string) => boolean
  /** Requires of every rule of the same section that applies to the subject. */
  requirements?: Requirement[]
  where: string
  notes: string[]
}

export interface PeerMatch {
  matched: Tri
  /** Matched without checking the peer's identity (entities cluster/world/all, all-pods selector, no peer field). */
  broad: boolean
}

/** How a rule selects peers: never (an empty peer list), any (no peer field), or by its listed fields. */
export type PeerSelection = {kind: 'none'; field: string} | {kind: 'wildcard'} | {kind: 'listed'; fields: string[]}

const CLUSTER_KINDS = new Set(['pod', 'host', 'remote-node', 'kube-apiserver', 'health', 'init', 'ingress', 'unmanaged'])
const BROAD_ENTITIES = new Set(['all', 'cluster', 'world', 'world-ipv4', 'world-ipv6'])
const EMPTY_SELECTS_NONE = ['Endpoints', 'Nodes', 'Entities', 'CIDR', 'CIDRSet']
const PEER_FIELDS = {
  from: ['Endpoints', 'Nodes', 'Entities', 'CIDR', 'CIDRSet', 'Groups', 'Requires'],
  to: ['Endpoints', 'Nodes', 'Entities', 'CIDR', 'CIDRSet', 'FQDNs', 'Groups', 'Services', 'Requires'],
}
/** Fields that select peers themselves (Cilium allows only one of them per rule). */
const SELECTING = ['Endpoints', 'Nodes', 'Entities', 'CIDR', 'CIDRSet', 'Groups', 'Services']

export function peerSelection(rule: Record<string, unknown>, dir: 'from' | 'to'): PeerSelection {
  for (const n of EMPTY_SELECTS_NONE) {
    const v = rule[`${dir}${n}`]
    if (Array.isArray(v) && v.length === 0) return {kind: 'none', field: `${dir}${n}`}
  }
  const fields = PEER_FIELDS[dir].filter((n) => asList(rule[`${dir}${n}`]).length > 0)
  return fields.length === 0 ? {kind: 'wildcard'} : {kind: 'listed', fields}
}

/** Matches the peer against a rule whose selection is `listed`. */
export function peerMatches(rule: Record<string, unknown>, dir: 'from' | 'to', peer: L4Peer, ctx: PeerContext, fields: string[]): PeerMatch {
  const field = (name: string) => rule[`${dir}${name}`]
  let matched: Tri = 'no'
  let broad = false
  const hit = (isBroad: boolean) => {
    matched = 'yes'
    broad ||= isBroad
  }
  const undecided = (why: string) => {
    if (matched === 'no') matched = 'unknown'
    ctx.notes.push(`${ctx.where}: ${why}`)
  }
  const selecting = fields.filter((f) => SELECTING.includes(f))
  if (selecting.length > 1) {
    ctx.notes.push(`${ctx.where}: combines ${selecting.map((f) => dir + f).join(' and ')}, which Cilium rejects (only one peer field per rule); evaluated as alternatives`)
  }
  for (const sel of asList<LabelSelector>(field('Endpoints'))) {
    const m = endpointMatches(sel, peer, ctx)
    if (m === 'yes') hit(isAllPodsSelector(sel) && !mentionsReserved(sel) && (ctx.requirements ?? []).length === 0)
    else if (m === 'unknown') undecided(`${dir}Endpoints selects by namespace labels, and the labels of namespace ${peer.kind === 'pod' ? peer.namespace : ''} are not known`)
  }
  if (asList(field('Nodes')).length > 0 && (peer.kind === 'host' || peer.kind === 'remote-node')) undecided(`${dir}Nodes selects nodes by their labels, which are not known here`)
  for (const e of asList<string>(field('Entities'))) {
    if (entityMatches(String(e), peer)) hit(BROAD_ENTITIES.has(String(e)))
  }
  for (const c of asList<string>(field('CIDR'))) {
    if (cidrMatches(String(c), [], peer)) hit(prefixLength(String(c)) === 0)
  }
  for (const s of asList<{cidr?: string; except?: string[]}>(field('CIDRSet'))) {
    if (s?.cidr) {
      if (cidrMatches(s.cidr, s.except ?? [], peer)) hit(prefixLength(s.cidr) === 0)
    } else if (peer.kind === 'world') undecided(`${dir}CIDRSet entry without a literal cidr (cidrGroupRef/cidrGroupSelector) is not evaluated`)
  }
  if (dir === 'to') {
    for (const f of asList<{matchName?: string; matchPattern?: string}>(field('FQDNs'))) {
      if (fqdnRuleMatches(f, peer, ctx)) hit(f.matchPattern === '*')
    }
    if (asList(field('Services')).length > 0 && (peer.kind === 'pod' || peer.kind === 'world')) undecided('toServices selects the backends of a Service, which are not evaluated here')
  }
  if (asList(field('Groups')).length > 0 && peer.kind === 'world') undecided(`${dir}Groups selects cloud-provider addresses, which are not evaluated here`)
  return {matched, broad}
}

function endpointMatches(sel: LabelSelector, peer: L4Peer, ctx: PeerContext): Tri {
  // Endpoint selectors reach reserved identities only when they name them explicitly
  // (a CCNP adds `k8s:io.kubernetes.pod.namespace Exists`, a CNP the namespace itself).
  if (peer.kind !== 'pod' && !mentionsReserved(sel)) return 'no'
  const labels = labelsOfPeer(peer, ctx.clusterName)
  const scoped = peer.kind === 'pod' && !mentionsReserved(sel)
  // A namespace label that is not known (offline, no Namespace object) can neither match
  // nor fail: deciding it either way could hide a deny rule or an allow.
  const m = selectorMatch(sel, labels, scoped ? ctx.namespace : undefined, false, unknownNamespaceLabel(peer))
  if (m === 'no') return 'no'
  // fromRequires/toRequires are folded into every endpoint selector of the section.
  return (ctx.requirements ?? []).every((r) => peer.kind === 'pod' && selectorMatches(r.selector, labels, r.namespace)) ? m : 'no'
}

/** Cilium entities; `cluster` is every in-cluster identity (pods, nodes, API server, health, init, ingress, unmanaged). */
export function entityMatches(entity: string, peer: L4Peer): boolean {
  switch (entity) {
    case 'all':
      return true
    case 'none':
      return false
    case 'world':
      return peer.kind === 'world'
    case 'world-ipv4':
      return peer.kind === 'world' && peer.ip !== undefined && isIP(peer.ip) === 4
    case 'world-ipv6':
      return peer.kind === 'world' && peer.ip !== undefined && isIP(peer.ip) === 6
    case 'cluster':
      return CLUSTER_KINDS.has(peer.kind)
    default:
      return peer.kind === entity
  }
}

/** CIDR rules select addresses outside the cluster (world), never Cilium-managed pods. */
function cidrMatches(cidr: string, except: string[], peer: L4Peer): boolean {
  if (peer.kind !== 'world' || !peer.ip) return false
  return inCidr(peer.ip, cidr) && !except.some((e) => inCidr(peer.ip as string, e))
}

export function inCidr(ip: string, cidr: string): boolean {
  const v = isIP(ip)
  const [base, bits] = cidr.split('/')
  const bv = isIP(base ?? '')
  if (v === 0 || bv !== v) return false
  const max = v === 4 ? 32 : 128
  const len = bits === undefined ? max : Number(bits)
  if (!Number.isInteger(len) || len < 0 || len > max) return false
  const list = new BlockList()
  list.addSubnet(base as string, len, v === 4 ? 'ipv4' : 'ipv6')
  return list.check(ip, v === 4 ? 'ipv4' : 'ipv6')
}

function prefixLength(cidr: string): number {
  const bits = cidr.split('/')[1]
  return bits === undefined ? 128 : Number(bits)
}

/**
 * toFQDNs only matches IPs that Cilium's DNS proxy learned from a lookup the same endpoint
 * was allowed to make, so a name match alone is not enough.
 */
function fqdnRuleMatches(f: {matchName?: string; matchPattern?: string}, peer: L4Peer, ctx: PeerContext): boolean {
  if (peer.kind !== 'world') return false
  if (f.matchName?.includes('*')) {
    ctx.notes.push(`${ctx.where}: toFQDNs matchName "${f.matchName}" is literal in Cilium (a wildcard needs matchPattern), so it matches no real host`)
  }
  if (!peer.fqdn) {
    ctx.notes.push(`${ctx.where}: toFQDNs matches only IPs learned from DNS; no name is known for ${peer.ip ?? 'this destination'}`)
    return false
  }
  if (!dnsNameMatches(f, peer.fqdn)) return false
  if (ctx.dnsAllows && !ctx.dnsAllows(peer.fqdn)) {
    ctx.notes.push(`${ctx.where}: toFQDNs matches ${peer.fqdn}, but no DNS rule of this endpoint allows looking it up, so Cilium never learns its addresses`)
    return false
  }
  return true
}

/** matchName: exact (case-insensitive); matchPattern: `*` within a label, `**.` for any depth, `*` alone for everything. */
export function dnsNameMatches(f: {matchName?: string; matchPattern?: string}, fqdn: string): boolean {
  const name = normalizeDns(fqdn)
  if (typeof f.matchName === 'string') return normalizeDns(f.matchName) === name
  if (typeof f.matchPattern !== 'string') return false
  const pattern = normalizeDns(f.matchPattern)
  if (pattern === '*') return true
  let head = ''
  let rest = pattern
  if (rest.startsWith('**.')) {
    head = '(?:[-a-z0-9_]+\\.)+'
    rest = rest.slice(3)
  }
  const body = rest
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[-a-z0-9_]*')
  return new RegExp(`^${head}${body}$`).test(name)
}

function normalizeDns(s: string): string {
  return s.trim().toLowerCase().replace(/\.$/, '')
}

function asList<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : []
}
