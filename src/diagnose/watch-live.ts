// Following one pair's evidence on a live cluster: thin `follow` wrappers over the existing
// clients (Hubble GetFlows follow=true, pod logs follow=true with sinceTime, Tetragon's
// GetEvents stream). Every follower ends quietly when the signal aborts; a follower that
// fails reports it once and the others go on.

import type {LivePair} from './live.js'
import type {EvidenceOptions} from './live-evidence.js'
import {flowRecord, killRecord, meshRecord, type PairPods, type WatchRecord} from './watch.js'

export interface WatchSink {
  record(r: WatchRecord): void
  /** A source could not be followed (or stopped with an error). */
  failed(source: string, reason: string): void
}

const podRef = (p: {metadata: {namespace?: string; name: string}}) => `${p.metadata.namespace}/${p.metadata.name}`
const nodesOf = (pods: LivePair['podsA']) => new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => typeof n === 'string'))
const ip = (p: LivePair['podsA'][number]) => (typeof p.status?.podIP === 'string' ? (p.status.podIP as string) : undefined)

/** Starts every follower; resolves when all have ended (abort the signal to stop). */
export async function followPair(pair: LivePair, opts: Pick<EvidenceOptions, 'hubbleServer' | 'hubbleTls' | 'hubbleCa' | 'hubbleServerName' | 'tetragonServer' | 'timeoutMs'>, sink: WatchSink, signal: AbortSignal): Promise<void> {
  const pods: PairPods = {a: new Set(pair.podsA.map((p) => p.metadata.name)), b: new Set(pair.podsB.map((p) => p.metadata.name))}
  const since = new Date()
  const guard = (source: string, run: () => Promise<void>) => run().catch((err: unknown) => {
    if (!signal.aborted) sink.failed(source, (err as Error).message)
  })
  await Promise.all([
    guard('hubble', () => followHubble(pair, opts, pods, since, sink, signal)),
    guard('ztunnel/waypoint logs', () => followMeshLogs(pair, since, sink, signal)),
    guard('tetragon', () => followTetragon(pair, opts, pods, since, sink, signal)),
  ])
}

export async function followHubble(pair: LivePair, opts: Parameters<typeof followPair>[1], pods: PairPods, since: Date, sink: WatchSink, signal: AbortSignal): Promise<void> {
  const {createHubbleClient} = await import('../layers/cilium/hubble/index.js')
  let address = opts.hubbleServer
  let close = () => {}
  if (!address) {
    const fwd = await pair.cluster.portForward({namespace: 'kube-system', service: 'hubble-relay', port: 80})
    if (!fwd.ok) throw new Error(`port-forward to kube-system/hubble-relay: ${fwd.reason}`)
    address = `127.0.0.1:${fwd.forward.localPort}`
    close = () => fwd.forward.close()
  }
  const client = await createHubbleClient({address, timeoutMs: opts.timeoutMs, ...(opts.hubbleTls ? {tls: true} : {}), ...(opts.hubbleCa ? {caFile: opts.hubbleCa} : {}), ...(opts.hubbleServerName ? {serverName: opts.hubbleServerName} : {})})
  try {
    const query = {since, follow: true, verdicts: ['DROPPED'], sourcePod: pair.podsA.map(podRef), destinationPod: pair.podsB.map(podRef), bothDirections: true}
    for await (const r of client.flows(query, signal)) {
      if (!('verdict' in r)) continue
      const rec = flowRecord(r, pods)
      if (rec) sink.record(rec)
    }
  } finally {
    client.close()
    close()
  }
}

export async function followMeshLogs(pair: LivePair, since: Date, sink: WatchSink, signal: AbortSignal): Promise<void> {
  const {parseZtunnelLog, parseWaypointLog, matchesPair} = await import('../layers/istio/logs/index.js')
  const nodes = new Set([...nodesOf(pair.podsA), ...nodesOf(pair.podsB)])
  const ztunnels = await pair.cluster.pods('istio-system', {labelSelector: 'app=ztunnel'})
  if (!ztunnels.ok) throw new Error(`ztunnel pods: ${ztunnels.reason}`)
  const selector = {
    srcIdentity: pair.srcIdentity, dstIdentity: pair.dstIdentity,
    srcIps: pair.podsA.map(ip).filter((x): x is string => Boolean(x)), dstIps: pair.podsB.map(ip).filter((x): x is string => Boolean(x)),
    srcPods: pair.podsA.map((p) => p.metadata.name), dstPods: pair.podsB.map((p) => p.metadata.name),
  }
  const follow = {container: 'istio-proxy', follow: true, sinceTime: since.toISOString(), signal}
  const keep = (r: Parameters<typeof matchesPair>[0]) => {
    if (!matchesPair(r, selector)) return
    const rec = meshRecord(r)
    if (rec) sink.record(rec)
  }
  const reads: Array<Promise<void>> = []
  for (const pod of ztunnels.items.filter((p) => nodes.size === 0 || nodes.has(p.spec?.nodeName))) {
    reads.push((async () => { for await (const r of parseZtunnelLog(pair.cluster.podLogs('istio-system', pod.metadata.name, follow))) keep(r) })())
  }
  for (const pod of pair.waypoint?.pods ?? []) {
    reads.push((async () => { for await (const r of parseWaypointLog(pair.cluster.podLogs(pair.waypoint!.namespace, pod.metadata.name, follow))) keep(r) })())
  }
  await Promise.all(reads)
}

export async function followTetragon(pair: LivePair, opts: Parameters<typeof followPair>[1], pods: PairPods, since: Date, sink: WatchSink, signal: AbortSignal): Promise<void> {
  const names = [...pods.a, ...pods.b]
  if (opts.tetragonServer) {
    const {createTetragonClient} = await import('../layers/tetragon/events/index.js')
    const client = await createTetragonClient({address: opts.tetragonServer, timeoutMs: opts.timeoutMs})
    try {
      for await (const e of client.events({namespaces: pair.namespaces, podRegex: names.map((n) => `^${n}$`)}, signal)) {
        const rec = killRecord(e, pods)
        if (rec) sink.record(rec)
      }
    } finally {
      client.close()
    }
    return
  }
  const {parseTetragonStream} = await import('../layers/tetragon/events/index.js')
  const nodes = new Set([...nodesOf(pair.podsA), ...nodesOf(pair.podsB)])
  const agents = await pair.cluster.pods('kube-system', {labelSelector: 'app.kubernetes.io/name=tetragon'})
  if (!agents.ok) throw new Error(`tetragon pods: ${agents.reason}`)
  await Promise.all(agents.items.filter((p) => nodes.size === 0 || nodes.has(p.spec?.nodeName)).map(async (pod) => {
    const logs = pair.cluster.podLogs('kube-system', pod.metadata.name, {container: 'export-stdout', follow: true, sinceTime: since.toISOString(), signal})
    for await (const e of parseTetragonStream(logs, {namespaces: pair.namespaces})) {
      const rec = e.pod && (pods.a.has(e.pod) || pods.b.has(e.pod)) ? killRecord(e, pods) : undefined
      if (rec) sink.record(rec)
    }
  }))
}
