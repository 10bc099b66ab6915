// Every message that leaves src/cluster passes through here: errors from TLS, exec
// credential plugins or YAML parsers can quote tokens, keys or whole kubeconfig lines.

export const REDACTED = '[redacted]'

type Rule = [RegExp, (match: string, ...groups: string[]) => string]

/** Query parameters that carry credentials (`?token=`, `access_token`, `X-Amz-Signature`, …). */
const SECRET_PARAM = /([?&;](?:[^=&\s#]*?(?:token|password|passwd|secret|signature|sig|key|auth|credential|code)[^=&\s#]*)=)(?!\[redacted\])[^&\s#"']+/gi

const RULES: Rule[] = [
  // Userinfo in URLs (`https://user:pass@host`, `https://token@host`): keep scheme and host.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@?#"']+@/gi, (_m, scheme) => `${scheme}${REDACTED}@`],
  [SECRET_PARAM, (_m, name) => `${name}${REDACTED}`],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, () => REDACTED],
  // Header lines: keep the header name so the message still says what went wrong.
  [/\b(authorization|proxy-authorization)(\s*[:=]\s*)("[^"]*"|'[^']*'|(bearer|basic)\s+\S+|[^\s,;]+)/gi,
    (_m, name, sep) => `${name}${sep}${REDACTED}`],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, (_m, scheme) => `${scheme} ${REDACTED}`],
  // JWTs (service-account and OIDC tokens) wherever they appear.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, () => REDACTED],
  // key: value pairs from kubeconfig YAML or exec-plugin JSON.
  [/\b(token|password|client-key-data|client-certificate-data|id-token|refresh-token|access-token|client-secret)\b(["']?\s*[:=]\s*)(?!\[redacted\])("[^"]*"|'[^']*'|[^\s,;}&]+)/gi,
    (_m, name, sep) => `${name}${sep}${REDACTED}`],
]

export class Redactor {
  private readonly literals: string[]

  /** `literals`: credential values known from the kubeconfig (token, password, key data). */
  constructor(literals: Array<string | undefined> = []) {
    this.literals = literals
      .filter((s): s is string => typeof s === 'string' && s.length >= 4)
      .sort((a, b) => b.length - a.length)
  }

  redact(text: string): string {
    let out = text
    for (const literal of this.literals) out = out.split(literal).join(REDACTED)
    for (const [pattern, replace] of RULES) out = out.replace(pattern, replace as (m: string, ...g: any[]) => string)
    return out
  }

  /** Redacted, on one line, bounded: what a CLI error may print. */
  oneLine(text: string, max = 300): string {
    const flat = this.redact(text).replace(/\s+/g, ' ').trim()
    return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
  }
}

export const defaultRedactor = new Redactor()

/** Credential values a server URL carries (userinfo, secret query parameters): literals for a Redactor. */
export function urlSecrets(server: string): string[] {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    return []
  }
  const out = [url.username, url.password].map((s) => decodeURIComponent(s))
  for (const [name, value] of url.searchParams) if (new RegExp(SECRET_PARAM.source, 'i').test(`?${name}=x`)) out.push(value)
  return out.filter((s) => s !== '')
}
