// Durations as users write them for kubectl (`30s`, `15m`, `1h30m`, or plain seconds).
import {InputError} from '../core/errors.js'

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}

export function parseDurationMs(text: string, flag: string): number {
  const t = text.trim()
  if (/^\d+$/.test(t)) return Number(t) * 1000
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy
  let total = 0
  let consumed = 0
  for (const m of t.matchAll(re)) {
    total += Number(m[1]) * UNIT_MS[m[2]]
    consumed += m[0].length
  }
  if (t === '' || consumed !== t.length || total <= 0) throw new InputError(`${flag} '${text}': expected a duration such as 30s, 15m or 1h30m`)
  return total
}

/**
 * `--request-timeout` as kubectl reads it: a duration or plain seconds, and `0` for no
 * timeout (returned as ~7 days: callers keep one code path, and three times it still fits a timer).
 */
export const NO_TIMEOUT_MS = 600_000_000

export function parseRequestTimeoutMs(text: string, flag = '--request-timeout'): number {
  if (/^\s*0+(?:\.0+)?(?:ms|s|m|h)?\s*$/.test(text)) return NO_TIMEOUT_MS
  return parseDurationMs(text, flag)
}
