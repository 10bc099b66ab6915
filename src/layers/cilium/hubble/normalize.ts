// One normalizer for Hubble flows from both sources:
// - `hubble observe -o jsonpb` lines: protojson with proto field names (drop_reason_desc),
//   timestamps as RFC 3339 strings, BoolValue as a bare boolean, zero values omitted;
// - gRPC messages from @grpc/proto-loader (keepCase: false, defaults: true, oneofs: true):
//   camelCase names (dropReasonDesc), Timestamp {seconds, nanos}, BoolValue {value},
//   zero values present ('' / 0 / null).
// Each read tries the proto name, then the camelCase name, and treats zero values as absent.
import type {FlowEndpoint, FlowRecord, PolicyRef} from '../../../core/evidence.js'
import {timestampToRfc3339, type ProtoTimestamp} from '../../../core/io/timestamp.js'

/** Hubble reported that events were lost (ring buffer overrun, slow reader...). */
export interface LostEventsRecord {
  kind: 'lost-events'
  time: string
  node?: string
  /** LostEventSource name, e.g. HUBBLE_RING_BUFFER. */
  lostSource: string
  numEventsLost: number
  cpu?: number
}

export type HubbleRecord = FlowRecord | LostEventsRecord

export function isLostEvents(r: HubbleRecord): r is LostEventsRecord {
  return (r as LostEventsRecord).kind === 'lost-events'
}

type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Value under the proto name or its camelCase form. */
function field(o: Obj, protoName: string, camelName?: string): unknown {
  const v = o[protoName]
  return v === undefined && camelName !== undefined ? o[camelName] : v
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined
}

function count(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.length > 0 ? Number(v) : NaN
  return Number.isFinite(n) && n !== 0 ? n : undefined
}

/** Enum by name; proto-loader yields unknown values as numbers, the zero value means unset. */
function enumName(v: unknown, zeroName: string): string | undefined {
  if (typeof v === 'number') return v === 0 ? undefined : String(v)
  return typeof v === 'string' && v.length > 0 && v !== zeroName ? v : undefined
}

function boolValue(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (isObj(v) && typeof v.value === 'boolean') return v.value
  return undefined
}

function time(v: unknown): string | undefined {
  return typeof v === 'string' ? text(v) : isObj(v) ? timestampToRfc3339(v as ProtoTimestamp) : undefined
}

function strings(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined
  return v.filter((s): s is string => typeof s === 'string')
}

function endpoint(v: unknown, ip: string | undefined): FlowEndpoint {
  const ep: FlowEndpoint = {}
  if (isObj(v)) {
    const ns = text(v.namespace)
    if (ns) ep.namespace = ns
    const pod = text(field(v, 'pod_name', 'podName'))
    if (pod) ep.pod = pod
    const labels = strings(v.labels)
    if (labels) ep.labels = labels
    const identity = count(v.identity)
    if (identity !== undefined) ep.identity = identity
    const workloads = Array.isArray(v.workloads)
      ? v.workloads.map((w) => (isObj(w) ? text(w.name) : undefined)).filter((w): w is string => w !== undefined)
      : []
    if (workloads.length > 0) ep.workloads = workloads
  }
  if (ip) ep.ip = ip
  return ep
}

function policies(v: unknown): PolicyRef[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined
  const out: PolicyRef[] = []
  for (const p of v) {
    if (!isObj(p)) continue
    const name = text(p.name)
    if (!name) continue
    const ref: PolicyRef = {name}
    const kind = text(p.kind)
    if (kind) ref.kind = kind
    const ns = text(p.namespace)
    if (ns) ref.namespace = ns
    const revision = p.revision
    if ((typeof revision === 'string' && revision !== '' && revision !== '0') || (typeof revision === 'number' && revision !== 0)) {
      ref.revision = String(revision)
    }
    out.push(ref)
  }
  return out.length > 0 ? out : undefined
}

const L4_PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'ICMPv4', 'ICMPv6'] as const

/** Converts a Flow message (or a GetFlowsResponse carrying one) into a FlowRecord. */
export function flowFromJson(obj: unknown): FlowRecord | undefined {
  if (!isObj(obj)) return undefined
  const flow = obj.flow
  if (isObj(flow)) return normalizeFlow(flow, obj)
  // A bare Flow (e.g. `hubble observe -o json` of older releases, or a test fixture).
  if ('verdict' in obj && ('source' in obj || 'IP' in obj)) return normalizeFlow(obj, undefined)
  return undefined
}

/** Converts any GetFlowsResponse (flow or lost_events); undefined for node status and others. */
export function responseFromJson(obj: unknown): HubbleRecord | undefined {
  if (!isObj(obj)) return undefined
  const lost = field(obj, 'lost_events', 'lostEvents')
  if (isObj(lost)) return lostEvents(lost, obj)
  return flowFromJson(obj)
}

function normalizeFlow(f: Obj, envelope: Obj | undefined): FlowRecord {
  const ip = isObj(f.IP) ? f.IP : undefined
  const rec: FlowRecord = {
    time: time(f.time) ?? (envelope ? time(envelope.time) : undefined) ?? '',
    verdict: enumName(f.verdict, 'VERDICT_UNKNOWN') ?? 'VERDICT_UNKNOWN',
    source: endpoint(f.source, ip ? text(ip.source) : undefined),
    destination: endpoint(f.destination, ip ? text(ip.destination) : undefined),
  }
  const node = text(field(f, 'node_name', 'nodeName')) ?? (envelope ? text(field(envelope, 'node_name', 'nodeName')) : undefined)
  if (node) rec.node = node
  const dropReason = enumName(field(f, 'drop_reason_desc', 'dropReasonDesc'), 'DROP_REASON_UNKNOWN')
  if (dropReason) rec.dropReason = dropReason
  const eventType = field(f, 'event_type', 'eventType')
  if (isObj(eventType)) {
    const type = count(eventType.type)
    if (type !== undefined) rec.eventType = type
  }
  const direction = enumName(field(f, 'traffic_direction', 'trafficDirection'), 'TRAFFIC_DIRECTION_UNKNOWN')
  if (direction) rec.trafficDirection = direction
  const l4 = f.l4
  if (isObj(l4)) {
    for (const proto of L4_PROTOCOLS) {
      const p = l4[proto]
      if (!isObj(p)) continue
      rec.protocol = proto
      const sport = count(field(p, 'source_port', 'sourcePort'))
      const dport = count(field(p, 'destination_port', 'destinationPort'))
      if (sport !== undefined) rec.sourcePort = sport
      if (dport !== undefined) rec.destinationPort = dport
      break
    }
  }
  const isReply = boolValue(field(f, 'is_reply', 'isReply'))
  if (isReply !== undefined) rec.isReply = isReply
  // Hubble before is_reply (and exports that drop it) has only the deprecated `reply`
  // (flow.proto field 16): true is a reply; false may mean unknown, so it says nothing.
  else if (f.reply === true) rec.isReply = true
  const egressAllowedBy = policies(field(f, 'egress_allowed_by', 'egressAllowedBy'))
  if (egressAllowedBy) rec.egressAllowedBy = egressAllowedBy
  const ingressAllowedBy = policies(field(f, 'ingress_allowed_by', 'ingressAllowedBy'))
  if (ingressAllowedBy) rec.ingressAllowedBy = ingressAllowedBy
  const egressDeniedBy = policies(field(f, 'egress_denied_by', 'egressDeniedBy'))
  if (egressDeniedBy) rec.egressDeniedBy = egressDeniedBy
  const ingressDeniedBy = policies(field(f, 'ingress_denied_by', 'ingressDeniedBy'))
  if (ingressDeniedBy) rec.ingressDeniedBy = ingressDeniedBy
  const summary = text(f.Summary)
  if (summary) rec.summary = summary
  const dns = dnsOf(f.l7)
  if (dns) rec.dns = dns
  return rec
}

/** flow.Layer7 with a DNS record (upstream flow.proto: l7 = 15, Layer7.dns = 100); rcode 0 is NOERROR. */
function dnsOf(l7: unknown): FlowRecord['dns'] {
  if (!isObj(l7) || !isObj(l7.dns)) return undefined
  const query = text(l7.dns.query)
  if (!query) return undefined
  const out: NonNullable<FlowRecord['dns']> = {query}
  const type = enumName(l7.type, 'UNKNOWN_L7_TYPE')
  if (type) out.type = type
  const rcode = l7.dns.rcode
  if (typeof rcode === 'number') out.rcode = rcode
  else if (typeof rcode === 'string' && rcode !== '') out.rcode = Number(rcode)
  const ips = strings(l7.dns.ips)
  if (ips) out.ips = ips
  return out
}

function lostEvents(l: Obj, envelope: Obj): LostEventsRecord {
  const rec: LostEventsRecord = {
    kind: 'lost-events',
    time: time(envelope.time) ?? time(l.last) ?? '',
    lostSource: enumName(l.source, 'UNKNOWN_LOST_EVENT_SOURCE') ?? 'UNKNOWN_LOST_EVENT_SOURCE',
    numEventsLost: count(field(l, 'num_events_lost', 'numEventsLost')) ?? 0,
  }
  const node = text(field(envelope, 'node_name', 'nodeName'))
  if (node) rec.node = node
  const cpu = l.cpu
  if (typeof cpu === 'number') rec.cpu = cpu
  else if (isObj(cpu) && typeof cpu.value === 'number') rec.cpu = cpu.value
  return rec
}
