// toPorts matching (LATTICE-SPEC §5.1-5): absent or empty = all ports; protocol ANY/empty =
// TCP, UDP and SCTP; `endPort` gives a range; port 0 = any port. Named ports are not
// resolved (that needs the pods' container specs), so they never match here.

export interface L4Flow {
  port: number
  protocol: string
}

const ANY_PROTOCOLS = ['TCP', 'UDP', 'SCTP']

interface PortEntry {
  port?: string | number
  endPort?: number
  protocol?: string
}

export function toPortsMatch(toPorts: unknown, flow: L4Flow, notes: string[]): boolean {
  if (!Array.isArray(toPorts) || toPorts.length === 0) return true
  return toPorts.some((entry) => {
    const ports = (entry as {ports?: PortEntry[]})?.ports
    if (!Array.isArray(ports) || ports.length === 0) return true
    return ports.some((p) => portMatches(p, flow, notes))
  })
}

function portMatches(p: PortEntry, flow: L4Flow, notes: string[]): boolean {
  const proto = (p.protocol ?? '').toUpperCase()
  const want = flow.protocol.toUpperCase()
  const protoOk = proto === '' || proto === 'ANY' ? ANY_PROTOCOLS.includes(want) : proto === want
  if (!protoOk) return false
  const text = String(p.port ?? '0').trim()
  if (!/^\d+$/.test(text)) {
    notes.push(`named port "${text}" is not resolved to a number offline; the rule is treated as not matching port ${flow.port}`)
    return false
  }
  const start = Number(text)
  if (start === 0) return true
  const end = typeof p.endPort === 'number' && p.endPort > start ? p.endPort : start
  return flow.port >= start && flow.port <= end
}
