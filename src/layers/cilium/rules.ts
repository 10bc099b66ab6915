// Small builders for CiliumNetworkPolicy rule fragments, so the compiler and the baseline
// render ports, DNS rules and selectors identically (field order as in LATTICE-SPEC §5.5).

import {HBONE_PORT} from '../../core/constants.js'
import {KUBE_DNS_SELECTOR} from './keys.js'

export interface PortProto {
  port: number
  protocol: string
}

export type Rule = Record<string, unknown>

export const HBONE: PortProto[] = [{port: HBONE_PORT, protocol: 'TCP'}]

/** `toPorts` with one entry listing the ports (deduplicated, in the given order). */
export function toPorts(ports: PortProto[], rules?: Record<string, unknown>): Rule[] {
  const seen = new Set<string>()
  const list: Array<{port: string; protocol: string}> = []
  for (const p of ports) {
    const key = `${p.port}/${p.protocol}`
    if (seen.has(key)) continue
    seen.add(key)
    list.push({port: String(p.port), protocol: p.protocol})
  }
  return [rules ? {ports: list, rules} : {ports: list}]
}

/** DNS to kube-dns on 53/UDP+TCP; `dns` entries turn on the DNS proxy allowlist. */
export function dnsRule(dns: Array<Record<string, string>>): Rule {
  const ports: PortProto[] = [{port: 53, protocol: 'UDP'}, {port: 53, protocol: 'TCP'}]
  return {
    toEndpoints: [{matchLabels: {...KUBE_DNS_SELECTOR.matchLabels}}], // a fresh copy per policy
    toPorts: toPorts(ports, dns.length > 0 ? {dns} : undefined),
  }
}

/** `{matchName}` for literal hosts; `{matchPattern}` for wildcard hosts when allowed. */
export function dnsMatch(host: string, patterns: boolean): Record<string, string> {
  return patterns && host.includes('*') ? {matchPattern: host} : {matchName: host}
}
