// `platform debug triage` against the cluster (issue 9.1, live): every denial of the window
// read from the evidence readers with namespace-wide filters — Hubble Relay (verdict DROPPED,
// the namespace or none, since), every ztunnel's log, the waypoints' logs, Tetragon (its
// export-stdout logs or GetEvents) — grouped as offline, then each group's pair diagnosed by
// the live pair pipeline against ONE shared connection whose reads are cached for the run
// (namespaces, policies, Cedar, discovery are read once, however many groups need them), with
// bounded concurrency. Records stream through; only the groups are kept (memory flat).

import {GATEWAY_NAME_LABEL, type CompileOptions} from '../../core/constants.js'
import {InconclusiveError, InputError} from '../../core/errors.js'
import {notAsked, unavailable, type EvidenceRead, type EvidenceSourceState, type MeshAccessRecord, type ProcessEventRecord} from '../../core/evidence.js'
import type {KubeObject} from '../../core/kube.js'
import {connect, RESOURCES, type Cluster, type ConnectOptions, type ReadResult} from '../../cluster/index.js'
import {denialFromEvent, denialFromFlow, denialFromMesh, partyText, type Denial, type DenialLayer, type EvidenceSource} from './denials.js'
import {DenialGroups, type DenialGroup} from './groups.js'
import type {EvidenceServers} from '../live-evidence.js'
import {AddressBook, inScope, runtimeVerdict, TRIAGE_API_VERSION, ztunnelDenial, type Resolve, type SourceCoverage, type TriageReport, type TriageRow, type TriageVerdict} from './run.js'

/** tetragonListenMs defaults to 2s here. */
export interface LiveTriageRequest extends EvidenceServers {
  /** Undefined: the context's namespace, as kubectl; ignored with allNamespaces. */
  namespace?: string
  /** -A: every namespace. */
  allNamespaces?: boolean
  layers?: DenialLayer[]
  sinceSeconds: number
  connect: ConnectOptions
  /** Bounds each evidence stream (Hubble GetFlows, each pod log), body included. Default 60s. */
  readTimeoutMs?: number
  profile: CompileOptions['profile']
  trustDomain?: string
  maxDiagnosed?: number
  /** Pairs diagnosed at once. Default 4. */
  concurrency?: number
}

const ZTUNNEL_SELECTOR = 'app=ztunnel'
const TETRAGON_SELECTOR = 'app.kubernetes.io/name=tetragon'
/** Lines that can hold an authorization rejection (istio/logs isAuthorizationRejection, policy decisions): the rest of a ztunnel log is skipped unparsed. */
const ZTUNNEL_DENIAL_NEEDLES = ['policy rejection', 'due to policy change', '401 Unauthorized', '403 Forbidden', 'explicitly denied', 'but none allowed', 'RBAC']
const SOURCES: EvidenceSource[] = ['hubble', 'ztunnel', 'waypoint', 'tetragon']
const LAYER_OF: Record<EvidenceSource, DenialLayer> = {hubble: 'l4', ztunnel: 'l7', waypoint: 'l7', tetragon: 'runtime'}

/** Reads that may be memoized for a run: the same GET asked twice gets the first answer. */
const CACHED = new Set(['list', 'get'])

/**
 * The connection with every list/get cached for the run: each pair diagnosis reads what it
 * needs, and the state shared between pairs (CCNPs, Cedar policies, a namespace's CNPs and
 * AuthorizationPolicies, discovery) is read once. Logs and port-forwards are not cached.
 */
export function sharedCluster(cluster: Cluster): Cluster & {reads(): number} {
  const cache = new Map<string, Promise<unknown>>()
  return new Proxy(cluster, {
    get(target, prop, receiver) {
      if (prop === 'reads') return () => cache.size
      const value = Reflect.get(target, prop, receiver)
      if (typeof prop !== 'string' || typeof value !== 'function' || !CACHED.has(prop)) return value
      return (...args: unknown[]) => {
        // The arguments are plain data (a ResourceDef, a namespace, selectors); a signal is not part of the question.
        const key = `${prop}|${JSON.stringify(args, (k, v) => (k === 'signal' ? undefined : v))}`
        let hit = cache.get(key)
        if (!hit) cache.set(key, (hit = (value as (...a: unknown[]) => Promise<unknown>).apply(receiver, args)))
        return hit
      }
    },
  }) as Cluster & {reads(): number}
}

const startedAt = (pod: KubeObject, container: string) => ((pod.status?.containerStatuses ?? []) as Array<{name?: string; state?: {running?: {startedAt?: string}}}>).find((c) => c.name === container)?.state?.running?.startedAt

interface Collector {
  groups: DenialGroups
  book: AddressBook
  scope: {namespace?: string; layers?: DenialLayer[]}
}

/** Drains one reader into the groups; the coverage is the reader's state plus the denials kept. */
async function drain<T>(read: EvidenceRead<T>, toDenial: (r: T) => Denial | undefined, c: Collector): Promise<SourceCoverage> {
  let denials = 0
  // Replies and the reverse direction never reach here: the Hubble reader keeps the forward
  // direction only (flowHop), and ztunnelDenial counts a connection at its destination.
  for await (const r of read.records) {
    c.book.learn(r)
    const raw = toDenial(r)
    const d = raw && raw.layer === 'l7' ? {...raw, source: c.book.resolve(raw.source)} : raw
    if (!d || !inScope(d, c.scope)) continue
    denials++
    c.groups.add(d)
  }
  return coverageOf(read.state(), denials)
}

function coverageOf(s: EvidenceSourceState, denials: number): SourceCoverage {
  return {
    source: s.source, state: s.state, records: s.recordsRead ?? 0, denials,
    ...(s.lostEvents ? {lostEvents: s.lostEvents} : {}),
    ...(s.window ? {from: s.window.from, to: s.window.to} : {}),
    ...(s.agents ? {agents: s.agents} : {}),
    ...(s.reason ? {reason: s.reason} : {}),
  }
}

/** Whatever goes wrong in a source (the readers never throw; connecting may) is that source's state. */
async function guarded(source: EvidenceSource, fn: () => Promise<SourceCoverage>): Promise<SourceCoverage> {
  try {
    return await fn()
  } catch (err) {
    return coverageOf(unavailable(source, `${source}: ${(err as Error).message}`), 0)
  }
}

async function readHubble(cluster: Cluster, req: LiveTriageRequest, since: Date, c: Collector): Promise<SourceCoverage> {
  const {createHubbleClient, readHubbleRelay} = await import('../../layers/cilium/hubble/index.js')
  let address = req.hubbleServer
  let close = () => {}
  if (!address) {
    const fwd = await cluster.portForward({namespace: 'kube-system', service: 'hubble-relay', port: 80})
    if (!fwd.ok) return coverageOf(unavailable('hubble', `port-forward to kube-system/hubble-relay: ${fwd.reason}`), 0)
    address = `127.0.0.1:${fwd.forward.localPort}`
    close = () => fwd.forward.close()
  }
  const client = await createHubbleClient({address, timeoutMs: req.readTimeoutMs ?? 60_000, ...(req.hubbleTls ? {tls: true} : {}), ...(req.hubbleCa ? {caFile: req.hubbleCa} : {}), ...(req.hubbleServerName ? {serverName: req.hubbleServerName} : {})})
  try {
    // Both directions of the namespace (a denial from or to it); -A: no endpoint filter.
    const ns = req.namespace
    const filter = {hops: ns ? [{from: {namespaces: [ns]}, to: {}}, {from: {}, to: {namespaces: [ns]}}] : [{from: {}, to: {}}]}
    const read = readHubbleRelay(client, {filter, window: {since}, verdicts: ['DROPPED']})
    return await drain(read, (f) => denialFromFlow(f), c)
  } finally {
    client.close()
    close()
  }
}

function logStreams(cluster: Cluster, pods: KubeObject[], container: string, req: LiveTriageRequest) {
  return pods.map((p) => ({
    agent: `${p.metadata.namespace}/${p.metadata.name}`,
    input: cluster.podLogs(p.metadata.namespace!, p.metadata.name, {container, sinceSeconds: req.sinceSeconds, timeoutMs: req.readTimeoutMs ?? 60_000}),
    ...(startedAt(p, container) ? {startedAt: startedAt(p, container)} : {}),
  }))
}

async function readZtunnel(cluster: Cluster, req: LiveTriageRequest, since: Date, c: Collector): Promise<SourceCoverage> {
  const ztunnels = await cluster.pods('istio-system', {labelSelector: ZTUNNEL_SELECTOR})
  if (!ztunnels.ok) return coverageOf(unavailable('ztunnel', `ztunnel pods (istio-system, ${ZTUNNEL_SELECTOR}): ${ztunnels.reason}`), 0)
  if (ztunnels.items.length === 0) return coverageOf(notAsked('ztunnel', `no ztunnel pod (istio-system, ${ZTUNNEL_SELECTOR})`), 0)
  const {readMeshLog} = await import('../../layers/istio/logs/index.js')
  // Every node's ztunnel: the client's and the server's node both log a connection; the
  // server's inbound record is the one counted (ztunnelDenial).
  const read = readMeshLog('ztunnel', logStreams(cluster, ztunnels.items, 'istio-proxy', req), {filter: {}, window: {since}, mustContain: ZTUNNEL_DENIAL_NEEDLES})
  return drain(read, ztunnelDenial, c)
}

/** Waypoint pods of the namespace, or (-A) of every ambient namespace. */
async function waypointPods(cluster: Cluster, namespace: string | undefined): Promise<ReadResult<KubeObject>> {
  const selector = {labelSelector: GATEWAY_NAME_LABEL}
  if (namespace) return cluster.pods(namespace, selector)
  const namespaces = await cluster.list(RESOURCES.namespaces, undefined, {labelSelector: 'istio.io/dataplane-mode=ambient'})
  if (!namespaces.ok) return namespaces
  const lists = await Promise.all(namespaces.items.map((n) => cluster.pods(n.metadata.name, selector)))
  const failed = lists.find((l) => !l.ok)
  return failed && !failed.ok ? failed : {ok: true, items: lists.flatMap((l) => (l.ok ? l.items : []))}
}

async function readWaypoints(cluster: Cluster, req: LiveTriageRequest, since: Date, c: Collector): Promise<SourceCoverage> {
  const pods = await waypointPods(cluster, req.namespace)
  if (!pods.ok) return coverageOf(unavailable('waypoint', `waypoint pods (${GATEWAY_NAME_LABEL}): ${pods.reason}`), 0)
  if (pods.items.length === 0) return coverageOf(notAsked('waypoint', `no waypoint pod in ${req.namespace ? `namespace ${req.namespace}` : 'any ambient namespace'}`), 0)
  const {readMeshLog} = await import('../../layers/istio/logs/index.js')
  const read = readMeshLog('waypoint', logStreams(cluster, pods.items, 'istio-proxy', req), {filter: {}, window: {since}})
  return drain(read, (r: MeshAccessRecord) => denialFromMesh(r), c)
}

async function readTetragon(cluster: Cluster, req: LiveTriageRequest, since: Date, c: Collector): Promise<SourceCoverage> {
  const filter = {namespaces: req.namespace ? [req.namespace] : [], types: ['kprobe' as const]}
  const toDenial = (e: ProcessEventRecord) => denialFromEvent(e)
  const events = await import('../../layers/tetragon/events/index.js')
  if (req.tetragonServer) {
    const client = await events.createTetragonClient({address: req.tetragonServer, timeoutMs: req.connect.requestTimeoutMs ?? 10_000})
    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(), req.tetragonListenMs ?? 2000)
    try {
      return await drain(events.readTetragonGrpc(client, {filter, window: {since}}, ac.signal), toDenial, c)
    } finally {
      clearTimeout(timer)
      client.close()
    }
  }
  const agents = await cluster.pods('kube-system', {labelSelector: TETRAGON_SELECTOR})
  if (!agents.ok) return coverageOf(unavailable('tetragon', `tetragon pods (kube-system, ${TETRAGON_SELECTOR}): ${agents.reason}`), 0)
  if (agents.items.length === 0) return coverageOf(notAsked('tetragon', `no tetragon pod (kube-system, ${TETRAGON_SELECTOR})`), 0)
  return drain(events.readTetragonLogs(logStreams(cluster, agents.items, 'export-stdout', req), {filter, window: {since}}), toDenial, c)
}

/** Reads every denial of the window into groups, each source on its own (one dead source leaves the others). */
export async function readLiveDenials(cluster: Cluster, req: LiveTriageRequest, groups = new DenialGroups()): Promise<{groups: DenialGroups; sources: SourceCoverage[]}> {
  const since = new Date(Date.now() - req.sinceSeconds * 1000)
  const c: Collector = {groups, book: new AddressBook(), scope: {...(req.namespace ? {namespace: req.namespace} : {}), ...(req.layers ? {layers: req.layers} : {})}}
  const wanted = (s: EvidenceSource) => !req.layers || req.layers.includes(LAYER_OF[s])
  const skip = (s: EvidenceSource) => Promise.resolve(coverageOf(notAsked(s, `--layer ${req.layers?.join(',')}`), 0))
  const [hubble, ztunnel, tetragon] = await Promise.all([
    wanted('hubble') ? guarded('hubble', () => readHubble(cluster, req, since, c)) : skip('hubble'),
    wanted('ztunnel') ? guarded('ztunnel', () => readZtunnel(cluster, req, since, c)) : skip('ztunnel'),
    wanted('tetragon') ? guarded('tetragon', () => readTetragon(cluster, req, since, c)) : skip('tetragon'),
  ])
  // After the others: waypoint access logs name the caller only by address, which the
  // Hubble and ztunnel records just read have taught the address book.
  const waypoint = wanted('waypoint') ? await guarded('waypoint', () => readWaypoints(cluster, req, since, c)) : await skip('waypoint')
  const byName = {hubble, ztunnel, waypoint, tetragon}
  return {groups, sources: SOURCES.map((s) => byName[s])}
}

/** Runs `fn` over `items` with at most `limit` at once, results in order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker))
  return out
}

/** `ns/name` of every LatticeService and LatticeMeshMember of these namespaces (reads cached). */
async function latticeMembers(cluster: Cluster, namespaces: string[]): Promise<{known: Set<string>; unread: Map<string, string>}> {
  const known = new Set<string>()
  const unread = new Map<string, string>()
  await Promise.all(namespaces.map(async (ns) => {
    const [svcs, members] = await Promise.all([cluster.latticeServices(ns), cluster.latticeMeshMembers(ns)])
    for (const r of [svcs, members]) {
      if (r.ok) for (const o of r.items) known.add(`${ns}/${o.metadata.name}`)
      else if (r.status !== 'not-installed') unread.set(ns, r.reason)
    }
  }))
  return {known, unread}
}

const not = (explanation: string): TriageVerdict => ({status: 'NOT-DIAGNOSED', blockedAt: null, explanation})

/**
 * A group is a record of the datapath denying the traffic: a pair the policies allow is not
 * ALLOWED here (the datapath is the truth, LATTICE-SPEC §10.14), it is blocked at the layer
 * that denied it, with the contradiction said.
 */
function datapathWins(v: TriageVerdict, g: DenialGroup): TriageVerdict {
  if (v.status !== 'ALLOWED') return v
  const where = g.layer === 'l4' ? 'Cilium dropped' : 'the mesh denied'
  return {status: 'BLOCKED', blockedAt: g.layer, explanation: `the live policies allow ${partyText(g.source)} → ${partyText(g.destination)}, yet ${where} it ${g.count} times (last ${g.lastSeen}): the datapath is the truth (agent not yet updated, identity not propagated, or a policy the CLI cannot see)`}
}

/** Each group's pair through the live pair pipeline, against the shared connection; one diagnosis per distinct question. */
export async function diagnoseLiveGroups(cluster: Cluster, list: DenialGroup[], req: LiveTriageRequest): Promise<TriageRow[]> {
  const {diagnoseLive} = await import('../live.js')
  const namespaces = [...new Set(list.flatMap((g) => [g.source.namespace, g.destination.kind === 'workload' ? g.destination.namespace : undefined]).filter((n): n is string => Boolean(n)))]
  const {known, unread} = await latticeMembers(cluster, namespaces)
  const resolve: Resolve = (ns, name) => (ns && known.has(`${ns}/${name}`) ? `${ns}/${name}` : undefined)
  const notMember = (p: DenialGroup['source']) => unread.has(p.namespace ?? '')
    ? not(`cannot tell whether ${partyText(p)} is a Lattice service: ${unread.get(p.namespace ?? '')}`)
    : not(`${partyText(p)} is not a LatticeService or LatticeMeshMember in the cluster (plain workloads are not diagnosed yet)`)
  const cache = new Map<string, Promise<TriageVerdict>>()
  const limit = req.maxDiagnosed ?? 50
  const ask = (source: string, target: string, port: string | undefined) => diagnoseLive({
    source, target, ...(port ? {port} : {}), specPaths: [], profile: req.profile,
    ...(req.trustDomain ? {trustDomain: req.trustDomain} : {}),
    connect: req.connect, cluster,
    // The group is the evidence: the pair pipeline evaluates the live policies only.
    evidence: {enabled: false, sinceSeconds: req.sinceSeconds},
  })
  const question = async (source: string, target: string, port: number | undefined): Promise<TriageVerdict> => {
    const {verdictOf} = await import('./run.js')
    // HBONE 15008 or a container port that is no service port of B: every port of B instead.
    const wire = port !== undefined && port !== 15008 ? String(port) : undefined
    try {
      return verdictOf(await ask(source, target, wire))
    } catch (err) {
      if (wire && err instanceof InputError && err.message.startsWith(`--port '${wire}'`)) return verdictOf(await ask(source, target, undefined))
      throw err
    }
  }
  const externalQuestion = async (source: string, g: DenialGroup): Promise<TriageVerdict> => {
    const [{verdictOf}, {diagnoseExternalLive}, {parseExternalTarget}] = await Promise.all([import('./run.js'), import('../external-live.js'), import('../external-target.js')])
    const target = parseExternalTarget(`${g.destination.name}:${g.port ?? 443}${g.protocol === 'UDP' ? '/udp' : ''}`)
    return verdictOf(await diagnoseExternalLive({
      source, target, specPaths: [], profile: req.profile,
      ...(req.trustDomain ? {trustDomain: req.trustDomain} : {}),
      connect: req.connect, cluster,
      evidence: {enabled: false, sinceSeconds: req.sinceSeconds},
    }))
  }
  return mapLimit(list, req.concurrency ?? 4, async (g, i): Promise<TriageRow> => {
    if (i >= limit) return {...g, verdict: not(`not diagnosed: only the ${limit} most frequent groups are (--max-groups)`)}
    if (g.layer === 'runtime') return {...g, verdict: runtimeVerdict(g, resolve)}
    const source = resolve(g.source.namespace, g.source.name)
    if (!source) return {...g, verdict: notMember(g.source)}
    if (g.destination.kind === 'external') {
      // A drop to an address outside the cluster: the external pipeline, against the same connection.
      const key = `${source}|external|${g.destination.name}|${g.port ?? ''}|${g.protocol ?? ''}`
      if (!cache.has(key)) cache.set(key, externalQuestion(source, g).catch((err) => (err instanceof InputError || err instanceof InconclusiveError ? not((err as Error).message) : Promise.reject(err))))
      return {...g, verdict: datapathWins(await cache.get(key)!, g)}
    }
    if (g.destination.kind !== 'workload') return {...g, verdict: not(`${partyText(g.destination)} is not a workload`)}
    const target = resolve(g.destination.namespace, g.destination.name)
    if (!target) return {...g, verdict: notMember(g.destination)}
    const key = `${source}|${target}|${g.port ?? ''}`
    if (!cache.has(key)) {
      cache.set(key, question(source, target, g.port).catch((err) => (err instanceof InputError || err instanceof InconclusiveError ? not((err as Error).message) : Promise.reject(err))))
    }
    return {...g, verdict: datapathWins(await cache.get(key)!, g)}
  })
}

/** `stats.reads`: distinct GETs of the shared state (each asked once however many pairs need it). */
export async function triageLive(req: LiveTriageRequest, stats: {reads?: number} = {}): Promise<TriageReport> {
  const cluster = sharedCluster(await connect(req.connect))
  const {namespace: _ns, ...rest} = req
  req = req.allNamespaces ? rest : {...rest, namespace: _ns ?? cluster.namespace}
  const {groups, sources} = await readLiveDenials(cluster, req)
  const rows = await diagnoseLiveGroups(cluster, groups.list(), req)
  stats.reads = cluster.reads()
  return {
    apiVersion: TRIAGE_API_VERSION, kind: 'Triage', namespace: req.namespace ?? null,
    since: new Date(Date.now() - req.sinceSeconds * 1000).toISOString(),
    sources, denials: groups.denials, groups: rows,
  }
}
