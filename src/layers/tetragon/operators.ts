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

/**
 * The spellings Tetragon's parser accepts, mapped to one canonical name (upstream
 * pkg/selectors/kernel.go SelectorOp: `eq`, `prefix`, `Saddr`, `GT` ... are aliases).
 * Undefined = Tetragon rejects the operator, so it refuses the whole policy.
 */
const ALIASES: Record<string, string[]> = {
  GT: ['gt', 'GT', 'GreaterThan'],
  LT: ['lt', 'LT', 'LessThan'],
  Equal: ['eq', 'Equal'],
  NotEqual: ['neq', 'NotEqual'],
  In: ['In'],
  NotIn: ['NotIn'],
  Prefix: ['prefix', 'Prefix'],
  NotPrefix: ['notprefix', 'NotPrefix'],
  Postfix: ['postfix', 'Postfix'],
  NotPostfix: ['notpostfix', 'NotPostfix'],
  InMap: ['InMap'],
  NotInMap: ['NotInMap'],
  Mask: ['mask', 'Mask'],
  SAddr: ['saddr', 'Saddr', 'SAddr'],
  DAddr: ['daddr', 'Daddr', 'DAddr'],
  NotSAddr: ['notsaddr', 'NotSaddr', 'NotSAddr'],
  NotDAddr: ['notdaddr', 'NotDaddr', 'NotDAddr'],
  SPort: ['sport', 'Sport', 'SPort'],
  DPort: ['dport', 'Dport', 'DPort'],
  Protocol: ['protocol', 'Protocol'],
  NotSPort: ['notsport', 'NotSport', 'NotSPort'],
  NotDPort: ['notdport', 'NotDport', 'NotDPort'],
  SPortPriv: ['sportpriv', 'SportPriv', 'SPortPriv'],
  DPortPriv: ['dportpriv', 'DportPriv', 'DPortPriv'],
  NotSPortPriv: ['notsportpriv', 'NotSportPriv', 'NotSPortPriv'],
  NotDPortPriv: ['notdportpriv', 'NotDportPriv', 'NotDPortPriv'],
  Family: ['family', 'Family'],
  State: ['state', 'State'],
  CapabilitiesGained: ['capabilitiesgained', 'CapabilitiesGained'],
  InRange: ['InRange'],
  NotInRange: ['NotInRange'],
  SubString: ['SubString'],
  SubStringIgnCase: ['SubStringIgnCase'],
  CelExpr: ['CelExpr'],
  FileType: ['FileType'],
  NotFileType: ['NotFileType'],
}
const CANONICAL = new Map<string, string>(Object.entries(ALIASES).flatMap(([canon, spellings]) => spellings.map((s) => [s, canon] as [string, string])))

/** Canonical operator name, or undefined when Tetragon does not know the spelling. */
export function canonicalOperator(op: unknown): string | undefined {
  return typeof op === 'string' ? CANONICAL.get(op) : undefined
}

/** `unknown` for operators that do not apply to a path (numeric, network, CEL, ...). */
export function matchPath(operator: string, values: string[], value: string): Tri {
  const op = canonicalOperator(operator) ?? operator
  const pos = POSITIVE[op]
  if (pos) return values.some((x) => pos(value, x))
  const neg = NEGATED[op]
  if (neg) return !values.some((x) => POSITIVE[neg](value, x))
  if (op === 'SubString') return values.some((x) => value.includes(x))
  if (op === 'SubStringIgnCase') return values.some((x) => value.toLowerCase().includes(x.toLowerCase()))
  return 'unknown'
}

/** Three-valued AND: false wins, then unknown. */
export function and(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false
  if (a === 'unknown' || b === 'unknown') return 'unknown'
  return true
}
