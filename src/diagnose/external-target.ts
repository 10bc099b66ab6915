// Reading B as an external destination: a URL (`https://api.stripe.com/v1/charges`), a host
// with an optional port (`api.stripe.com`, `api.stripe.com:443`), an IP or a CIDR with an
// optional port (`10.20.30.40:5432`, `10.0.0.0/8:5432`). A Lattice name stays `ns/name` or
// `name`; in-cluster DNS names (`payments.commerce.svc.cluster.local`) are Lattice names.

import {isIP} from 'node:net'
import {ipVersion} from '../core/ip.js'
import type {ExternalTarget} from '../core/external.js'
import {InputError} from '../core/errors.js'
import {parseEndpoint} from '../spec/endpoints.js'

const CLUSTER_SUFFIX = /\.svc(\.cluster\.local)?\.?$/

/** `ns/name` for an in-cluster Service DNS name, else undefined. */
export function clusterServiceKey(text: string): string | undefined {
  const host = text.replace(/^[a-z]+:\/\//, '').split(/[/:]/)[0]!
  if (!CLUSTER_SUFFIX.test(host)) return undefined
  const [name, ns] = host.replace(CLUSTER_SUFFIX, '').split('.')
  return name && ns ? `${ns}/${name}` : undefined
}

/** True when `text` names something outside the cluster rather than a Lattice service. */
export function looksExternal(text: string): boolean {
  if (clusterServiceKey(text)) return false
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return true
  const hostPart = text.replace(/\/(\d{1,3})(?=$|:)/, '').replace(/:\d+(\/(tcp|udp))?$/i, '')
  if (ipVersion(hostPart) !== 0 || ipVersion(text.replace(/^\[|\](:\d+)?$/g, '')) === 6) return true
  // A dotted name with no slash is a host: Lattice names are DNS labels, `ns/name`.
  return !text.includes('/') && /^[a-z0-9-]+(\.[a-z0-9-]+)+\.?(:\d+)?$/i.test(text)
}

/** Parses B; `portOverride` is `--port`. Throws an InputError naming what is wrong. */
export function parseExternalTarget(text: string, portOverride?: string): ExternalTarget {
  const bad = (why: string) => new InputError(`target '${text}': ${why}`)
  const overridePort = portOverride === undefined ? undefined : Number(portOverride)
  if (overridePort !== undefined && !(Number.isInteger(overridePort) && overridePort > 0 && overridePort < 65536)) {
    throw bad(`--port ${portOverride} must be a port number for an external destination`)
  }
  let protocol: 'TCP' | 'UDP' = 'TCP'
  let rest = text.trim()
  const proto = /\/(tcp|udp)$/i.exec(rest)
  if (proto) {
    protocol = proto[1]!.toUpperCase() as 'TCP' | 'UDP'
    rest = rest.slice(0, -proto[0].length)
  }
  const cidr = /^([0-9a-f:.]+)\/(\d{1,3})(?::(\d+))?$/i.exec(rest)
  if (cidr && isIP(cidr[1]!) !== 0) {
    const bits = Number(cidr[2])
    if (bits > (isIP(cidr[1]!) === 4 ? 32 : 128)) throw bad(`/${bits} is not a valid prefix length`)
    const port = overridePort ?? (cidr[3] ? Number(cidr[3]) : undefined)
    if (port === undefined) throw bad('a CIDR needs a port (CIDR:PORT or --port)')
    return {kind: 'External', text, cidr: `${cidr[1]}/${bits}`, port, protocol}
  }
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(rest)
  const hasPort = /:\d+$/.test(rest.replace(/\/.*$/, '')) || /\]:\d+/.test(rest)
  // The endpoint grammar of §1.7; without a scheme or port, the caller means HTTPS.
  const url = hasScheme ? rest : hasPort ? `tcp://${rest}` : `https://${rest}`
  const parsed = parseEndpoint(url)
  if (!parsed) throw bad('expected a host, host:port, URL, IP[:port] or CIDR:port')
  if (parsed.protocol === 'udp') protocol = 'UDP'
  const port = overridePort ?? parsed.port
  const base = {kind: 'External' as const, text, port, protocol, ...(hasScheme ? {scheme: parsed.protocol} : {})}
  return parsed.ipVersion === 0 ? {...base, host: parsed.host.toLowerCase().replace(/\.$/, '')} : {...base, ip: parsed.host}
}
