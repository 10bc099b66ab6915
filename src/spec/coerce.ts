// Total conversions from untyped YAML/JSON values. Normalization uses them so that a
// semantically bad value never throws: what can be kept is kept, the rest is dropped, and
// admission (which reads the raw object) reports the problem.

export type Json = Record<string, unknown>

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function asRecord(v: unknown): Json | undefined {
  return isRecord(v) ? v : undefined
}

/** Scalars become strings (YAML turns `cpu: 1` into a number); anything else is dropped. */
export function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v === 'boolean') return String(v)
  return undefined
}

/** Finite numbers, and strings holding one (`"8080"`). */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return undefined
}

export function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (v === 'true') return true
  if (v === 'false') return false
  return undefined
}

/** A list of scalars as strings; non-lists give undefined, non-scalar items are dropped. */
export function asStringList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined
  const out: string[] = []
  for (const item of v) {
    const s = asString(item)
    if (s !== undefined) out.push(s)
  }
  return out
}

/** A map of scalars as strings; non-maps give `{}`. */
export function asStringMap(v: unknown): Record<string, string> {
  const rec = asRecord(v)
  if (!rec) return {}
  // fromEntries (not assignment) so that any key, even `__proto__`, stays a plain entry.
  return Object.fromEntries(Object.entries(rec).flatMap(([k, val]) => {
    const s = asString(val)
    return s === undefined ? [] : [[k, s]]
  }))
}

/** Entries of a map whose values are maps (others dropped), in written order. */
export function recordEntries(v: unknown): Array<[string, Json]> {
  const rec = asRecord(v)
  if (!rec) return []
  return Object.entries(rec).filter((e): e is [string, Json] => isRecord(e[1]))
}

/** Deep copy of plain YAML/JSON data, so rewrites never touch `.raw`. */
export function cloneJson<T>(v: T): T {
  try {
    return structuredClone(v)
  } catch {
    // Not plain data (a caller passed functions or class instances): share it rather than throw.
    return v
  }
}
