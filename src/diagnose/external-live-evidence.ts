// Hubble evidence for A → an external destination (issue 9.2): A's flows on the
// destination's port (drops to world, forwards) and A's DNS records for the host, as
// Cilium's DNS proxy reports them (Hubble L7 DNS flows: query, rcode, DROPPED when the
// DNS rules refuse the lookup — Cilium answers REFUSED). toFQDNs rules only open addresses
// learned through a lookup a DNS rule allowed, so a refused lookup explains an L4 drop.

import type {Cluster} from '../cluster/index.js'
import {inCidr} from '../layers/cilium/index.js'
import {notAsked, unavailable, type EvidenceSourceState, type FlowRecord} from '../core/evidence.js'
import type {ExternalTarget} from '../core/external.js'
import type {KubeObject} from '../core/kube.js'
import type {Evidence, LayerResult} from '../core/result.js'
import type {EvidenceOptions} from './live-evidence.js'
import type {EventSink} from './model.js'
import type {HubbleRecord} from '../layers/cilium/hubble/index.js'

export interface ExternalEvidence {
  /** The Hubble source's state (the only evidence source read for an external destination). */
  sources: EvidenceSourceState[]
  annotate?: (layer: LayerResult) => LayerResult
  warnings?: string[]
}

const DNS_PORT = 53
const RCODES: Record<number, string> = {0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED'}
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`
const podIp = (p: KubeObject) => (typeof p.status?.podIP === 'string' ? (p.status.podIP as string) : undefined)

export interface ExternalFlows {
  /** A's flows on the destination port to the destination (world, a resolved address, the IP/CIDR). */
  toDestination: FlowRecord[]
  /** A's DNS records for the host. */
  dns: FlowRecord[]
}

/** Splits A's flows into the destination's and the host's DNS records. */
export function classifyExternalFlows(flows: FlowRecord[], target: ExternalTarget): ExternalFlows {
  const host = target.host
  const dns = host ? flows.filter((f) => f.dns && f.dns.query.toLowerCase().replace(/\.$/, '') === host) : []
  const resolved = new Set(dns.flatMap((f) => f.dns?.ips ?? []))
  const toDestination = flows.filter((f) => {
    if (f.dns || f.destinationPort !== target.port || f.isReply === true) return false
    const ip = f.destination.ip
    if (target.ip) return ip === target.ip
    if (target.cidr) return ip !== undefined && inCidr(ip, target.cidr)
    return (ip !== undefined && resolved.has(ip)) || (f.destination.labels ?? []).includes('reserved:world')
  })
  return {toDestination, dns}
}

/** The L4 line with the evidence: drops to the destination, refused lookups (the datapath is the truth). */
export function annotateExternalL4(r: LayerResult, ev: ExternalFlows, target: ExternalTarget, warnings: string[]): LayerResult {
  const drops = ev.toDestination.filter((f) => f.verdict === 'DROPPED')
  const forwards = ev.toDestination.filter((f) => f.verdict === 'FORWARDED')
  const answers = ev.dns.filter((f) => f.dns?.type !== 'REQUEST' || f.verdict === 'DROPPED')
  const refused = answers.filter((f) => f.verdict === 'DROPPED' || f.dns?.rcode === 5)
  const failed = answers.filter((f) => !refused.includes(f) && (f.dns?.rcode ?? 0) !== 0)
  const evidence: Evidence[] = [...r.evidence]
  const parts: string[] = []
  if (drops.length || forwards.length) {
    const reasons = [...new Set(drops.map((f) => f.dropReason ?? 'dropped'))].join(', ')
    parts.push(`Hubble: ${plural(drops.length, 'drop')}${drops.length ? ` (${reasons})` : ''}, ${plural(forwards.length, 'forwarded flow')} to ${target.host ?? target.ip ?? target.cidr}:${target.port}`)
    evidence.push({kind: 'HubbleFlows', source: 'hubble', detail: parts[parts.length - 1]!, count: drops.length})
  }
  if (refused.length) {
    parts.push(`DNS lookup of ${target.host} denied by DNS policy (${plural(refused.length, 'record')}, REFUSED)`)
    evidence.push({kind: 'HubbleDNS', source: 'hubble', detail: `query ${refused[0]!.dns!.query} ${refused[0]!.verdict === 'DROPPED' ? 'DROPPED' : 'REFUSED'} by the DNS proxy`, count: refused.length, time: refused[0]!.time})
  }
  if (failed.length) {
    const rc = failed[0]!.dns!.rcode!
    parts.push(`DNS lookup of ${target.host} failed (${RCODES[rc] ?? `rcode ${rc}`})`)
    evidence.push({kind: 'HubbleDNS', source: 'hubble', detail: `query ${failed[0]!.dns!.query} rcode ${RCODES[rc] ?? rc}`, count: failed.length, time: failed[0]!.time})
  }
  const resolvedOk = answers.filter((f) => !refused.includes(f) && !failed.includes(f))
  if (resolvedOk.length) evidence.push({kind: 'HubbleDNS', source: 'hubble', detail: `query ${resolvedOk[0]!.dns!.query} answered ${(resolvedOk[0]!.dns!.ips ?? []).join(', ') || 'NOERROR'}`, count: resolvedOk.length, time: resolvedOk[0]!.time})
  const out = {...r, evidence, summary: parts.length ? `${r.summary}; ${parts.join('; ')}` : r.summary}
  const latestDrop = drops.map((f) => f.time).sort().at(-1)
  const latestForward = forwards.map((f) => f.time).sort().at(-1)
  if ((r.status === 'PASS' || r.status === 'WARN') && (refused.length > 0 || (latestDrop && (!latestForward || latestDrop > latestForward)))) {
    const w = refused.length > 0
      ? `Hubble shows the DNS lookup of ${target.host} refused by DNS policy although the policies allow the connection: toFQDNs rules only open addresses learned through an allowed lookup (add a DNS rule matching ${target.host})`
      : `Hubble shows ${plural(drops.length, 'drop')} to ${target.host ?? target.ip ?? target.cidr}:${target.port} although the policies allow it: the datapath is the truth`
    warnings.push(w)
    return {...out, status: 'DENY', summary: `datapath drops the traffic; ${out.summary}`, warnings: [...out.warnings, w]}
  }
  return out
}

/**
 * A DNS answer travels from the resolver to A (a reply): it is evidence of A's lookup, so it
 * is counted in the lookup's direction (A → resolver:53). Other records pass unchanged.
 */
async function* asLookups(input: AsyncIterable<HubbleRecord>, podsA: string[]): AsyncGenerator<HubbleRecord> {
  for await (const r of input) {
    const f = r as FlowRecord
    const toA = f.destination?.namespace !== undefined && f.destination.pod !== undefined && podsA.includes(`${f.destination.namespace}/${f.destination.pod}`)
    if (f.dns && toA && (f.isReply === true || f.dns.type === 'RESPONSE')) yield {...f, source: f.destination, destination: f.source, isReply: false, destinationPort: DNS_PORT}
    else yield r
  }
}

/** Reads A's flows (destination port and DNS) from Hubble Relay, bounded by the request timeout. */
export async function externalEvidence(cluster: Cluster, who: {podsA: KubeObject[]; target: ExternalTarget}, opts: EvidenceOptions, emit?: EventSink): Promise<ExternalEvidence> {
  if (who.podsA.length === 0) return {sources: [notAsked('hubble', 'no pods of the source: no flows to look for')]}
  emit?.({type: 'source-started', source: 'hubble'})
  const t0 = performance.now()
  const {createHubbleClient, readHubbleRecords} = await import('../layers/cilium/hubble/index.js')
  let close = () => {}
  let address = opts.hubbleServer
  try {
    if (!address) {
      const fwd = await cluster.portForward({namespace: 'kube-system', service: 'hubble-relay', port: 80})
      if (!fwd.ok) throw new Error(`port-forward to kube-system/hubble-relay: ${fwd.reason}`)
      address = `127.0.0.1:${fwd.forward.localPort}`
      close = () => fwd.forward.close()
    }
    const client = await createHubbleClient({address, timeoutMs: opts.timeoutMs, ...(opts.hubbleTls ? {tls: true} : {}), ...(opts.hubbleCa ? {caFile: opts.hubbleCa} : {}), ...(opts.hubbleServerName ? {serverName: opts.hubbleServerName} : {})})
    const from = {pods: who.podsA.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ips: who.podsA.map(podIp).filter((x): x is string => Boolean(x))}
    const ports = [...new Set([who.target.port, ...(who.target.host ? [DNS_PORT] : [])])]
    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(), opts.timeoutMs)
    const flows: FlowRecord[] = []
    let state: EvidenceSourceState
    try {
      const since = new Date(Date.now() - opts.sinceSeconds * 1000)
      // A's packets on the ports, and the DNS answers sent back to A (from port 53).
      const raw = client.flows({since, whitelist: [{sourcePod: from.pods, destinationPort: ports.map(String)}, {destinationPod: from.pods, sourcePort: [String(DNS_PORT)]}]}, ac.signal)
      const read = readHubbleRecords(asLookups(raw, from.pods), {filter: {hops: [{from, to: {}, ports, name: 'to the destination'}]}, window: {since}}, client.coverage().catch(() => undefined), '')
      for await (const f of read.records) if (flows.length < 20_000) flows.push(f)
      state = read.state()
    } finally {
      clearTimeout(timer)
      client.close()
    }
    emit?.({type: 'source-finished', source: 'hubble', ms: performance.now() - t0})
    if (state.state === 'unavailable') return {sources: [state], warnings: [`hubble evidence unavailable: ${state.reason ?? 'no answer'}`]}
    const classified = classifyExternalFlows(flows, who.target)
    const warnings: string[] = []
    const annotate = (r: LayerResult) => (r.layer === 'l4' ? annotateExternalL4(r, classified, who.target, warnings) : r)
    return {sources: [{...state, recordsMatched: classified.toDestination.length + classified.dns.length}], annotate, warnings}
  } catch (err) {
    const reason = (err as Error).message
    emit?.({type: 'source-failed', source: 'hubble', ms: performance.now() - t0, reason})
    return {sources: [unavailable('hubble', reason)], warnings: [`hubble evidence unavailable: ${reason}`]}
  } finally {
    close()
  }
}
