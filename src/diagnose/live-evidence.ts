// Live evidence for one pair (LATTICE-SPEC §9.5): Hubble flows (L4), ztunnel and waypoint
// access logs (L7), Tetragon events (runtime). Every source is optional, bounded in time
// and read in parallel; a failed source is reported, never fatal. When the evidence
// contradicts the evaluation, the datapath is the truth and the layer line says so.

import type {Cluster, PairState, ReadResult} from '../cluster/index.js'
import type {FlowRecord, MeshAccessRecord, ProcessEventRecord} from '../core/evidence.js'
import type {KubeObject} from '../core/kube.js'
import type {Evidence, LayerResult} from '../core/result.js'
import type {EventSink} from './model.js'

export interface EvidenceOptions {
  sinceSeconds: number
  timeoutMs: number
  hubbleServer?: string
  hubbleTls?: boolean
  hubbleCa?: string
  hubbleServerName?: string
  tetragonServer?: string
  /** How long to listen on Tetragon's live gRPC stream (it has no history). */
  tetragonListenMs?: number
}

export interface PairIdentity {
  srcIdentity: string
  dstIdentity: string
  podsA: KubeObject[]
  podsB: KubeObject[]
  waypoint?: {namespace: string; name: string; pods: KubeObject[]}
  /** Agent pod listings already in flight (listEvidenceAgents); listed here otherwise. */
  agents?: EvidenceAgents
}

export interface EvidenceAgents {
  ztunnels?: Promise<ReadResult<KubeObject>>
  tetragon?: Promise<ReadResult<KubeObject>>
}

const ZTUNNEL_SELECTOR = 'app=ztunnel'
const TETRAGON_SELECTOR = 'app.kubernetes.io/name=tetragon'

/**
 * Starts the agent pod listings (ztunnel, and Tetragon when it is read from its logs). They
 * depend on nothing of the pair, so they go out with the first fan-out instead of costing a
 * round trip of their own after the pair's state is in.
 */
export function listEvidenceAgents(cluster: Cluster, opts: Pick<EvidenceOptions, 'tetragonServer'>): EvidenceAgents {
  // The readers' modules load while the first reads are on the wire (the CPU is idle then),
  // not later, when loading them would hold back the log requests behind the compile.
  void import('../layers/istio/logs/index.js').catch(() => undefined)
  void import('../layers/cilium/hubble/index.js').catch(() => undefined)
  void import('../layers/tetragon/events/index.js').catch(() => undefined)
  return {
    ztunnels: cluster.pods('istio-system', {labelSelector: ZTUNNEL_SELECTOR}),
    ...(opts.tetragonServer ? {} : {tetragon: cluster.pods('kube-system', {labelSelector: TETRAGON_SELECTOR})}),
  }
}

export interface EvidenceBundle {
  hubble?: {text: string; drops: number; policyDrops: number; forwarded: number; lastDrop?: string; lastForward?: string; deniedBy: string[]} | {error: string}
  /**
   * Samples (at most 200 per outcome, for display) plus the count and latest time over
   * EVERY matching record: the contradiction check must not depend on which records the
   * parallel log streams happened to deliver first.
   */
  mesh?: {denied: MeshAccessRecord[]; allowed: MeshAccessRecord[]; errors: MeshAccessRecord[]; count: Record<MeshAccessRecord['outcome'], number>; latest: Partial<Record<MeshAccessRecord['outcome'], string>>} | {error: string}
  tetragon?: {events: ProcessEventRecord[]} | {error: string}
}

const principalOf = (id: string) => (id.startsWith('spiffe://') ? id.slice('spiffe://'.length) : id)
const ip = (p: KubeObject) => (typeof p.status?.podIP === 'string' ? (p.status.podIP as string) : undefined)
const podRef = (p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`
const nodesOf = (pods: KubeObject[]) => new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => typeof n === 'string'))

export interface EvidenceGathering {
  bundle: Promise<EvidenceBundle>
  /**
   * Resolves when every evidence request has left (log reads written to their sockets, the
   * Hubble channel connected) or its source has ended: the moment after which blocking the
   * event loop (the compile) no longer holds the requests back.
   */
  sent: Promise<void>
}

/** Starts every evidence source; see EvidenceGathering. */
export function startEvidence(cluster: Cluster, state: PairState, who: PairIdentity, opts: EvidenceOptions, emit?: EventSink): EvidenceGathering {
  let hubbleSent = () => {}
  const hubbleOut = new Promise<void>((resolve) => (hubbleSent = resolve))
  const bundle = gatherEvidence(cluster, state, who, opts, emit, hubbleSent)
  void bundle.finally(hubbleSent)
  const httpOut = (async () => {
    // The log reads are opened within a few promise jobs of the start; they drain first.
    await new Promise((resolve) => setImmediate(resolve))
    await cluster.requestsSent()
  })()
  return {bundle, sent: Promise.all([hubbleOut, httpOut]).then(() => undefined)}
}

export async function gatherEvidence(cluster: Cluster, state: PairState, who: PairIdentity, opts: EvidenceOptions, emit?: EventSink, hubbleSent?: () => void): Promise<EvidenceBundle> {
  const track = async <T>(source: string, fn: () => Promise<T>): Promise<T | {error: string}> => {
    emit?.({type: 'source-started', source})
    const t0 = performance.now()
    try {
      // One budget per source, from its own start: the sources run in parallel, so a dead one
      // costs one --request-timeout, not two or three on top of the others.
      const out = await withTimeout(fn(), opts.timeoutMs, `${source}: no answer within ${formatMs(opts.timeoutMs)}`)
      emit?.({type: 'source-finished', source, ms: performance.now() - t0})
      return out
    } catch (err) {
      const reason = (err as Error).message
      emit?.({type: 'source-failed', source, ms: performance.now() - t0, reason})
      return {error: reason}
    }
  }
  const [hubble, mesh, tetragon] = await Promise.all([
    track('hubble', () => hubbleEvidence(cluster, state, who, opts, hubbleSent).finally(hubbleSent)),
    track('ztunnel/waypoint logs', () => meshEvidence(cluster, who, opts)),
    track('tetragon', () => tetragonEvidence(cluster, state, who, opts)),
  ])
  return {hubble, mesh, tetragon}
}

async function hubbleEvidence(cluster: Cluster, state: PairState, who: PairIdentity, opts: EvidenceOptions, sent?: () => void) {
  const {createHubbleClient, summarizeFlows, describeFlowSummary} = await import('../layers/cilium/hubble/index.js')
  let close = () => {}
  let address = opts.hubbleServer
  if (!address) {
    const fwd = await cluster.portForward({namespace: 'kube-system', service: 'hubble-relay', port: 80})
    if (!fwd.ok) throw new Error(`port-forward to kube-system/hubble-relay: ${fwd.reason}`)
    address = `127.0.0.1:${fwd.forward.localPort}`
    close = () => fwd.forward.close()
  }
  const client = await createHubbleClient({address, timeoutMs: opts.timeoutMs, ...(opts.hubbleTls ? {tls: true} : {}), ...(opts.hubbleCa ? {caFile: opts.hubbleCa} : {}), ...(opts.hubbleServerName ? {serverName: opts.hubbleServerName} : {})})
  try {
    const since = new Date(Date.now() - opts.sinceSeconds * 1000)
    // Asked alongside the flows, not before them (two more calls on the same channel).
    const coverageAsked = client.coverage().catch(() => undefined)
    if (sent) void client.connected().then(sent)
    const records: FlowRecord[] = []
    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(), opts.timeoutMs)
    try {
      for await (const r of client.flows({
        since,
        sourcePod: who.podsA.map(podRef),
        destinationPod: who.podsB.map(podRef),
        bothDirections: true,
      }, ac.signal)) records.push(r as FlowRecord)
    } finally {
      clearTimeout(timer)
    }
    const coverage = await coverageAsked
    const s = summarizeFlows(records as never, {since}, coverage)
    const policyDrops = Object.entries(s.dropsByReason).filter(([r]) => r.startsWith('POLICY_')).reduce((n, [, c]) => n + c, 0)
    const flows = records.filter((r) => 'verdict' in r) as FlowRecord[]
    const last = (pred: (f: FlowRecord) => boolean) => flows.filter(pred).map((f) => f.time).sort().at(-1)
    return {
      text: describeFlowSummary(s),
      drops: s.drops,
      policyDrops,
      forwarded: s.forwarded,
      deniedBy: s.deniedBy.map((p) => `${p.kind ?? 'policy'} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`),
      ...(last((f) => f.verdict === 'DROPPED') ? {lastDrop: last((f) => f.verdict === 'DROPPED')} : {}),
      ...(last((f) => f.verdict === 'FORWARDED' && !f.isReply) ? {lastForward: last((f) => f.verdict === 'FORWARDED' && !f.isReply)} : {}),
    }
  } finally {
    client.close()
    close()
    void state
  }
}

async function meshEvidence(cluster: Cluster, who: PairIdentity, opts: EvidenceOptions) {
  const {parseZtunnelLog, parseWaypointLog, matchesPair} = await import('../layers/istio/logs/index.js')
  const nodes = new Set([...nodesOf(who.podsA), ...nodesOf(who.podsB)])
  const ztunnels = await (who.agents?.ztunnels ?? cluster.pods('istio-system', {labelSelector: ZTUNNEL_SELECTOR}))
  if (!ztunnels.ok) throw new Error(`ztunnel pods: ${ztunnels.reason}`)
  const selector = {
    srcIdentity: who.srcIdentity, dstIdentity: who.dstIdentity,
    srcIps: who.podsA.map(ip).filter((x): x is string => Boolean(x)), dstIps: who.podsB.map(ip).filter((x): x is string => Boolean(x)),
    srcPods: who.podsA.map((p) => p.metadata.name), dstPods: who.podsB.map((p) => p.metadata.name),
  }
  // A record matchesPair only if its destination is B by identity, pod name or IP, and each
  // of those appears verbatim in the line: lines naming none of them (most of a ztunnel log:
  // other pairs, xds, dns) are skipped before parsing.
  const mustContain = [principalOf(who.dstIdentity), ...selector.dstPods, ...selector.dstIps.flatMap((a) => [a, a.toUpperCase()])]
  const out = {
    denied: [] as MeshAccessRecord[], allowed: [] as MeshAccessRecord[], errors: [] as MeshAccessRecord[],
    count: {denied: 0, allowed: 0, error: 0} as Record<MeshAccessRecord['outcome'], number>,
    latest: {} as Partial<Record<MeshAccessRecord['outcome'], string>>,
  }
  // ztunnel logs one rejected connection up to three times (B's policy decision, B's inbound
  // and A's outbound access log): count connections, keyed by A's address and port.
  const seen = new Set<string>()
  const keep = (r: MeshAccessRecord) => {
    if (!matchesPair(r, selector)) return
    if (r.source === 'ztunnel' && r.srcAddr && /:\d+$/.test(r.srcAddr)) {
      const k = `${r.outcome}|${r.srcAddr}`
      if (seen.has(k)) return
      seen.add(k)
    }
    out.count[r.outcome]++
    const prev = out.latest[r.outcome]
    if (r.time && (!prev || r.time > prev)) out.latest[r.outcome] = r.time
    const list = r.outcome === 'denied' ? out.denied : r.outcome === 'allowed' ? out.allowed : out.errors
    if (list.length < 200) list.push(r)
  }
  const reads: Array<Promise<void>> = []
  for (const pod of ztunnels.items.filter((p) => nodes.size === 0 || nodes.has(p.spec?.nodeName))) {
    reads.push((async () => {
      for await (const r of parseZtunnelLog(cluster.podLogs('istio-system', pod.metadata.name, {container: 'istio-proxy', sinceSeconds: opts.sinceSeconds, timeoutMs: opts.timeoutMs}), {mustContain})) keep(r)
    })())
  }
  for (const pod of who.waypoint?.pods ?? []) {
    reads.push((async () => {
      for await (const r of parseWaypointLog(cluster.podLogs(who.waypoint!.namespace, pod.metadata.name, {container: 'istio-proxy', sinceSeconds: opts.sinceSeconds, timeoutMs: opts.timeoutMs}))) keep(r)
    })())
  }
  await Promise.all(reads)
  return out
}

async function tetragonEvidence(cluster: Cluster, state: PairState, who: PairIdentity, opts: EvidenceOptions) {
  const namespaces = state.pairNamespaces
  const events: ProcessEventRecord[] = []
  const podNames = new Set([...who.podsA, ...who.podsB].map((p) => p.metadata.name))
  const mine = (e: ProcessEventRecord) => e.pod !== undefined && podNames.has(e.pod)
  if (opts.tetragonServer) {
    const {createTetragonClient} = await import('../layers/tetragon/events/index.js')
    const client = await createTetragonClient({address: opts.tetragonServer, timeoutMs: opts.timeoutMs})
    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(), opts.tetragonListenMs ?? 2000)
    try {
      for await (const e of client.events({namespaces, podRegex: [...podNames].map((n) => `^${n}$`)}, ac.signal)) if (mine(e)) events.push(e)
    } finally {
      clearTimeout(timer)
      client.close()
    }
    return {events}
  }
  const {parseTetragonStream} = await import('../layers/tetragon/events/index.js')
  const nodes = new Set([...nodesOf(who.podsA), ...nodesOf(who.podsB)])
  const agents = await (who.agents?.tetragon ?? cluster.pods('kube-system', {labelSelector: TETRAGON_SELECTOR}))
  if (!agents.ok) throw new Error(`tetragon pods: ${agents.reason}`)
  await Promise.all(agents.items.filter((p) => nodes.size === 0 || nodes.has(p.spec?.nodeName)).map(async (pod) => {
    for await (const e of parseTetragonStream(cluster.podLogs('kube-system', pod.metadata.name, {container: 'export-stdout', sinceSeconds: opts.sinceSeconds, timeoutMs: opts.timeoutMs}), {namespaces})) if (mine(e) && events.length < 1000) events.push(e)
  }))
  return {events}
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms) })]).finally(() => clearTimeout(timer))
}

const formatMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`)

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`

const isError = (x: unknown): x is {error: string} => typeof x === 'object' && x !== null && 'error' in x

/** Attaches evidence to its layer and applies "the datapath is the truth" on contradictions. */
export function annotateWithEvidence(bundle: EvidenceBundle, warnings: string[]): (r: LayerResult) => LayerResult {
  return (r) => {
    if (r.layer === 'l4' && bundle.hubble) return annotateL4(r, bundle.hubble, warnings)
    if (r.layer === 'l7' && bundle.mesh) return annotateL7(r, bundle.mesh, warnings)
    if (r.layer === 'runtime' && bundle.tetragon && isError(bundle.tetragon)) return {...r, reasons: [...r.reasons, `Tetragon events unavailable: ${bundle.tetragon.error}`]}
    return r
  }
}

function annotateL4(r: LayerResult, h: NonNullable<EvidenceBundle['hubble']>, warnings: string[]): LayerResult {
  // Said on the L4 line itself: the verdict stands on the policies alone.
  if (isError(h)) return {...r, summary: `${r.summary}; Hubble unavailable: ${h.error}`, reasons: [...r.reasons, `Hubble evidence unavailable: ${h.error}`]}
  const evidence: Evidence[] = [...r.evidence, {kind: 'HubbleFlows', source: 'hubble', detail: h.text, count: h.drops}, ...h.deniedBy.map((d) => ({kind: 'PolicyDeny', source: 'hubble', detail: `denied by ${d}`}))]
  const out = {...r, summary: h.drops + h.forwarded > 0 ? `${r.summary}; ${h.text}` : r.summary, evidence}
  const allowedByEval = r.status === 'PASS' || r.status === 'WARN'
  const dropsLatest = h.lastDrop !== undefined && (h.lastForward === undefined || h.lastDrop > h.lastForward)
  if (allowedByEval && h.policyDrops > 0 && dropsLatest) {
    const w = `Hubble shows ${plural(h.policyDrops, 'policy drop')} for this pair although the policies allow it: the datapath is the truth (agent not yet updated, identity not propagated, or a policy the CLI cannot see)`
    warnings.push(w)
    return {...out, status: 'DENY', summary: `datapath drops the traffic; ${out.summary}`, warnings: [...out.warnings, w]}
  }
  if (r.status === 'DENY' && h.forwarded > 0 && !dropsLatest && h.lastForward !== undefined) {
    const w = `Hubble forwarded ${plural(h.forwarded, 'flow')} for this pair although the policies deny it: the datapath is the truth (the agent may still run older policies)`
    warnings.push(w)
    return {...out, status: 'WARN', summary: `datapath forwards the traffic; ${out.summary}`, warnings: [...out.warnings, w]}
  }
  return out
}

function annotateL7(r: LayerResult, m: NonNullable<EvidenceBundle['mesh']>, warnings: string[]): LayerResult {
  if (isError(m)) return {...r, reasons: [...r.reasons, `ztunnel/waypoint evidence unavailable: ${m.error}`]}
  const evidence: Evidence[] = [...r.evidence, ...m.denied.slice(0, 5).map((d) => ({kind: d.source === 'waypoint' ? 'WaypointAccessLog' : 'ZtunnelLog', source: d.source, time: d.time, detail: d.error ?? d.policy ?? d.message ?? 'denied'}))]
  const parts: string[] = []
  if (m.count.denied) parts.push(`${plural(m.count.denied, 'RBAC denial')} (${m.denied[0].error ?? m.denied[0].policy ?? 'denied'})`)
  if (m.count.error) parts.push(`${plural(m.count.error, 'connection error')} (${m.errors[0].error ?? 'error'})`)
  const out = {...r, evidence, summary: parts.length ? `${r.summary}; mesh logs: ${parts.join(', ')}` : r.summary}
  const lastDenied = m.latest.denied
  const lastAllowed = m.latest.allowed
  if ((r.status === 'PASS' || r.status === 'WARN') && lastDenied && (!lastAllowed || lastDenied > lastAllowed)) {
    const w = `ztunnel/waypoint logs show ${plural(m.count.denied, 'authorization denial')} for this pair although the policies allow it: the datapath is the truth`
    warnings.push(w)
    return {...out, status: 'DENY', summary: `mesh denies the traffic; ${out.summary}`, warnings: [...out.warnings, w]}
  }
  if (r.status === 'DENY' && lastAllowed && (!lastDenied || lastAllowed > lastDenied)) {
    const w = `ztunnel logs show ${plural(m.count.allowed, 'completed connection')} for this pair although the policies deny it: the datapath is the truth`
    warnings.push(w)
    return {...out, status: 'WARN', summary: `mesh allows the traffic; ${out.summary}`, warnings: [...out.warnings, w]}
  }
  return out
}

export function tetragonEvents(bundle: EvidenceBundle): ProcessEventRecord[] | undefined {
  return bundle.tetragon && !isError(bundle.tetragon) ? bundle.tetragon.events : undefined
}

export type {ReadResult}
