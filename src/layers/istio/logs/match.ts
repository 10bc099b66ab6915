// Does a mesh record concern the pair A → B? Each side matches on any criterion given:
// identity (mTLS/HBONE records), address (early failures, waypoint records) or pod name
// (policy decision lines name B only by pod). Unset sides match anything.
import type {MeshAccessRecord} from '../../../core/evidence.js'
import {ipOf} from './address.js'

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
}

function principal(id: string): string {
  return id.startsWith('spiffe://') ? id.slice('spiffe://'.length) : id
}

function sideMatches(identity: string | undefined, addrs: Array<string | undefined>, workload: string | undefined,
  wantIdentity: string | undefined, wantIps: string[] | undefined, wantPods: string[] | undefined): boolean {
  const hasIdentity = wantIdentity !== undefined && wantIdentity.length > 0
  const hasIps = wantIps !== undefined && wantIps.length > 0
  const hasPods = wantPods !== undefined && wantPods.length > 0
  if (!hasIdentity && !hasIps && !hasPods) return true
  if (hasIdentity && identity !== undefined && principal(identity) === principal(wantIdentity)) return true
  if (hasPods && workload !== undefined && wantPods.includes(workload)) return true
  if (hasIps) {
    const wanted = new Set(wantIps.map((ip) => ipOf(ip)))
    for (const a of addrs) {
      const ip = ipOf(a)
      if (ip !== undefined && wanted.has(ip)) return true
    }
  }
  return false
}

/** True when the record's source matches A and its destination matches B (unset criteria match anything). */
export function matchesPair(record: MeshAccessRecord & {dstHboneAddr?: string}, pair: PairSelector): boolean {
  return sideMatches(record.srcIdentity, [record.srcAddr], record.srcWorkload, pair.srcIdentity, pair.srcIps, pair.srcPods) &&
    sideMatches(record.dstIdentity, [record.dstAddr, record.dstHboneAddr], record.dstWorkload, pair.dstIdentity, pair.dstIps, pair.dstPods)
}
