// Waypoint (Envoy) access-log parser for Istio's default text format (EnvoyTextLogFormat)
// and JSON format (EnvoyJSONLogFormatIstio), detected per line. An RBAC deny is a 403 with
// response_code_details `rbac_access_denied_matched_policy[none]` (no ALLOW rule matched) or
// `rbac_access_denied_matched_policy[ns[<ns>]-policy[<name>]-rule[<i>]]` (a DENY rule matched).
import type {MeshAccessRecord} from '../../../core/evidence.js'
import {toLineBatches, type LineSource} from '../../../core/io/lines.js'

export interface WaypointRecord extends MeshAccessRecord {
  source: 'waypoint'
  responseFlags?: string
  responseCodeDetails?: string
  /** Index of the matched rule when a DENY rule matched. */
  rule?: number
  authority?: string
  requestId?: string
  userAgent?: string
  upstreamHost?: string
  upstreamCluster?: string
  downstreamLocalAddr?: string
  durationMs?: number
}

export type MatchedPolicy = 'none' | {namespace: string; name: string; rule?: number}

const LINE_KEEP = 400
const RBAC_PREFIX = 'rbac_access_denied_matched_policy['

/** Parses `rbac_access_denied_matched_policy[...]`; undefined when the details are not an RBAC deny. */
export function parseMatchedPolicy(details: string | undefined): MatchedPolicy | undefined {
  if (!details?.startsWith(RBAC_PREFIX) || !details.endsWith(']')) return undefined
  const inner = details.slice(RBAC_PREFIX.length, -1)
  if (inner === 'none') return 'none'
  const ns = bracketAfter(inner, 'ns[')
  const name = bracketAfter(inner, ']-policy[')
  if (ns === undefined || name === undefined) return undefined
  const rule = bracketAfter(inner, ']-rule[')
  const out: MatchedPolicy = {namespace: ns, name}
  if (rule !== undefined && /^\d+$/.test(rule)) out.rule = Number(rule)
  return out
}

function bracketAfter(s: string, marker: string): string | undefined {
  const at = s.indexOf(marker)
  if (at < 0) return undefined
  const start = at + marker.length
  const end = s.indexOf(']', start)
  return end < 0 ? undefined : s.slice(start, end)
}

/** Parses one waypoint access-log line (text or JSON); undefined for anything else. */
export function parseWaypointLine(line: string): WaypointRecord | undefined {
  if (line.length === 0) return undefined
  if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1)
  const c = line.charCodeAt(0)
  if (c === 123 /* { */) return parseJson(line)
  if (c === 91 /* [ */) return parseText(line)
  return undefined
}

export async function* parseWaypointLog(input: LineSource): AsyncGenerator<WaypointRecord> {
  for await (const batch of toLineBatches(input)) {
    for (const line of batch) {
      const rec = parseWaypointLine(line)
      if (rec) yield rec
    }
  }
}

interface RawAccess {
  time?: string
  method?: string
  path?: string
  code?: number
  flags?: string
  details?: string
  termination?: string
  transportFailure?: string
  duration?: number
  userAgent?: string
  requestId?: string
  authority?: string
  upstreamHost?: string
  upstreamCluster?: string
  downstreamLocal?: string
  downstreamRemote?: string
}

// ---- text: [%START_TIME%] "%METHOD% %PATH% %PROTOCOL%" %CODE% %FLAGS% %DETAILS% %TERM% "%UTFR%"
// %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %UPSTREAM_SERVICE_TIME% "%XFF%" "%UA%" "%REQ_ID%"
// "%AUTHORITY%" "%UPSTREAM_HOST%" %CLUSTER% %UPSTREAM_LOCAL% %DOWNSTREAM_LOCAL% %DOWNSTREAM_REMOTE% %SNI% %ROUTE%

function parseText(line: string): WaypointRecord | undefined {
  const t = tokenize(line)
  if (t.length < 3) return undefined
  const request = t[1]
  const sp1 = request.indexOf(' ')
  const sp2 = sp1 < 0 ? -1 : request.lastIndexOf(' ')
  const code = Number(t[2])
  if (!Number.isInteger(code)) return undefined
  const raw: RawAccess = {
    time: t[0],
    method: sp1 < 0 ? request : request.slice(0, sp1),
    path: sp1 < 0 ? undefined : request.slice(sp1 + 1, sp2 > sp1 ? sp2 : undefined),
    code,
    flags: t[3],
    details: t[4],
    termination: t[5],
    transportFailure: t[6],
    duration: t[9] === undefined ? undefined : Number(t[9]),
    userAgent: t[12],
    requestId: t[13],
    authority: t[14],
    upstreamHost: t[15],
    upstreamCluster: t[16],
    downstreamLocal: t[18],
    downstreamRemote: t[19],
  }
  return record(raw, line)
}

/** Splits on spaces; `[...]` and `"..."` are single tokens (a quote closes before a space or the end). */
function tokenize(line: string): string[] {
  const out: string[] = []
  const n = line.length
  let i = 0
  while (i < n) {
    const c = line.charCodeAt(i)
    if (c === 32) {
      i++
      continue
    }
    let end: number
    if (c === 91 /* [ */ && out.length === 0) {
      end = line.indexOf(']', i + 1)
      if (end < 0) return out // truncated inside the timestamp
      out.push(line.slice(i + 1, end))
      i = end + 1
      continue
    }
    if (c === 34 /* " */) {
      let q = line.indexOf('"', i + 1)
      while (q >= 0 && q + 1 < n && line.charCodeAt(q + 1) !== 32) q = line.indexOf('"', q + 1)
      if (q < 0) return out // truncated inside a quoted field: drop it
      out.push(line.slice(i + 1, q))
      i = q + 1
      continue
    }
    end = line.indexOf(' ', i)
    if (end < 0) end = n
    out.push(line.slice(i, end))
    i = end
  }
  return out
}

// ---- JSON (keys of EnvoyJSONLogFormatIstio; empty values are null)

function parseJson(line: string): WaypointRecord | undefined {
  if (!line.includes('"response_code"')) return undefined
  let o: Record<string, unknown>
  try {
    o = JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (o === null || typeof o !== 'object') return undefined
  const code = typeof o.response_code === 'number' ? o.response_code : Number(o.response_code)
  if (!Number.isInteger(code)) return undefined
  return record({
    time: s(o.start_time),
    method: s(o.method),
    path: s(o.path),
    code,
    flags: s(o.response_flags),
    details: s(o.response_code_details),
    termination: s(o.connection_termination_details),
    transportFailure: s(o.upstream_transport_failure_reason),
    duration: typeof o.duration === 'number' ? o.duration : undefined,
    userAgent: s(o.user_agent),
    requestId: s(o.request_id),
    authority: s(o.authority),
    upstreamHost: s(o.upstream_host),
    upstreamCluster: s(o.upstream_cluster),
    downstreamLocal: s(o.downstream_local_address),
    downstreamRemote: s(o.downstream_remote_address),
  }, line)
}

function s(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined
}

// ---- shared

/** Envoy prints "-" for an empty value in the text format. */
function present(v: string | undefined): string | undefined {
  return v === undefined || v === '-' || v === '' ? undefined : v
}

function record(raw: RawAccess, line: string): WaypointRecord {
  const details = present(raw.details)
  const flags = present(raw.flags)
  const termination = present(raw.termination)
  const code = raw.code ?? 0
  const rbac = parseMatchedPolicy(details) ?? parseMatchedPolicy(termination)
  const denied = rbac !== undefined || details?.startsWith('ext_authz_denied') === true
  const failed = !denied && (code >= 500 || code === 0 || flags !== undefined)
  const rec: WaypointRecord = {
    time: raw.time ?? '',
    source: 'waypoint',
    outcome: denied ? 'denied' : failed ? 'error' : 'allowed',
    direction: 'inbound',
  }
  if (code > 0) rec.responseCode = code
  setIf(rec, 'method', present(raw.method))
  setIf(rec, 'path', present(raw.path))
  setIf(rec, 'responseFlags', flags)
  setIf(rec, 'responseCodeDetails', details)
  if (rbac === 'none') rec.policy = 'none'
  else if (rbac) {
    rec.policy = `${rbac.namespace}/${rbac.name}`
    if (rbac.rule !== undefined) rec.rule = rbac.rule
  }
  if (denied || failed) {
    const why = [details ?? termination, flags && `(${flags})`, present(raw.transportFailure)].filter(Boolean).join(' ')
    rec.error = why || `response code ${code}`
  }
  rec.message = details ?? termination ?? String(code)
  const upstreamHost = present(raw.upstreamHost)
  const cluster = present(raw.upstreamCluster)
  const downstreamLocal = present(raw.downstreamLocal)
  setIf(rec, 'srcAddr', present(raw.downstreamRemote))
  // The pod behind the waypoint when it was reached, else the service VIP the caller used.
  setIf(rec, 'dstAddr', upstreamAddress(upstreamHost) ?? downstreamLocal)
  setIf(rec, 'upstreamHost', upstreamHost)
  setIf(rec, 'upstreamCluster', cluster)
  setIf(rec, 'downstreamLocalAddr', downstreamLocal)
  const service = serviceOfCluster(cluster)
  if (service) {
    rec.dstService = service
    const dot = service.indexOf('.')
    if (dot > 0) {
      const nsEnd = service.indexOf('.', dot + 1)
      rec.dstNamespace = service.slice(dot + 1, nsEnd < 0 ? undefined : nsEnd)
    }
  }
  setIf(rec, 'authority', present(raw.authority))
  setIf(rec, 'requestId', present(raw.requestId))
  setIf(rec, 'userAgent', present(raw.userAgent))
  if (raw.duration !== undefined && Number.isFinite(raw.duration)) rec.durationMs = raw.duration
  rec.line = line.length > LINE_KEEP ? line.slice(0, LINE_KEEP) : line
  return rec
}

/** `envoy://connect_originate/10.244.1.63:8000` → `10.244.1.63:8000`. */
function upstreamAddress(host: string | undefined): string | undefined {
  if (!host) return undefined
  if (!host.startsWith('envoy://')) return host
  const slash = host.lastIndexOf('/')
  const addr = host.slice(slash + 1)
  return addr.length > 0 ? addr : undefined
}

/** `inbound-vip|8000|http|orders.shop.svc.cluster.local` → `orders.shop.svc.cluster.local`. */
function serviceOfCluster(cluster: string | undefined): string | undefined {
  if (!cluster) return undefined
  const parts = cluster.split('|')
  return parts.length >= 4 && parts[3] ? parts[3] : undefined
}

function setIf<K extends keyof WaypointRecord>(rec: WaypointRecord, key: K, value: WaypointRecord[K] | undefined): void {
  if (value !== undefined) rec[key] = value
}
