// toPorts matching (LATTICE-SPEC §5.1-5, §10.11), as Cilium's pkg/policy/rule.go
// (mergeIngress/mergeEgress) and l4.go (createL4Filter, toMapState) define it:
// - a PortRule contributes exactly the entries of its `ports` list, so `ports: []` (or no
//   `ports`) contributes nothing; whether an absent/empty `toPorts` means "all ports" is the
//   rule's business (see rule-match.ts);
// - protocol ANY/absent = TCP, UDP and SCTP; `endPort` gives a range; port 0 = any port;
// - a port *name* is resolved against the destination pod's container ports with the same
//   name and protocol; an undefined name matches nothing (toMapState skips it). When the
//   destination's container ports are not known the match is undetermined.
// - an allow entry's L7 part (`rules.http` ...) narrows the matched port to the requests it
//   admits (l7.ts); deny entries have no L7 part (pkg/policy/api PortDenyRule has only ports).

import {l7Match, type HttpRequest} from './l7.js'
import {both, type Tri} from './tri.js'

export interface ContainerPort {
  name: string
  port: number
  protocol: string
}

export interface L4Flow {
  port: number
  protocol: string
  /** The destination pod's named container ports; undefined = not known. */
  namedPorts?: ContainerPort[]
  /** Who the destination is, for messages about named ports (e.g. `payments`). */
  destination?: string
  /** The HTTP request on this flow (`--method`/`--path`), for L7 rules; absent = not known. */
  request?: HttpRequest
  /** For a DNS lookup: the name being resolved, for `rules.dns`; absent = not known. */
  dnsName?: string
}

const ANY_PROTOCOLS = ['TCP', 'UDP', 'SCTP']

interface PortEntry {
  port?: string | number
  endPort?: number
  protocol?: string
  /** Set by networkpolicy.ts: a match here depends on the agent version (why). */
  versionDependent?: string
}

/** True when the rule carries at least one PortRule (an absent or `[]` toPorts does not). */
export function hasToPorts(toPorts: unknown): toPorts is unknown[] {
  return Array.isArray(toPorts) && toPorts.length > 0
}

/**
 * Does a non-empty toPorts list match the flow? `notes` collects unresolved names. With
 * `l7` (allow sections) an entry whose port matches must also admit the flow's request.
 */
export function toPortsMatch(toPorts: unknown[], flow: L4Flow, notes: string[], where = 'rule', l7 = true): Tri {
  let result: Tri = 'no'
  for (const entry of toPorts) {
    const ports = (entry as {ports?: PortEntry[]} | null)?.ports
    if (!Array.isArray(ports)) continue
    let portHit: Tri = 'no'
    for (const p of ports) {
      const m = portMatches(p ?? {}, flow, notes, where)
      if (m === 'yes') portHit = 'yes'
      else if (m === 'unknown' && portHit === 'no') portHit = 'unknown'
    }
    if (portHit === 'no') continue
    const m = both(portHit, l7 ? l7Match(entry as Record<string, any>, flow.request, `${flow.port}/${flow.protocol.toUpperCase()}`, notes, where, flow.dnsName) : 'yes')
    if (m === 'yes') return 'yes'
    if (m === 'unknown') result = 'unknown'
  }
  return result
}

function portMatches(p: PortEntry, flow: L4Flow, notes: string[], where: string): Tri {
  const proto = (p.protocol ?? '').toUpperCase()
  const want = flow.protocol.toUpperCase()
  const protoOk = proto === '' || proto === 'ANY' ? ANY_PROTOCOLS.includes(want) : proto === want
  if (!protoOk) return 'no'
  const text = String(p.port ?? '0').trim()
  if (!/^\d+$/.test(text)) return namedPortMatches(text.toLowerCase(), flow, notes, where)
  const start = Number(text)
  if (start === 0) return 'yes'
  const end = typeof p.endPort === 'number' && p.endPort > start ? p.endPort : start
  if (flow.port < start || flow.port > end) return 'no'
  if (p.versionDependent) {
    notes.push(`${where}: ${p.versionDependent}`)
    return 'unknown'
  }
  return 'yes'
}

function namedPortMatches(name: string, flow: L4Flow, notes: string[], where: string): Tri {
  const dest = flow.destination ?? 'the destination'
  if (!flow.namedPorts) {
    notes.push(`${where}: named port "${name}" cannot be resolved: the container ports of ${dest} are not known`)
    return 'unknown'
  }
  const want = flow.protocol.toUpperCase()
  const hit = flow.namedPorts.find((c) => c.name.toLowerCase() === name && (c.protocol || 'TCP').toUpperCase() === want)
  if (!hit) {
    notes.push(`${where}: named port "${name}" is not a ${want} container port of ${dest}, so the rule matches no port there`)
    return 'no'
  }
  return hit.port === flow.port ? 'yes' : 'no'
}
