// Deterministic derived names (LATTICE-SPEC Appendix B).
import * as crypto from 'node:crypto'

// One-shot `crypto.hash` (Node >= 20.12) is ~2x faster than a Hash object per name, and a
// fleet compile derives ~100,000 names; older Node 20 releases fall back to createHash.
const sha256Hex: (text: string) => string =
  typeof (crypto as {hash?: unknown}).hash === 'function'
    ? (text) => (crypto as unknown as {hash: (alg: string, data: string, enc: 'hex') => string}).hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex')

/** First 8 lowercase hex chars of SHA-256 over the parts joined with `/`. */
export function h8(...parts: string[]): string {
  return sha256Hex(parts.join('/')).slice(0, 8)
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
