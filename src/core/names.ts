// Deterministic derived names (LATTICE-SPEC Appendix B).
import {createHash} from 'node:crypto'

/** First 8 lowercase hex chars of SHA-256 over the parts joined with `/`. */
export function h8(...parts: string[]): string {
  return createHash('sha256').update(parts.join('/'), 'utf8').digest('hex').slice(0, 8)
}

export const names = {
  cnp: (ns: string, name: string) => `cnp-mesh-${h8(ns, name)}`,
  allowTo: (ns: string, name: string) => `allow-to-${h8(ns, name)}`,
  allowWaypointTo: (ns: string, name: string) => `allow-wp-to-${h8(ns, name)}`,
  allowFqdn: (ns: string, name: string, host: string) => `allow-fqdn-${h8(ns, name, host)}`,
  allowPlaintext: (ns: string, name: string) => `allow-plaintext-${h8(ns, name)}`,
  permissive: (ns: string, name: string) => `permissive-${h8(ns, name)}`,
  serviceEntry: (ns: string, host: string) => `se-auto-${h8(ns, host)}`,
  waypointRuntime: (ns: string) => `waypoint-runtime-${h8(ns)}`,
  waypoint: (ns: string) => `${ns}-waypoint`,
  ingressGatewaySa: (ns: string) => `${ns}-ingress-istio`,
}
