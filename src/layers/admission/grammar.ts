// Value grammars used by the admission rules (LATTICE-SPEC §1.4, §1.7).

/** RFC 1035 label as §1.4 defines it: lowercase alphanumerics and '-', starts with a letter, ≤ 63. */
export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(s)
}

export const DNS_LABEL_HINT = 'must be lowercase alphanumeric with hyphens, max 63 chars'

/**
 * Kubernetes resource quantity (non-negative): a decimal number with an optional binary-SI
 * (Ki..Ei), decimal-SI (n, u, m, k, M..E) or exponent (e3) suffix: `100m`, `0.5`, `128Mi`, `1e3`.
 */
export function isQuantity(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0
  if (typeof v !== 'string') return false
  return /^\+?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.test(v)
}

const DURATION_EXAMPLES = "e.g., '1h', '30m', '1h30m', '45s'"
const DURATION_UNITS = ['h', 'm', 's']

/** Why a refresh interval does not parse (number+unit pairs, units h/m/s), or undefined when it does. */
export function durationProblem(text: string): string | undefined {
  if (text.trim() === '') return `empty duration (${DURATION_EXAMPLES})`
  const tokens = text.match(/\d+|[A-Za-z]+|[^\dA-Za-z]+/g) ?? []
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]
    if (/^\d+$/.test(tok)) {
      const unit = tokens[i + 1]
      if (unit === undefined) return `missing unit after '${tok}' (expected h, m or s; ${DURATION_EXAMPLES})`
      if (!/^[A-Za-z]+$/.test(unit)) return `unexpected '${unit}' after '${tok}' (${DURATION_EXAMPLES})`
      if (!DURATION_UNITS.includes(unit)) return `unknown unit '${unit}' (expected h, m or s; ${DURATION_EXAMPLES})`
      i++
    } else if (/^[A-Za-z]+$/.test(tok)) {
      return `missing number before '${tok}' (${DURATION_EXAMPLES})`
    } else {
      return `unexpected '${tok}' (${DURATION_EXAMPLES})`
    }
  }
  return undefined
}

/** Kubernetes Secret types accepted in `params.secretType` (A8). */
export const SECRET_TYPES = [
  'Opaque',
  'kubernetes.io/service-account-token',
  'kubernetes.io/dockercfg',
  'kubernetes.io/dockerconfigjson',
  'kubernetes.io/basic-auth',
  'kubernetes.io/ssh-auth',
  'kubernetes.io/tls',
  'bootstrap.kubernetes.io/token',
] as const

/** What is wrong with a file mode (A22), or undefined when it is acceptable. */
export function fileModeProblem(mode: string): string | undefined {
  if (!/^.{3,4}$/u.test(mode)) return `mode '${mode}' must be 3-4 octal digits (e.g., '0644')`
  if (!/^[0-7]+$/.test(mode)) return `mode '${mode}' contains non-octal digits`
  const bits = parseInt(mode, 8)
  if (bits & 0o7000) return `mode '${mode}' sets special bits (setuid/setgid/sticky) which are not allowed`
  if (bits & 0o002) return `mode '${mode}' is world-writable which is not allowed`
  return undefined
}
