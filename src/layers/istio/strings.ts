// Istio's string-match forms (AuthorizationPolicy principals, namespaces, methods, hosts,
// when values): `*` = present, `abc*` = prefix, `*abc` = suffix, otherwise exact.

import {BlockList, isIP} from 'node:net'

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

/**
 * The path a waypoint's RBAC matches: Envoy's PathMatcher ignores the query string and the
 * fragment, and Istio's default path normalization (meshConfig pathNormalization BASE/DEFAULT
 * ⇒ HCM normalize_path, pilot/pkg/networking/core/listener_builder.go) resolves `.` and `..`
 * segments (RFC 3986 §5.2.4) before any filter runs, after decoding percent-encoded unreserved
 * characters (§6.2.2.2, so `%2e%2e` is `..` and `%61` is `a`). So `/public/../%61dmin?x=1` is
 * `/admin`. Encoded `/` and `\` stay encoded (path_with_escaped_slashes_action KEEP_UNCHANGED).
 */
export function envoyRequestPath(raw: string): string {
  const path = raw
    .split(/[?#]/, 1)[0]
    .replace(/%([0-9a-fA-F]{2})/g, (escape, hex: string) => {
      const c = String.fromCharCode(Number.parseInt(hex, 16))
      return /[A-Za-z0-9\-._~]/.test(c) ? c : escape
    })
  const out: string[] = []
  const segments = path.split('/')
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1
    if (seg === '.' || seg === '..') {
      if (seg === '..' && out.length > 1) out.pop()
      if (last) out.push('') // a trailing `.`/`..` leaves the directory: `/a/b/..` → `/a/`
      return
    }
    out.push(seg)
  })
  const joined = out.join('/')
  return joined.startsWith('/') ? joined : `/${joined}`
}

/**
 * CIDR or exact address match, IPv4 and IPv6 (Node's BlockList), as Envoy's and ztunnel's
 * CidrRange/IpNet do; a value that is not an address compares as an exact string.
 */
export function ipMatch(block: string, ip: string): boolean {
  const [net, bitsText, extra] = block.split('/')
  const family = isIP(net)
  if (family === 0 || isIP(ip) === 0 || extra !== undefined) return block === ip
  if (isIP(ip) !== family) return false
  const max = family === 4 ? 32 : 128
  if (bitsText !== undefined && !/^\d+$/.test(bitsText)) return false
  const bits = bitsText === undefined ? max : Number(bitsText)
  if (bits > max) return false
  const type = family === 4 ? 'ipv4' : 'ipv6'
  const list = new BlockList()
  list.addSubnet(net, bits, type)
  return list.check(ip, type)
}

/**
 * An address or CIDR istiod accepts (Go's netip.ParseAddr / ParsePrefix, as used by ztunnel's
 * stringToIP and the waypoint's AddrStrToCidrRange): IPv4 without leading zeros, or IPv6.
 */
export function validIpOrCidr(v: string): boolean {
  const [addr, bits, extra] = v.split('/')
  if (extra !== undefined) return false
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr)
  const isV4 = v4 !== null && v4.slice(1).every((o) => Number(o) <= 255 && !(o.length > 1 && o.startsWith('0')))
  const isV6 = !isV4 && addr.includes(':') && /^[0-9a-fA-F:.]+$/.test(addr)
  if (!isV4 && !isV6) return false
  if (bits === undefined) return true
  return /^\d+$/.test(bits) && Number(bits) <= (isV4 ? 32 : 128)
}
