// An external destination as B ("why can't checkout reach api.stripe.com?"): a host, an IP
// or a CIDR outside the cluster, with the port and protocol the caller uses. The layers
// evaluate it in their own terms: Cedar AccessExternalEndpoint, Cilium toFQDNs/toCIDR/
// toEntities with DNS, Istio ServiceEntry + egress grant at the waypoint, Tetragon for the
// client binary.

import type {Waypoint, Workload} from './query.js'

export interface ExternalTarget {
  kind: 'External'
  /** What the user wrote. */
  text: string
  /** DNS name (lower case, no trailing dot), when the destination is a name. */
  host?: string
  /** IP literal, when the destination is one address. */
  ip?: string
  /** CIDR range, when the destination is a range. */
  cidr?: string
  port: number
  protocol: 'TCP' | 'UDP'
  /** URL scheme when given (https, http, tcp, udp, grpc). */
  scheme?: string
}

export interface ExternalQuery {
  source: Workload
  target: ExternalTarget
  trustDomain: string
  /** The waypoint an egress ServiceEntry routes through, when one does (§6.5). */
  waypoint?: Waypoint
  clientBinary?: string
}

/** `api.stripe.com:443`, `10.20.30.40:123/UDP`, `10.0.0.0/8:5432`. */
export function describeExternal(t: ExternalTarget): string {
  const where = t.host ?? t.ip ?? t.cidr ?? t.text
  return `${where}:${t.port}${t.protocol === 'UDP' ? '/UDP' : ''}`
}

/** The address Cilium sees for the destination (a CIDR is checked at its first address). */
export function representativeIp(t: ExternalTarget): string | undefined {
  return t.ip ?? t.cidr?.split('/')[0]
}
