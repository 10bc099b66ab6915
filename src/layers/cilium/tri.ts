// Three-valued match results: a rule matches a flow, does not, or cannot be decided
// offline (an unresolved named port, a peer field the CLI cannot evaluate). Undecided
// matches turn a verdict UNKNOWN only when they could change it (never PASS on a guess).

export type Tri = 'yes' | 'no' | 'unknown'

/** Both must hold. */
export function both(a: Tri, b: Tri): Tri {
  if (a === 'no' || b === 'no') return 'no'
  return a === 'yes' && b === 'yes' ? 'yes' : 'unknown'
}
