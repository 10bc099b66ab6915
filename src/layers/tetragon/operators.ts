// String operators of Tetragon matchArgs / matchBinaries applied to a path.
// `values` is a list: positive operators match when ANY value matches, negated ones when
// NONE does (Tetragon's NotEqual [a, b] means "neither a nor b").

export type Tri = true | false | 'unknown'

const POSITIVE: Record<string, (v: string, x: string) => boolean> = {
  Equal: (v, x) => v === x,
  In: (v, x) => v === x,
  Prefix: (v, x) => v.startsWith(x),
  Postfix: (v, x) => v.endsWith(x),
}

const NEGATED: Record<string, string> = {NotEqual: 'Equal', NotIn: 'In', NotPrefix: 'Prefix', NotPostfix: 'Postfix'}

export const PATH_OPERATORS = [...Object.keys(POSITIVE), ...Object.keys(NEGATED)]

/** `unknown` for operators that do not apply to a path (numeric, network, CEL, ...). */
export function matchPath(operator: string, values: string[], value: string): Tri {
  const pos = POSITIVE[operator]
  if (pos) return values.some((x) => pos(value, x))
  const neg = NEGATED[operator]
  if (neg) return !values.some((x) => POSITIVE[neg](value, x))
  return 'unknown'
}
