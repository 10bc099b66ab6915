// Which Hubble flows are evidence for a connection FROM one set of endpoints TO another
// (LATTICE-SPEC §10.14). A flow counts only when its source is on the `from` side, its
// destination on the `to` side, its destination port is the wire port, and it is not a reply.
//
// Hubble's own semantics (cilium/cilium pkg/hubble/parser/threefour/parser.go, api/v1/flow/flow.proto):
// - source/destination are the packet's addresses: a reply of A→B travels B→A, and a
//   connection B initiated to A has B as the source of its first packet;
// - `is_reply` (BoolValue, field 26) is set from conntrack for trace events with a known
//   reason (true for reply packets), false for forwarded policy verdicts (first packet of a
//   connection), and ABSENT for drops (decodeIsReply: "we simply do not know");
// - `traffic_direction` is the direction of the CONNECTION at the observing endpoint
//   (decodeTrafficDirection inverts it for replies): INGRESS at B and EGRESS at A both
//   belong to A→B. It says where the packet was seen, not who opened the connection, so it
//   never decides the direction here; source, destination and is_reply do.
// A forwarded flow whose is_reply is absent (a trace with an unknown conntrack reason) may
// be a reply, so it is not evidence that the datapath forwards A→B. A drop without is_reply
// is taken as a packet of the direction it travels in (what Cilium itself assumes).
import type {FlowEndpoint, FlowRecord} from '../../../core/evidence.js'
import type {FlowFilterMessage} from './filters.js'

/** One side of a hop. Empty: any endpoint. Given fields are alternatives (a pod OR an IP). */
export interface FlowSide {
  /** `namespace/pod-name`, exact. */
  pods?: string[]
  ips?: string[]
  /** Any pod of these namespaces (namespace-wide triage). */
  namespaces?: string[]
}

/** A hop of the path: from → to, on these destination ports (any port when absent). */
export interface FlowHop {
  from: FlowSide
  to: FlowSide
  ports?: number[]
  /** For display: "checkout → payments", "waypoint → payments". */
  name?: string
}

export interface DirectedFlowFilter {
  hops: FlowHop[]
}

const hasAny = (l: string[] | undefined): l is string[] => l !== undefined && l.length > 0

function sideMatches(ep: FlowEndpoint, side: FlowSide): boolean {
  const {pods, ips, namespaces} = side
  if (!hasAny(pods) && !hasAny(ips) && !hasAny(namespaces)) return true
  if (hasAny(pods) && ep.pod !== undefined && ep.namespace !== undefined && pods.includes(`${ep.namespace}/${ep.pod}`)) return true
  if (hasAny(ips) && ep.ip !== undefined && ips.includes(ep.ip)) return true
  return hasAny(namespaces) && ep.namespace !== undefined && namespaces.includes(ep.namespace)
}

/** False for replies, and for forwarded flows that may be replies (is_reply unknown). */
export function isForwardDirection(f: FlowRecord): boolean {
  if (f.isReply === true) return false
  if (f.isReply === undefined && f.verdict !== 'DROPPED') return false
  return true
}

/** Index of the first hop the flow belongs to, or -1. */
export function flowHop(f: FlowRecord, filter: DirectedFlowFilter): number {
  if (!isForwardDirection(f)) return -1
  for (let i = 0; i < filter.hops.length; i++) {
    const hop = filter.hops[i]
    if (hop.ports && hop.ports.length > 0 && (f.destinationPort === undefined || !hop.ports.includes(f.destinationPort))) continue
    if (sideMatches(f.source, hop.from) && sideMatches(f.destination, hop.to)) return i
  }
  return -1
}

function podField(side: FlowSide): string[] | undefined {
  if (hasAny(side.pods)) return side.pods
  if (hasAny(side.namespaces)) return side.namespaces.map((ns) => `${ns}/`)
  return undefined
}

/**
 * Server-side filters narrowing Relay's stream to the hops (one FlowFilter per hop, fields
 * ANDed, filters ORed). A side given only by IPs is filtered by IP. The client still applies
 * flowHop: the server filter has no notion of replies.
 */
export function hopWhitelist(filter: DirectedFlowFilter): FlowFilterMessage[] {
  const out: FlowFilterMessage[] = []
  for (const hop of filter.hops) {
    const f: FlowFilterMessage = {}
    const src = podField(hop.from)
    const dst = podField(hop.to)
    if (src) f.sourcePod = src
    else if (hasAny(hop.from.ips)) f.sourceIp = hop.from.ips
    if (dst) f.destinationPod = dst
    else if (hasAny(hop.to.ips)) f.destinationIp = hop.to.ips
    if (hop.ports && hop.ports.length > 0) f.destinationPort = hop.ports.map(String)
    if (Object.keys(f).length > 0) out.push(f)
  }
  return out
}
