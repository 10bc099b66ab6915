// ztunnel log parser (istio/ztunnel 1.30: src/telemetry.rs formats, src/proxy/metrics.rs
// access fields, src/state.rs RBAC decisions). Each line is detected on its own as the plain
// tracing format or JSON (LOG_FORMAT=json), because a log stream can switch format on
// restart. Only access records and policy decisions become records; everything else is
// rejected after a few indexOf calls, which is what makes the parser fast on real logs.
import type {MeshAccessRecord} from '../../../core/evidence.js'
import {matchingLineBatches, toLineBatches, type LineSource} from '../../../core/io/lines.js'

/** A ztunnel record: the shared MeshAccessRecord plus the HBONE target and byte counts. */
export interface ZtunnelRecord extends MeshAccessRecord {
  source: 'ztunnel'
  /** dst.hbone_addr: the workload address and app port inside the HBONE tunnel. */
  dstHboneAddr?: string
  bytesSent?: number
  bytesRecv?: number
  duration?: string
}

export interface ZtunnelParseOptions {
  /** Fast pre-filter: skip lines containing none of these strings (e.g. the pair's IPs and identities). */
  mustContain?: string[]
}

const LINE_KEEP = 400

/** Parses one ztunnel log line (plain or JSON); undefined for noise, truncated or foreign lines. */
export function parseZtunnelLine(line: string): ZtunnelRecord | undefined {
  if (line.length === 0) return undefined
  if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1)
  return line.charCodeAt(0) === 123 /* { */ ? parseJsonLine(line) : parsePlainLine(line)
}

/** Streams records out of a log (Readable or lines); never throws on malformed lines. */
export async function* parseZtunnelLog(input: LineSource, opts: ZtunnelParseOptions = {}): AsyncGenerator<ZtunnelRecord> {
  const needles = opts.mustContain?.filter((n) => n.length > 0) ?? []
  const batches = needles.length > 0 ? matchingLineBatches(input, needles) : toLineBatches(input)
  for await (const batch of batches) {
    for (const line of batch) {
      const rec = parseZtunnelLine(line)
      if (rec) yield rec
    }
  }
}

// ---- plain format: <time>\t<level>\t<target[:span{..}]...>\t<message>\t<k=v ...>

function parsePlainLine(s: string): ZtunnelRecord | undefined {
  const t1 = s.indexOf('\t')
  if (t1 < 0) return undefined
  const t2 = s.indexOf('\t', t1 + 1)
  if (t2 < 0) return undefined
  const access = s.startsWith('access\t', t2 + 1)
  if (!access && !(s.startsWith('state:', t2 + 1) || s.startsWith('state\t', t2 + 1))) return undefined
  const t3 = s.indexOf('\t', t2 + 1)
  if (t3 < 0) return undefined
  const t4 = s.indexOf('\t', t3 + 1)
  // A line cut inside the message has no tab after it; its message cannot be trusted.
  if (t4 < 0) return undefined
  const time = s.slice(0, t1)
  const level = s.slice(t1 + 1, t2)
  const message = s.slice(t3 + 1, t4)
  if (access) {
    if (message !== 'connection complete' && message !== 'connection failed') return undefined
    const rec: ZtunnelRecord = {time, source: 'ztunnel', outcome: 'allowed', level, message}
    scanFields(s, t4 + 1, rec)
    return finishAccess(rec, s)
  }
  if (policyOutcome(message) === undefined) return undefined // other ztunnel::state chatter
  const target = s.slice(t2 + 1, t3)
  const holder: ZtunnelRecord = {time, source: 'ztunnel', outcome: 'allowed'}
  scanFields(s, t4 + 1, holder)
  return policyRecord(time, level, message, spanValue(target, 'wl='), spanValue(target, 'peer='), holder.policy, s)
}

/** Value of `key` inside the span part of a target, e.g. `wl=` in `state:proxy{wl=ns/pod}:...`. */
function spanValue(target: string, key: string): string | undefined {
  const at = target.indexOf(key)
  if (at < 0) return undefined
  const start = at + key.length
  let end = start
  while (end < target.length) {
    const c = target.charCodeAt(end)
    if (c === 32 || c === 125 /* } */) break
    end++
  }
  const v = target.slice(start, end)
  return v.charCodeAt(0) === 34 ? v.slice(1, v.charCodeAt(v.length - 1) === 34 ? -1 : undefined) : v
}

/**
 * `k=v k="quoted" ...` (tracing fields; strings are Rust-Debug quoted, numbers and `%`
 * addresses are bare). Linear: every step jumps with indexOf. A value cut off by truncation
 * (unterminated quote) is dropped rather than trusted.
 */
function scanFields(s: string, from: number, rec: ZtunnelRecord): void {
  const n = s.length
  let i = from
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 32) i++
    const eq = s.indexOf('=', i)
    if (eq < 0) break
    const key = s.slice(i, eq)
    const j = eq + 1
    if (s.charCodeAt(j) === 34 /* " */) {
      let k = j + 1
      let escaped = false
      let q = -1
      for (;;) {
        q = s.indexOf('"', k)
        if (q < 0) break
        let b = q - 1
        let slashes = 0
        while (s.charCodeAt(b) === 92 /* \ */) {
          slashes++
          b--
        }
        if ((slashes & 1) === 0) break
        escaped = true
        k = q + 1
      }
      if (q < 0) break
      const raw = s.slice(j + 1, q)
      assignField(rec, key, escaped || raw.indexOf('\\') >= 0 ? unescapeRustDebug(raw) : raw)
      i = q + 1
    } else {
      const sp = s.indexOf(' ', j)
      const end = sp < 0 ? n : sp
      assignField(rec, key, s.slice(j, end))
      i = end
    }
  }
}

/** Field name → record property; a switch keeps the hot path free of per-line objects. */
function assignField(rec: ZtunnelRecord, key: string, v: unknown): void {
  if (v === undefined || v === null || v === '') return
  switch (key) {
    case 'src.addr': rec.srcAddr = String(v); break
    case 'src.workload': rec.srcWorkload = String(v); break
    case 'src.namespace': rec.srcNamespace = String(v); break
    case 'src.identity': rec.srcIdentity = String(v); break
    case 'dst.addr': rec.dstAddr = String(v); break
    case 'dst.hbone_addr': rec.dstHboneAddr = String(v); break
    case 'dst.service': rec.dstService = String(v); break
    case 'dst.workload': rec.dstWorkload = String(v); break
    case 'dst.namespace': rec.dstNamespace = String(v); break
    case 'dst.identity': rec.dstIdentity = String(v); break
    case 'direction': rec.direction = String(v); break
    case 'bytes_sent': { const n = num(v); if (n !== undefined) rec.bytesSent = n; break }
    case 'bytes_recv': { const n = num(v); if (n !== undefined) rec.bytesRecv = n; break }
    case 'duration': rec.duration = String(v); break
    case 'error': rec.error = String(v); break
    case 'policy': rec.policy = String(v); break
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {n: '\n', r: '\r', t: '\t', '0': '\0', '\\': '\\', '"': '"', "'": "'"}

function unescapeRustDebug(raw: string): string {
  let out = ''
  let i = 0
  while (i < raw.length) {
    const bs = raw.indexOf('\\', i)
    if (bs < 0 || bs === raw.length - 1) {
      out += raw.slice(i)
      break
    }
    out += raw.slice(i, bs)
    const c = raw[bs + 1]
    if (c === 'u' && raw[bs + 2] === '{') {
      const close = raw.indexOf('}', bs + 3)
      const cp = close < 0 ? NaN : Number.parseInt(raw.slice(bs + 3, close), 16)
      if (Number.isFinite(cp) && cp <= 0x10ffff) {
        out += String.fromCodePoint(cp)
        i = close + 1
        continue
      }
    }
    out += SIMPLE_ESCAPES[c] ?? c
    i = bs + 2
  }
  return out
}

// ---- JSON format: {"level","time","scope","message",<fields>,<span>:{...}}

function parseJsonLine(s: string): ZtunnelRecord | undefined {
  // Cheap substring gate before JSON.parse: only access and ztunnel::state lines matter.
  if (!s.includes('"access"') && !s.includes('::state"')) return undefined
  let obj: Record<string, unknown>
  try {
    obj = JSON.parse(s) as Record<string, unknown>
  } catch {
    return undefined // truncated or not JSON after all
  }
  if (obj === null || typeof obj !== 'object') return undefined
  const time = str(obj.time) ?? ''
  const level = str(obj.level) ?? ''
  const message = str(obj.message) ?? ''
  const scope = str(obj.scope)
  if (scope === 'access') {
    if (message !== 'connection complete' && message !== 'connection failed') return undefined
    const rec: ZtunnelRecord = {time, source: 'ztunnel', outcome: 'allowed', level, message}
    for (const key of Object.keys(obj)) assignField(rec, key, obj[key])
    return finishAccess(rec, s)
  }
  if (scope !== 'ztunnel::state') return undefined
  const proxy = obj.proxy as Record<string, unknown> | undefined
  const inbound = obj.inbound as Record<string, unknown> | undefined
  return policyRecord(time, level, message, str(proxy?.wl), str(inbound?.peer), str(obj.policy), s)
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v !== 'string' || v.length === 0) return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
}

// ---- records

/** Outcome from the error text (fields are already assigned). */
function finishAccess(rec: ZtunnelRecord, line: string): ZtunnelRecord {
  if (rec.error !== undefined) {
    rec.outcome = isAuthorizationRejection(rec.error) ? 'denied' : 'error'
    const policy = deniedByPolicy(rec.error)
    if (policy) rec.policy = policy
  } else if (rec.message === 'connection failed' || rec.level === 'error') {
    rec.outcome = 'error'
  }
  rec.line = line.length > LINE_KEEP ? line.slice(0, LINE_KEEP) : line
  return rec
}

/** RBAC decision lines of ztunnel::state (src/state.rs assert_rbac). */
function policyRecord(time: string, level: string, message: string, wl: string | undefined, peer: string | undefined,
  policy: string | undefined, line: string): ZtunnelRecord | undefined {
  const outcome = policyOutcome(message)
  if (!outcome) return undefined
  const rec: ZtunnelRecord = {time, source: 'ztunnel', outcome, level, message, direction: 'inbound'}
  if (wl) {
    const slash = wl.indexOf('/')
    if (slash > 0) {
      rec.dstNamespace = wl.slice(0, slash)
      rec.dstWorkload = wl.slice(slash + 1)
    } else rec.dstWorkload = wl
  }
  set(rec, 'srcAddr', peer)
  set(rec, 'policy', policy)
  if (outcome === 'denied') rec.error = policy ? `${message}: ${policy}` : message
  rec.line = line.length > LINE_KEEP ? line.slice(0, LINE_KEEP) : line
  return rec
}

function policyOutcome(message: string): MeshAccessRecord['outcome'] | undefined {
  // Dry-run decisions (prefix "dry-run:") are not enforced: the traffic went through.
  if (message.startsWith('dry-run:')) return 'allowed'
  switch (message) {
    case 'deny policy match':
    case 'no allow policies matched':
      return 'denied'
    case 'allow policy match':
    case 'no allow policies, allow':
      return 'allowed'
  }
  return isAuthorizationRejection(message) ? 'denied' : undefined
}

/**
 * Errors that mean an authorization policy rejected the connection: the destination's own
 * rejection ("policy rejection", "policy change" re-evaluation) or what the source sees of it
 * (HBONE CONNECT answered 401/403). Everything else (timeouts, refused, no upstream) is an error.
 */
export function isAuthorizationRejection(text: string): boolean {
  return text.includes('policy rejection') || text.includes('due to policy change') ||
    text.includes('401 Unauthorized') || text.includes('403 Forbidden') || text.includes('explicitly denied') ||
    text.includes('but none allowed') || text.includes('RBAC')
}

function deniedByPolicy(error: string): string | undefined {
  const marker = 'explicitly denied by: '
  const at = error.indexOf(marker)
  return at < 0 ? undefined : error.slice(at + marker.length).trim() || undefined
}

function set<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) obj[key] = value
}
