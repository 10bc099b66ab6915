// Which hooks of a TracingPolicy see an exec, and where in them the executed binary is.
//
// Supported: kprobe `security_bprm_check` and LSM hook `bprm_check_security` with argument 0
// typed `linux_binprm` (upstream) or `file` (seed, D10); kprobe `sys_execve` (with or without
// an arch prefix such as `__x64_`) with argument 0 typed `string`/`filename`/`char_buf`, whose
// value is the path as passed by the caller: it equals the binary only when the caller used
// the absolute path, which is what the evaluator assumes.

export interface ExecHook {
  section: 'kprobes' | 'lsmhooks'
  /** Position in its section. */
  index: number
  /** Function/hook name as written. */
  call: string
  args: ArgSpec[]
  /** Spec positions (in `args`) whose value is the executed binary. */
  binaryPositions: number[]
  selectors: Selector[]
}

export interface ArgSpec {
  index?: number
  type?: string
  label?: string
  resolve?: string
}

export interface MatchArg {
  index?: number
  args?: number[]
  operator?: string
  values?: string[]
}

export interface Selector {
  matchArgs?: MatchArg[]
  matchBinaries?: Array<{operator?: string; values?: string[]}>
  matchParentBinaries?: Array<{operator?: string; values?: string[]}>
  matchActions?: Array<{action?: string; argSig?: number; argError?: number}>
  [filter: string]: unknown
}

const BPRM_KPROBE = 'security_bprm_check'
const BPRM_LSM = 'bprm_check_security'
const EXECVE = /^(__(x64|arm64|ia32|x32)_)?(sys_)?execve$/
const BPRM_TYPES = new Set(['linux_binprm', 'file'])
const PATH_STRING_TYPES = new Set(['string', 'filename', 'char_buf'])

export function execHooksOf(spec: {kprobes?: unknown; lsmhooks?: unknown} | undefined): ExecHook[] {
  const out: ExecHook[] = []
  const kprobes = Array.isArray(spec?.kprobes) ? (spec.kprobes as Array<Record<string, unknown>>) : []
  kprobes.forEach((k, index) => {
    const call = String(k?.call ?? '')
    if (call === BPRM_KPROBE) out.push(hook('kprobes', index, call, k, BPRM_TYPES))
    else if (EXECVE.test(call)) out.push(hook('kprobes', index, call, k, PATH_STRING_TYPES))
  })
  const lsm = Array.isArray(spec?.lsmhooks) ? (spec.lsmhooks as Array<Record<string, unknown>>) : []
  lsm.forEach((h, index) => {
    const call = String(h?.hook ?? '')
    if (call === BPRM_LSM) out.push(hook('lsmhooks', index, call, h, BPRM_TYPES))
  })
  return out
}

function hook(section: ExecHook['section'], index: number, call: string, raw: Record<string, unknown>, types: Set<string>): ExecHook {
  const args = Array.isArray(raw.args) ? (raw.args as ArgSpec[]) : []
  const binaryPositions: number[] = []
  // Argument 0 of both functions is the binary; a `resolve`d field of it is something else.
  args.forEach((a, pos) => {
    if ((a.index ?? 0) === 0 && !a.resolve && types.has(String(a.type))) binaryPositions.push(pos)
  })
  const selectors = Array.isArray(raw.selectors) ? (raw.selectors as Selector[]) : []
  return {section, index, call, args, binaryPositions, selectors}
}

/**
 * Spec positions a matchArgs entry filters on: `args` (spec positions) when given, else the
 * first spec argument with that function `index`, as Tetragon resolves it. Empty = the
 * filter names an argument the policy does not read (Tetragon refuses such a policy).
 */
export function filteredPositions(m: MatchArg, args: ArgSpec[]): number[] {
  if (Array.isArray(m.args) && m.args.length > 0) return m.args.filter((p) => p >= 0 && p < args.length)
  const want = m.index ?? 0
  const pos = args.findIndex((a) => (a.index ?? 0) === want)
  return pos >= 0 ? [pos] : []
}
