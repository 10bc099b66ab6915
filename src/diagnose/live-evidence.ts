// Live evidence for one pair (LATTICE-SPEC §9.5): Hubble flows (L4), ztunnel and waypoint
// access logs (L7), Tetragon events (runtime). Every source is optional, bounded in time
// and read in parallel; a failed source is reported, never fatal. When the evidence
// contradicts the evaluation, the datapath is the truth and the layer line says so.

import type {Cluster, PairState, ReadResult} from '../cluster/index.js'
import {notAsked, notAskedSources, unavailable, type EvidenceRead, type EvidenceSourceName, type EvidenceSourceState, type FlowRecord, type MeshAccessRecord, type ProcessEventRecord} from '../core/evidence.js'
import type {HubbleClientOptions, HubbleCoverage} from '../layers/cilium/hubble/client.js'
import {openRelayReader, type RelayReader} from '../layers/cilium/hubble/relay-read.js'
import type {DirectedFlowFilter} from '../layers/cilium/hubble/direction.js'
import type {MatchedFlow} from '../layers/cilium/hubble/reader.js'
import {describeFlowSummary, summarizeFlows} from '../layers/cilium/hubble/summary.js'
import {connectionKey, onPorts} from '../layers/istio/logs/match.js'
import type {KubeObject} from '../core/kube.js'
import type {Evidence, LayerResult} from '../core/result.js'
import type {EventSink} from './model.js'

/** Where the evidence agents' APIs are, when given (flags shared by the pair and triage). */
export interface EvidenceServers {
  hubbleServer?: string
  hubbleTls?: boolean
  hubbleCa?: string
  hubbleServerName?: string
  tetragonServer?: string
  /** How long to listen on Tetragon's live gRPC stream (it has no history). */
  tetragonListenMs?: number
}

export interface EvidenceOptions extends EvidenceServers {
  sinceSeconds: number
  timeoutMs: number
}

export interface PairIdentity {
  srcIdentity: string
  dstIdentity: string
  podsA: KubeObject[]
  podsB: KubeObject[]
  waypoint?: {namespace: string; name: string; pods: KubeObject[]}
  /** B's service FQDN (`payments.commerce.svc.cluster.local`): A's ztunnel names it on the hop to a waypoint. */
  targetService?: string
  /** Agent pod listings already in flight (listEvidenceAgents); listed here otherwise. */
  agents?: EvidenceAgents
}

export interface EvidenceAgents {
  ztunnels?: Promise<ReadResult<KubeObject>>
  tetragon?: Promise<ReadResult<KubeObject>>
  /** Relay reader already connecting (--hubble-server given); the flows are asked once the pods are known. */
  hubble?: Promise<RelayReader>
}

const ZTUNNEL_SELECTOR = 'app=ztunnel'
const TETRAGON_SELECTOR = 'app.kubernetes.io/name=tetragon'

/**
 * Starts the agent pod listings (ztunnel, and Tetragon when it is read from its logs). They
 * depend on nothing of the pair, so they go out with the first fan-out instead of costing a
 * round trip of their own after the pair's state is in.
 */
export function listEvidenceAgents(cluster: Cluster, opts: Pick<EvidenceOptions, 'tetragonServer'> & Partial<EvidenceOptions>, relay?: Promise<RelayReader>): EvidenceAgents {
  const agents: EvidenceAgents = {
    ztunnels: cluster.pods('istio-system', {labelSelector: ZTUNNEL_SELECTOR}),
    ...(opts.tetragonServer ? {} : {tetragon: cluster.pods('kube-system', {labelSelector: TETRAGON_SELECTOR})}),
  }
  // The readers' modules load while the first reads are on the wire (the CPU is idle then),
  // not later, when loading them would hold back the log requests behind the compile.
  void import('../layers/istio/logs/index.js').catch(() => undefined)
  void import('../layers/tetragon/events/index.js').catch(() => undefined)
  const reader = relay ?? openRelayEarly(opts)
  if (reader) agents.hubble = reader
  return agents
}

/**
 * With a known Relay address (and the deadline its calls get), its reader (a worker thread
 * when built) connects now: gRPC loading and the channel are ready by the time the pods are.
 * The live pair calls this before it even reads the kubeconfig, so the worker's start runs
 * on the other core while the main thread loads the Kubernetes client and sends the first wave.
 */
export function openRelayEarly(opts: Partial<EvidenceOptions>): Promise<RelayReader> | undefined {
  if (!opts.hubbleServer || opts.timeoutMs === undefined) return undefined
  const clientOptions = hubbleClientOptions(opts.hubbleServer, {...opts, timeoutMs: opts.timeoutMs})
  try {
    // Synchronously: relay-read loads nothing heavy, and a worker created now boots on the
    // other core while this thread loads the Kubernetes client.
    return Promise.resolve(openRelayReader(clientOptions))
  } catch (error) {
    const failed = Promise.reject(error as Error)
    failed.catch(() => undefined)
    return failed
  }
}

function hubbleClientOptions(address: string, opts: Partial<EvidenceOptions> & {timeoutMs: number}): HubbleClientOptions {
  return {address, timeoutMs: opts.timeoutMs, ...(opts.hubbleTls ? {tls: true} : {}), ...(opts.hubbleCa ? {caFile: opts.hubbleCa} : {}), ...(opts.hubbleServerName ? {serverName: opts.hubbleServerName} : {})}
}

/** Most records kept per source for the annotation (counts in the state stay exact). */
const KEEP = 20_000

export interface EvidenceBundle {
  /** One state per source, in the order hubble, ztunnel, waypoint, tetragon. */
  sources: EvidenceSourceState[]
  /** Flows of the pair's hops: 0 = A→B, 1 = A→waypoint, 2 = waypoint→B. */
  hubble?: {flows: MatchedFlow[]; since: Date; coverage?: HubbleCoverage; viaWaypoint: boolean}
  mesh?: {ztunnel: MeshAccessRecord[]; waypoint: MeshAccessRecord[]; viaWaypoint: boolean}
  tetragon?: {events: ProcessEventRecord[]}
}

/** What the evaluation knows once it picked B's port(s): the wire port(s) and the application ports. */
export interface EvidenceContext {
  /** HBONE 15008 for an ambient pair, else B's target port(s). */
  wirePorts?: number[]
  /** B's service and target ports (what ztunnel and waypoint records name). */
  appPorts?: number[]
}

const principalOf = (id: string) => (id.startsWith('spiffe://') ? id.slice('spiffe://'.length) : id)
const ip = (p: KubeObject) => (typeof p.status?.podIP === 'string' ? (p.status.podIP as string) : undefined)
const podRef = (p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`
const nodesOf = (pods: KubeObject[]) => new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => typeof n === 'string'))
const ipsOf = (pods: KubeObject[]) => pods.map(ip).filter((x): x is string => Boolean(x))

/** When the agent's container started (its log holds nothing older). */
function startedAt(pod: KubeObject, container: string): string | undefined {
  const statuses = (pod.status?.containerStatuses ?? []) as Array<{name?: string; state?: {running?: {startedAt?: string}}}>
  return statuses.find((c) => c.name === container)?.state?.running?.startedAt
}

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
  const track = async <T extends {states: EvidenceSourceState[]}>(source: string, names: EvidenceSourceName[], fn: () => Promise<T>): Promise<T | {states: EvidenceSourceState[]}> => {
    emit?.({type: 'source-started', source})
    const t0 = performance.now()
    try {
      // One budget per source, from its own start: the sources run in parallel, so a dead one
      // costs one --request-timeout, not two or three on top of the others.
      // The readers stop themselves at --request-timeout and keep what came (partial); this
      // outer bound, a little later, only catches a source that ignores its own deadline.
      const bound = Math.round(opts.timeoutMs * SOURCE_GRACE)
      const out = await withTimeout(fn(), bound, `${source}: no answer within ${formatMs(bound)}`)
      emit?.({type: 'source-finished', source, ms: performance.now() - t0})
      return out
    } catch (err) {
      const reason = (err as Error).message
      emit?.({type: 'source-failed', source, ms: performance.now() - t0, reason})
      return {states: names.map((n) => unavailable(n, reason))}
    }
  }
  const [hubble, mesh, tetragon] = await Promise.all([
    track('hubble', ['hubble'], () => hubbleEvidence(cluster, who, opts, hubbleSent).finally(hubbleSent)),
    track('ztunnel/waypoint logs', ['ztunnel', 'waypoint'], () => meshEvidence(cluster, who, opts)),
    track('tetragon', ['tetragon'], () => tetragonEvidence(cluster, state, who, opts)),
  ])
  void state
  return {
    sources: [...hubble.states, ...mesh.states, ...tetragon.states],
    ...('flows' in hubble ? {hubble: hubble.flows} : {}),
    ...('records' in mesh ? {mesh: mesh.records} : {}),
    ...('events' in tetragon && tetragon.events ? {tetragon: {events: tetragon.events}} : {}),
  }
}

/** Hops of A→B as Hubble sees them: direct, or through B's waypoint (§10.2). */
export function pairFlowFilter(who: PairIdentity): DirectedFlowFilter {
  const a = {pods: who.podsA.map(podRef), ips: ipsOf(who.podsA)}
  const b = {pods: who.podsB.map(podRef), ips: ipsOf(who.podsB)}
  const hops: DirectedFlowFilter['hops'] = [{from: a, to: b, name: 'direct'}]
  if (who.waypoint && who.waypoint.pods.length > 0) {
    const w = {pods: who.waypoint.pods.map(podRef), ips: ipsOf(who.waypoint.pods)}
    hops.push({from: a, to: w, name: 'to waypoint'}, {from: w, to: b, name: 'waypoint to target'})
  }
  return {hops}
}

async function hubbleEvidence(cluster: Cluster, who: PairIdentity, opts: EvidenceOptions, sent?: () => void) {
  const early = who.agents?.hubble
  if (who.podsA.length === 0 || who.podsB.length === 0) {
    void early?.then((r) => r.close(), () => undefined)
    return {states: [notAsked('hubble', `no pods of the ${who.podsA.length === 0 ? 'source' : 'target'}: no flows to look for`)]}
  }
  let close = () => {}
  let address = opts.hubbleServer
  if (!address) {
    const fwd = await cluster.portForward({namespace: 'kube-system', service: 'hubble-relay', port: 80})
    if (!fwd.ok) return {states: [unavailable('hubble', `port-forward to kube-system/hubble-relay: ${fwd.reason}`)]}
    address = `127.0.0.1:${fwd.forward.localPort}`
    close = () => fwd.forward.close()
  }
  const reader = early && opts.hubbleServer ? await early : openRelayReader(hubbleClientOptions(address, opts))
  try {
    const since = new Date(Date.now() - opts.sinceSeconds * 1000)
    if (sent) void reader.connected().then(sent)
    // A backstop just after the gRPC deadline (which names itself in the reason).
    const backstop = Math.round(opts.timeoutMs * 1.1)
    const filter = pairFlowFilter(who)
    const read = await reader.read({filter, since, keep: KEEP, backstopMs: backstop})
    let state = read.state
    if (state.state === 'unavailable') return {states: [state]}
    // Relay still streaming at the read deadline: what came is used, and said to be partial.
    if (read.stopped) state = {...state, state: 'partial', reason: `hubble: stopped at the read deadline (${formatMs(backstop)}); later flows not read`}
    return {states: [state], flows: {flows: read.flows, since, ...(read.coverage ? {coverage: read.coverage} : {}), viaWaypoint: filter.hops.length > 1}}
  } finally {
    reader.close()
    close()
  }
}

async function meshEvidence(cluster: Cluster, who: PairIdentity, opts: EvidenceOptions) {
  const {readMeshLog} = await import('../layers/istio/logs/index.js')
  const nodes = new Set([...nodesOf(who.podsA), ...nodesOf(who.podsB)])
  const since = new Date(Date.now() - opts.sinceSeconds * 1000)
  const selector = {
    srcIdentity: who.srcIdentity, dstIdentity: who.dstIdentity,
    srcIps: ipsOf(who.podsA), dstIps: ipsOf(who.podsB),
    srcPods: who.podsA.map((p) => p.metadata.name), dstPods: who.podsB.map((p) => p.metadata.name),
    ...(who.targetService ? {dstServices: [who.targetService]} : {}),
  }
  const logOf = (ns: string, pod: KubeObject) => ({
    agent: `${ns}/${pod.metadata.name}`,
    input: cluster.podLogs(ns, pod.metadata.name, {container: 'istio-proxy', sinceSeconds: opts.sinceSeconds, timeoutMs: opts.timeoutMs}),
    ...(startedAt(pod, 'istio-proxy') ? {startedAt: startedAt(pod, 'istio-proxy')} : {}),
  })
  const collect = async (read: EvidenceRead<MeshAccessRecord>) => {
    const out: MeshAccessRecord[] = []
    for await (const r of read.records) if (out.length < KEEP) out.push(r)
    return {records: out, state: read.state()}
  }

  const ztunnelRead = (async () => {
    const ztunnels = await (who.agents?.ztunnels ?? cluster.pods('istio-system', {labelSelector: ZTUNNEL_SELECTOR}))
    if (!ztunnels.ok) return {records: [], state: unavailable('ztunnel', `ztunnel pods (istio-system, ${ZTUNNEL_SELECTOR}): ${ztunnels.reason}`)}
    const onNodes = ztunnels.items.filter((p) => nodes.size === 0 || nodes.has(p.spec?.nodeName))
    if (onNodes.length === 0) return {records: [], state: notAsked('ztunnel', `no ztunnel pod (istio-system, ${ZTUNNEL_SELECTOR}) on the pair's nodes`)}
    // A record matches only if its destination is B by identity, pod name, IP or service, and
    // each of those appears verbatim in the line: lines naming none of them (most of a ztunnel
    // log: other pairs, xds, dns) are skipped before parsing.
    const mustContain = fewestNeedles([principalOf(who.dstIdentity), ...selector.dstPods, ...selector.dstIps.flatMap((a) => [a, a.toUpperCase()]), ...(who.targetService ? [who.targetService] : [])])
    return collect(readMeshLog('ztunnel', onNodes.map((p) => logOf('istio-system', p)), {filter: selector, window: {since}, mustContain}))
  })()
  const waypointRead = who.waypoint && who.waypoint.pods.length > 0
    ? collect(readMeshLog('waypoint', who.waypoint.pods.map((p) => logOf(who.waypoint!.namespace, p)), {filter: selector, window: {since}}))
    : Promise.resolve({records: [] as MeshAccessRecord[], state: notAsked('waypoint', who.waypoint ? `waypoint ${who.waypoint.namespace}/${who.waypoint.name} has no pod` : 'no waypoint on the path')})
  const [z, w] = await Promise.all([ztunnelRead, waypointRead])
  const read = (s: EvidenceSourceState) => s.state === 'read' || s.state === 'partial'
  return {
    states: [z.state, w.state],
    // Records of a source that is unavailable are not used: its state says it was not read.
    ...(read(z.state) || read(w.state) ? {records: {ztunnel: read(z.state) ? z.records : [], waypoint: read(w.state) ? w.records : [], viaWaypoint: Boolean(who.waypoint)}} : {}),
  }
}

/**
 * The same pre-filter with fewer passes over each log chunk: duplicates go (an IPv4 address
 * is its own upper case), and so does a needle that contains another one (a line holding
 * it also holds the shorter one, so it is kept either way).
 */
export function fewestNeedles(needles: string[]): string[] {
  const unique = [...new Set(needles.filter((n) => n.length > 0))]
  return unique.filter((n) => !unique.some((m) => m !== n && n.includes(m)))
}

async function tetragonEvidence(cluster: Cluster, state: PairState, who: PairIdentity, opts: EvidenceOptions) {
  const namespaces = state.pairNamespaces
  const pods = [...who.podsA, ...who.podsB].map(podRef)
  if (pods.length === 0) return {states: [notAsked('tetragon', 'no pods of the pair')]}
  const filter = {namespaces, pods}
  const events: ProcessEventRecord[] = []
  if (opts.tetragonServer) {
    const {createTetragonClient, readTetragonGrpc} = await import('../layers/tetragon/events/index.js')
    const client = await createTetragonClient({address: opts.tetragonServer, timeoutMs: opts.timeoutMs})
    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(), opts.tetragonListenMs ?? 2000)
    try {
      const read = readTetragonGrpc(client, {filter, window: {since: new Date()}}, ac.signal)
      for await (const e of read.records) if (events.length < KEEP) events.push(e)
      const s = read.state()
      return s.state === 'unavailable' ? {states: [s]} : {states: [s], events}
    } finally {
      clearTimeout(timer)
      client.close()
    }
  }
  const {readTetragonLogs} = await import('../layers/tetragon/events/index.js')
  const nodes = new Set([...nodesOf(who.podsA), ...nodesOf(who.podsB)])
  const agents = await (who.agents?.tetragon ?? cluster.pods('kube-system', {labelSelector: TETRAGON_SELECTOR}))
  if (!agents.ok) return {states: [unavailable('tetragon', `tetragon pods (kube-system, ${TETRAGON_SELECTOR}): ${agents.reason}`)]}
  const onNodes = agents.items.filter((p) => nodes.size === 0 || nodes.has(p.spec?.nodeName))
  if (onNodes.length === 0) return {states: [notAsked('tetragon', `no tetragon pod (kube-system, ${TETRAGON_SELECTOR}) on the pair's nodes`)]}
  const read = readTetragonLogs(onNodes.map((pod) => ({
    agent: `kube-system/${pod.metadata.name}`,
    input: cluster.podLogs('kube-system', pod.metadata.name, {container: 'export-stdout', sinceSeconds: opts.sinceSeconds, timeoutMs: opts.timeoutMs}),
    ...(startedAt(pod, 'export-stdout') ? {startedAt: startedAt(pod, 'export-stdout')} : {}),
  })), {filter, window: {since: new Date(Date.now() - opts.sinceSeconds * 1000)}})
  for await (const e of read.records) if (events.length < KEEP) events.push(e)
  const s = read.state()
  return s.state === 'unavailable' ? {states: [s]} : {states: [s], events}
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms) })]).finally(() => clearTimeout(timer))
}

/** How much later than the readers' own deadline a whole source is given up. */
const SOURCE_GRACE = 1.25

const formatMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`)

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`

const stateOf = (bundle: EvidenceBundle, source: EvidenceSourceName) => bundle.sources.find((s) => s.source === source)

/** States for a run that read no evidence (`--no-evidence`, offline). */
export function evidenceNotAsked(reason: string): EvidenceSourceState[] {
  return notAskedSources(reason)
}

/** A source that was asked for and could not be read (wholly or in part) is a warning (§10.14). */
export function evidenceWarnings(bundle: EvidenceBundle): string[] {
  const out: string[] = []
  for (const s of bundle.sources) {
    if (s.state === 'unavailable') out.push(`${s.source} evidence unavailable: ${s.reason ?? 'no answer'}`)
    else if (s.state === 'partial') out.push(`${s.source} evidence incomplete: ${s.reason ?? 'partly read'}`)
  }
  return out
}

/** Attaches evidence to its layer and applies "the datapath is the truth" on contradictions. */
export function annotateWithEvidence(bundle: EvidenceBundle, warnings: string[]): (r: LayerResult, ctx?: EvidenceContext) => LayerResult {
  return (r, ctx = {}) => {
    if (r.layer === 'l4') return annotateL4(r, bundle, ctx, warnings)
    if (r.layer === 'l7') return annotateL7(r, bundle, ctx, warnings)
    const t = stateOf(bundle, 'tetragon')
    if (r.layer === 'runtime' && t?.state === 'unavailable') return {...r, reasons: [...r.reasons, `Tetragon events unavailable: ${t.reason}`]}
    return r
  }
}

const onWire = (ports: number[] | undefined) => (f: MatchedFlow) => !ports || ports.length === 0 || (f.destinationPort !== undefined && ports.includes(f.destinationPort))
const latest = (flows: MatchedFlow[], pred: (f: MatchedFlow) => boolean) => {
  let t: string | undefined
  for (const f of flows) if (pred(f) && (t === undefined || f.time > t)) t = f.time
  return t
}
const isPolicyDrop = (f: FlowRecord) => f.verdict === 'DROPPED' && (f.dropReason ?? '').startsWith('POLICY_')

function annotateL4(r: LayerResult, bundle: EvidenceBundle, ctx: EvidenceContext, warnings: string[]): LayerResult {
  const state = stateOf(bundle, 'hubble')
  // Said on the L4 line itself: the verdict stands on the policies alone.
  if (state?.state === 'unavailable') return {...r, summary: `${r.summary}; Hubble unavailable: ${state.reason}`, reasons: [...r.reasons, `Hubble evidence unavailable: ${state.reason}`]}
  const h = bundle.hubble
  if (!h) return r
  // Through a waypoint the path is A→waypoint and waypoint→B (§10.2); a direct A→B flow is
  // not on it. Only flows on the wire port count (§10.14).
  const path = h.viaWaypoint ? [1, 2] : [0]
  const flows = h.flows.filter((f) => path.includes(f.hop)).filter(onWire(ctx.wirePorts))
  if (state) state.recordsMatched = flows.length
  const s = summarizeFlows(flows, {since: h.since}, h.coverage)
  const text = describeFlowSummary(s)
  const deniedBy = s.deniedBy.map((p) => `${p.kind ?? 'policy'} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`)
  const evidence: Evidence[] = [...r.evidence, {kind: 'HubbleFlows', source: 'hubble', detail: text, count: s.drops}, ...deniedBy.map((d) => ({kind: 'PolicyDeny', source: 'hubble', detail: `denied by ${d}`}))]
  const forwarded = flows.filter((f) => f.verdict === 'FORWARDED')
  const incomplete = state?.state === 'partial' ? [`Hubble evidence incomplete: ${state.reason}`] : []
  const out = {...r, summary: s.drops + forwarded.length > 0 ? `${r.summary}; ${text}` : r.summary, evidence, reasons: [...r.reasons, ...incomplete]}
  // Per hop: are its latest flows drops or forwards?
  const hops = path.map((hop) => {
    const mine = flows.filter((f) => f.hop === hop)
    const lastDrop = latest(mine, isPolicyDrop)
    const lastForward = latest(mine, (f) => f.verdict === 'FORWARDED')
    return {dropsLatest: lastDrop !== undefined && (lastForward === undefined || lastDrop > lastForward), forwards: lastForward !== undefined && (lastDrop === undefined || lastForward > lastDrop)}
  })
  // Deduplicated like the line's count (a drop notification and its policy verdict are one packet).
  const policyDrops = Object.entries(s.dropsByReason).filter(([reason]) => reason.startsWith('POLICY_')).reduce((n, [, c]) => n + c, 0)
  const allowedByEval = r.status === 'PASS' || r.status === 'WARN'
  if (allowedByEval && hops.some((x) => x.dropsLatest)) {
    const w = `Hubble shows ${plural(policyDrops, 'policy drop')} for this pair although the policies allow it: the datapath is the truth (agent not yet updated, identity not propagated, or a policy the CLI cannot see)`
    warnings.push(w)
    return {...out, status: 'DENY', summary: `datapath drops the traffic; ${out.summary}`, warnings: [...out.warnings, w]}
  }
  // Overturning a denial needs forwards of A→B on every hop of the path, later than any
  // drop, in a complete read: a read cut short may have missed the later drops.
  if (r.status === 'DENY' && state?.state === 'read' && hops.every((x) => x.forwards)) {
    const w = `Hubble forwarded ${plural(forwarded.length, 'flow')} for this pair although the policies deny it: the datapath is the truth (the agent may still run older policies)`
    warnings.push(w)
    return {...out, status: 'WARN', summary: `datapath forwards the traffic; ${out.summary}`, warnings: [...out.warnings, w]}
  }
  return out
}

const SEVERITY: Record<MeshAccessRecord['outcome'], number> = {allowed: 0, error: 1, denied: 2}

/**
 * One count per connection (ztunnel logs one on the client's node, on the server's node, and
 * the policy decision) or per waypoint request; a connection takes its most severe outcome.
 */
function tallyMesh(records: MeshAccessRecord[]) {
  const byKey = new Map<string, MeshAccessRecord>()
  const loose: MeshAccessRecord[] = []
  for (const r of records) {
    const k = connectionKey(r as MeshAccessRecord & {requestId?: string})
    if (k === undefined) {
      loose.push(r)
      continue
    }
    const prev = byKey.get(k)
    if (!prev || SEVERITY[r.outcome] > SEVERITY[prev.outcome] || (SEVERITY[r.outcome] === SEVERITY[prev.outcome] && r.time > prev.time)) byKey.set(k, r)
  }
  const all = [...byKey.values(), ...loose]
  const of = (o: MeshAccessRecord['outcome']) => all.filter((r) => r.outcome === o).sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
  const denied = of('denied')
  const allowed = of('allowed')
  const errors = of('error')
  return {denied, allowed, errors, latest: {denied: denied[0]?.time, allowed: allowed[0]?.time}}
}

function annotateL7(r: LayerResult, bundle: EvidenceBundle, ctx: EvidenceContext, warnings: string[]): LayerResult {
  const z = stateOf(bundle, 'ztunnel')
  const w = stateOf(bundle, 'waypoint')
  const down = [z, w].filter((s): s is EvidenceSourceState => s?.state === 'unavailable')
  const reasons = [...down.map((s) => `${s.source} evidence unavailable: ${s.reason}`),
    ...[z, w].filter((s) => s?.state === 'partial').map((s) => `${s!.source} evidence incomplete: ${s!.reason}`)]
  const m = bundle.mesh
  if (!m) return reasons.length ? {...r, reasons: [...r.reasons, ...reasons]} : r
  const ports = ctx.appPorts
  const ztunnel = m.ztunnel.filter((x) => onPorts(x, ports))
  const waypoint = m.waypoint.filter((x) => onPorts(x, ports))
  if (z && z.state !== 'unavailable' && z.state !== 'not-asked') z.recordsMatched = ztunnel.length
  if (w && w.state !== 'unavailable' && w.state !== 'not-asked') w.recordsMatched = waypoint.length
  // Through a waypoint the L7 decision is the waypoint's: A's completed connection to the
  // waypoint says nothing about whether the waypoint let the request through to B.
  const counted = [...(m.viaWaypoint ? ztunnel.filter((x) => x.outcome !== 'allowed') : ztunnel), ...waypoint]
  const t = tallyMesh(counted)
  const evidence: Evidence[] = [...r.evidence, ...t.denied.slice(0, 5).map((d) => ({kind: d.source === 'waypoint' ? 'WaypointAccessLog' : 'ZtunnelLog', source: d.source, time: d.time, detail: d.error ?? d.policy ?? d.message ?? 'denied'}))]
  const parts: string[] = []
  if (t.denied.length) parts.push(`${plural(t.denied.length, 'RBAC denial')} (${t.denied[0].error ?? t.denied[0].policy ?? 'denied'})`)
  if (t.errors.length) parts.push(`${plural(t.errors.length, 'connection error')} (${t.errors[0].error ?? 'error'})`)
  const out = {...r, evidence, reasons: [...r.reasons, ...reasons], summary: parts.length ? `${r.summary}; mesh logs: ${parts.join(', ')}` : r.summary}
  const lastDenied = t.latest.denied
  const lastAllowed = t.latest.allowed
  if ((r.status === 'PASS' || r.status === 'WARN') && lastDenied && (!lastAllowed || lastDenied > lastAllowed)) {
    const msg = `ztunnel/waypoint logs show ${plural(t.denied.length, 'authorization denial')} for this pair although the policies allow it: the datapath is the truth`
    warnings.push(msg)
    return {...out, status: 'DENY', summary: `mesh denies the traffic; ${out.summary}`, warnings: [...out.warnings, msg]}
  }
  // As at L4, a denial is overturned only on complete reads of the sources that decide.
  const complete = z?.state !== 'partial' && z?.state !== 'unavailable' && (!m.viaWaypoint || w?.state === 'read')
  if (r.status === 'DENY' && complete && lastAllowed && (!lastDenied || lastAllowed > lastDenied)) {
    const msg = `${m.viaWaypoint ? 'waypoint' : 'ztunnel'} logs show ${plural(t.allowed.length, m.viaWaypoint ? 'allowed request' : 'completed connection')} for this pair although the policies deny it: the datapath is the truth`
    warnings.push(msg)
    return {...out, status: 'WARN', summary: `mesh allows the traffic; ${out.summary}`, warnings: [...out.warnings, msg]}
  }
  return out
}

export function tetragonEvents(bundle: EvidenceBundle): ProcessEventRecord[] | undefined {
  return bundle.tetragon?.events
}

export type {ReadResult}
