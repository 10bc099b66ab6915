// "Did you mean …?" for command names, flags, service names and field names: the closest
// candidates by edit distance, close enough to be a typo rather than another word.
import {distance} from 'fastest-levenshtein'

/** Candidates within a typo's distance of `input`, closest first (at most `max`). */
export function closest(input: string, candidates: Iterable<string>, max = 1): string[] {
  const limit = Math.max(1, Math.min(3, Math.floor(input.length / 3)))
  const scored: [string, number][] = []
  for (const c of new Set(candidates)) {
    if (c === input) continue
    const d = distance(input.toLowerCase(), c.toLowerCase())
    const prefix = c.startsWith(input) && input.length >= 3
    if (d <= limit || prefix) scored.push([c, prefix ? Math.min(d, limit) : d])
  }
  return scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, max).map(([c]) => c)
}

/** " (did you mean X?)" or "" — to append to an error line. */
export function didYouMean(input: string, candidates: Iterable<string>, format: (s: string) => string = (s) => s): string {
  const best = closest(input, candidates)
  return best.length > 0 ? ` (did you mean ${best.map(format).join(' or ')}?)` : ''
}
