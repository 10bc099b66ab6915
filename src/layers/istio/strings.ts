// Istio's string-match forms (AuthorizationPolicy principals, namespaces, methods, hosts,
// when values): `*` = present, `abc*` = prefix, `*abc` = suffix, otherwise exact.

export function istioStringMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return value.length > 0
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1))
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1))
  return pattern === value
}

/**
 * Paths additionally accept the `{*}` (one segment) and `{**}` (any suffix) templates of
 * Istio's path templating; anything else falls back to the common string match.
 */
export function istioPathMatch(pattern: string, path: string): boolean {
  if (!pattern.includes('{*')) return istioStringMatch(pattern, path)
  const re = pattern
    .split(/(\{\*\*\}|\{\*\})/)
    .map((part) => (part === '{**}' ? '.*' : part === '{*}' ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${re}$`).test(path)
}

/** IPv4 CIDR or exact address match; other forms compare as exact strings. */
export function ipMatch(block: string, ip: string): boolean {
  const [net, bitsText] = block.split('/')
  const a = ipv4(net)
  const b = ipv4(ip)
  if (a === undefined || b === undefined) return block === ip || net === ip
  const bits = bitsText === undefined ? 32 : Number(bitsText)
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
  return ((a & mask) >>> 0) === ((b & mask) >>> 0)
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    const v = Number(p)
    if (!/^\d{1,3}$/.test(p) || v > 255) return undefined
    n = n * 256 + v
  }
  return n >>> 0
}
