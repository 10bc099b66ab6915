// External endpoint URL grammar (LATTICE-SPEC §1.7) and entity ids (§4.8).
// Shared by admission (A10), mesh-member derivation (egress rules) and Cedar
// (AccessExternalEndpoint requests), so all three agree on what a URL means.

import {isIP} from 'node:net'
import {ipVersion} from '../core/ip.js'

export type EndpointProtocol = 'https' | 'http' | 'tcp' | 'udp' | 'grpc'

export interface ParsedEndpoint {
  protocol: EndpointProtocol
  /** Host without brackets (IPv6) and without user info. */
  host: string
  port: number
  /** 4 or 6 for IP literals, 0 for DNS names. */
  ipVersion: 0 | 4 | 6
}

const DEFAULT_PORTS: Partial<Record<EndpointProtocol, number>> = {https: 443, http: 80}
const SCHEMES = new Set<EndpointProtocol>(['https', 'http', 'tcp', 'udp', 'grpc'])

/** Parses an endpoint URL; returns undefined when it does not parse (admission A10). */
export function parseEndpoint(url: string): ParsedEndpoint | undefined {
  if (typeof url !== 'string') return undefined
  const text = url.trim()
  if (text === '' || /\s/.test(text)) return undefined
  let protocol: EndpointProtocol = 'tcp'
  let rest = text
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)
  if (scheme) {
    const s = scheme[1].toLowerCase() as EndpointProtocol
    if (!SCHEMES.has(s)) return undefined
    protocol = s
    rest = text.slice(scheme[0].length)
  }
  // Authority ends at the first '/', '?' or '#': paths are dropped (so `10.0.0.0/8:5432`
  // becomes host 10.0.0.0 without a port, which is rejected below).
  const end = rest.search(/[/?#]/)
  let authority = end === -1 ? rest : rest.slice(0, end)
  const at = authority.lastIndexOf('@')
  if (at !== -1) authority = authority.slice(at + 1)
  let host: string
  let portText: string | undefined
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']')
    if (close === -1) return undefined
    host = authority.slice(1, close)
    const after = authority.slice(close + 1)
    if (after !== '') {
      if (!after.startsWith(':')) return undefined
      portText = after.slice(1)
    }
    if (isIP(host) !== 6) return undefined
  } else {
    const colon = authority.lastIndexOf(':')
    if (colon !== -1) {
      host = authority.slice(0, colon)
      portText = authority.slice(colon + 1)
    } else {
      host = authority
    }
  }
  if (host === '') return undefined
  let port = DEFAULT_PORTS[protocol]
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined
    port = Number(portText)
  }
  if (port === undefined || port < 1 || port > 65535) return undefined
  return {protocol, host, port, ipVersion: ipVersion(host)}
}

export interface EntityId {
  entity: string
  port: number
}

/**
 * `entity:<name>` (port 443) or `entity:<name>:<port>`; if the text after the last ':' is
 * not a port number it is part of the name. `entity:` with an empty name is ignored.
 */
export function parseEntityId(id: string | undefined): EntityId | undefined {
  if (!id || !id.startsWith('entity:')) return undefined
  const rest = id.slice('entity:'.length)
  const colon = rest.lastIndexOf(':')
  let entity = rest
  let port = 443
  if (colon !== -1 && /^\d+$/.test(rest.slice(colon + 1))) {
    entity = rest.slice(0, colon)
    port = Number(rest.slice(colon + 1))
  }
  if (entity === '') return undefined
  return {entity, port}
}

/** Cilium/L4 protocol of an endpoint: UDP for udp://, TCP for everything else. */
export function l4ProtocolOf(e: ParsedEndpoint): 'TCP' | 'UDP' {
  return e.protocol === 'udp' ? 'UDP' : 'TCP'
}
