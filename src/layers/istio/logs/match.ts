// Does a mesh record concern a connection FROM side A TO side B (LATTICE-SPEC §10.14)?
// ztunnel logs one connection on the client's node (direction=outbound) and on the server's
// node (direction=inbound), both with src = the client and dst = the server
// (istio/ztunnel src/proxy/metrics.rs ConnectionOpen/ConnectionResult: `src.*` is always the
// connection's originator, `direction` only says which ztunnel wrote the line), so the
// direction of the pair is src/dst, never the `direction` field. Policy decision lines
// (src/state.rs) name the server by `wl=` and the client by `peer=` address.
//
// Each side matches on identity (mTLS/HBONE records), address (early failures, waypoint
// records), pod name, or service (A's outbound line to a waypoint names B's service). An
// identity on the record that differs from the wanted one rejects it, even when an address
// matches. When A and B run as the same identity (a shared service account), identity
// cannot tell A→B from B→A, so a pod name or address must match too.
import type {MeshAccessRecord} from '../../../core/evidence.js'
import {ipOf, portOf} from './address.js'

export interface PairSelector {
  /** SPIFFE id (spiffe://td/ns/x/sa/y) or principal (td/ns/x/sa/y). */
  srcIdentity?: string
  dstIdentity?: string
  /** Pod IPs of A. */
  srcIps?: string[]
  /** Pod IPs of B (and, for waypoint records, B's service VIPs). */
  dstIps?: string[]
  /** Pod names (ztunnel logs workloads by pod name; policy decision lines carry only that for B). */
  srcPods?: string[]
  dstPods?: string[]
  /** B's service FQDNs (`payments.commerce.svc.cluster.local`): the dst of A's line to a waypoint. */
  dstServices?: string[]
}

type Record = MeshAccessRecord & {dstHboneAddr?: string}

function principal(id: string): string {
  return id.startsWith('spiffe://') ? id.slice('spiffe://'.length) : id
}

const some = (l: string[] | undefined): l is string[] => l !== undefined && l.length > 0

interface Side {identity?: string; addrs: Array<string | undefined>; workload?: string; service?: string}
interface Want {identity?: string; ips?: string[]; pods?: string[]; services?: string[]}

function sideMatches(rec: Side, want: Want, identityDecides: boolean): boolean {
  const hasIdentity = want.identity !== undefined && want.identity.length > 0
  if (!hasIdentity && !some(want.ips) && !some(want.pods) && !some(want.services)) return true
  if (hasIdentity && rec.identity !== undefined) {
    if (principal(rec.identity) !== principal(want.identity!)) return false
    if (identityDecides || (!some(want.ips) && !some(want.pods) && !some(want.services))) return true
  }
  if (some(want.pods) && rec.workload !== undefined && want.pods.includes(rec.workload)) return true
  if (some(want.ips)) {
    const wanted = new Set(want.ips.map((ip) => ipOf(ip)))
    for (const a of rec.addrs) {
      const ip = ipOf(a)
      if (ip !== undefined && wanted.has(ip)) return true
    }
  }
  return some(want.services) && rec.service !== undefined && want.services.includes(rec.service)
}

/** True when the record's source is A and its destination is B (unset criteria match anything). */
export function matchesPair(record: Record, pair: PairSelector): boolean {
  const shared = pair.srcIdentity !== undefined && pair.dstIdentity !== undefined && principal(pair.srcIdentity) === principal(pair.dstIdentity)
  return sideMatches({identity: record.srcIdentity, addrs: [record.srcAddr], workload: record.srcWorkload},
    {identity: pair.srcIdentity, ips: pair.srcIps, pods: pair.srcPods}, !shared) &&
    sideMatches({identity: record.dstIdentity, addrs: [record.dstAddr, record.dstHboneAddr], workload: record.dstWorkload, service: record.dstService},
      {identity: pair.dstIdentity, ips: pair.dstIps, pods: pair.dstPods, services: pair.dstServices}, !shared)
}

const HBONE = 15008

/** The application port a record names (HBONE inner address, upstream host, service VIP), if any. */
export function appPortOf(record: Record): number | undefined {
  const p = portOf(record.dstHboneAddr) ?? portOf(record.dstAddr)
  return p === HBONE ? undefined : p
}

/** A record on one of `ports`; records naming no application port (policy decisions) pass. */
export function onPorts(record: Record, ports: number[] | undefined): boolean {
  if (!ports || ports.length === 0) return true
  const p = appPortOf(record)
  return p === undefined || ports.includes(p)
}

/**
 * The connection a record belongs to, so that the client's outbound line, the server's
 * inbound line and the policy decision for one connection count once: the client's address
 * and port (ztunnel logs the same `src.addr` on both nodes; the decision's `peer=` is that
 * address). Undefined when the record has no client port (it cannot be matched to another).
 */
export function connectionKey(record: Record & {requestId?: string}): string | undefined {
  if (record.source === 'waypoint') return record.requestId ? `waypoint|${record.requestId}` : undefined
  if (!record.srcAddr || portOf(record.srcAddr) === undefined) return undefined
  return `${record.source}|${record.srcAddr}`
}
