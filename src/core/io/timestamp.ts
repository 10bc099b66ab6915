// google.protobuf.Timestamp as proto-loader yields it ({seconds, nanos}) → the RFC 3339 text
// protojson prints, so gRPC records and JSON-export records carry identical times.

export interface ProtoTimestamp {
  seconds?: string | number | null
  nanos?: number | null
}

export function timestampToRfc3339(ts: ProtoTimestamp | string | null | undefined): string | undefined {
  if (ts === null || ts === undefined) return undefined
  if (typeof ts === 'string') return ts.length > 0 ? ts : undefined
  const seconds = Number(ts.seconds ?? 0)
  const nanos = ts.nanos ?? 0
  if (!Number.isFinite(seconds) || (seconds === 0 && nanos === 0)) return undefined
  const base = new Date(seconds * 1000).toISOString().slice(0, 19)
  // protojson uses 0, 3, 6 or 9 fractional digits, the fewest that are exact.
  let frac = ''
  if (nanos !== 0) {
    const digits = String(nanos).padStart(9, '0')
    frac = '.' + (nanos % 1_000_000 === 0 ? digits.slice(0, 3) : nanos % 1000 === 0 ? digits.slice(0, 6) : digits)
  }
  return `${base}${frac}Z`
}

export function dateToTimestamp(d: Date): {seconds: string; nanos: number} {
  const ms = d.getTime()
  const seconds = Math.floor(ms / 1000)
  return {seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000}
}
