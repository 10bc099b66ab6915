// In-process Hubble Relay imitation for the live benchmark: @grpc/grpc-js serving the
// project's OWN proto/hubble subset (never ../shared), holding FLOWS generated flows. GetFlows
// applies the request like Hubble does: since/until window, whitelist filters (fields of one
// filter ANDed, filters ORed; source_pod/destination_pod are "ns/pod" prefixes), verdicts,
// `number` (the last N, or the first N with first=true).
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type * as GrpcJs from '@grpc/grpc-js'
import type {ClusterModel, PodInfo} from './model.js'
import {rng} from './model.js'

type Obj = Record<string, any>

const PROTO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto', 'hubble')
// The client's loader options (src/layers/cilium/hubble/client.ts).
const LOADER_OPTIONS = {keepCase: false, longs: String, enums: String, defaults: true, oneofs: true}

interface StoredFlow {
  t: number
  src: string
  dst: string
  verdict: string
  msg: Obj
}

function endpoint(p: PodInfo, identity: number): Obj {
  return {ID: identity % 4000, identity, namespace: p.namespace, labels: [`k8s:app.kubernetes.io/name=${p.app}`, `k8s:io.kubernetes.pod.namespace=${p.namespace}`], podName: p.name, workloads: [{name: p.app, kind: 'Deployment'}], clusterName: 'bench'}
}

export function generateFlows(model: ClusterModel, count: number, now = Date.now()): StoredFlow[] {
  const rand = rng(4242)
  const ident = (p: PodInfo) => 40000 + (Number(p.name.slice(-5)) >> 1)
  const out: StoredFlow[] = []
  const span = 10 * 60_000
  for (let i = 0; i < count; i++) {
    const t = now - span + Math.floor((i / count) * span)
    let s: PodInfo
    let d: PodInfo
    let verdict = 'FORWARDED'
    let reply = false
    const r = rand()
    if (r < 0.01) {
      // The pair: A → B requests (40% dropped by policy) and B → A replies.
      reply = rand() < 0.3
      const a = model.pairPods.a[i % model.pairPods.a.length]
      const b = model.pairPods.b[i % model.pairPods.b.length]
      ;[s, d] = reply ? [b, a] : [a, b]
      if (!reply && rand() < 0.4) verdict = 'DROPPED'
    } else {
      s = model.pods[Math.floor(rand() * model.pods.length)]
      d = model.pods[Math.floor(rand() * model.pods.length)]
      if (rand() < 0.05) verdict = 'DROPPED'
      reply = rand() < 0.3
    }
    const dropped = verdict === 'DROPPED'
    const msg: Obj = {
      flow: {
        time: {seconds: String(Math.floor(t / 1000)), nanos: (t % 1000) * 1e6},
        verdict,
        IP: {source: s.ip, destination: d.ip, ipVersion: 'IPv4'},
        l4: {TCP: {sourcePort: 40000 + (i % 20000), destinationPort: 15008}},
        source: endpoint(s, ident(s)),
        destination: endpoint(d, ident(d)),
        Type: 'L3_L4',
        nodeName: s.node,
        eventType: {type: dropped ? 1 : 4, subType: dropped ? 133 : 0},
        trafficDirection: 'EGRESS',
        ...(dropped ? {dropReasonDesc: 'POLICY_DENIED', egressDeniedBy: [{name: 'default-deny', namespace: '', labels: [], revision: '12', kind: 'CiliumClusterwideNetworkPolicy'}]} : {}),
        isReply: {value: reply},
        Summary: `TCP Flags: ${reply ? 'ACK' : 'SYN'}`,
      },
      nodeName: s.node,
      time: {seconds: String(Math.floor(t / 1000)), nanos: (t % 1000) * 1e6},
    }
    out.push({t, src: `${s.namespace}/${s.name}`, dst: `${d.namespace}/${d.name}`, verdict, msg})
  }
  return out
}

function tsMs(ts: Obj | null | undefined): number | undefined {
  if (!ts || ts.seconds === undefined) return undefined
  const ms = Number(ts.seconds) * 1000 + Math.floor(Number(ts.nanos ?? 0) / 1e6)
  return ms > 0 ? ms : undefined
}

function prefixes(list: unknown): string[] | undefined {
  return Array.isArray(list) && list.length > 0 ? list.map(String) : undefined
}

function matchesFilter(f: Obj, flow: StoredFlow): boolean {
  const sp = prefixes(f.sourcePod)
  if (sp && !sp.some((p) => flow.src.startsWith(p))) return false
  const dp = prefixes(f.destinationPod)
  if (dp && !dp.some((p) => flow.dst.startsWith(p))) return false
  const v = prefixes(f.verdict)
  if (v && !v.includes(flow.verdict)) return false
  return true
}

export interface RunningHubble {
  address: string
  stats: {lastStreamed: number; lastMatched: number}
  close(): void
}

export async function startHubble(model: ClusterModel, count: number, opts: {filter: boolean} = {filter: true}): Promise<RunningHubble> {
  const grpcMod = (await import('@grpc/grpc-js')) as Obj
  const loaderMod = (await import('@grpc/proto-loader')) as Obj
  // CommonJS modules: module.exports is the default export under ESM (tsx may flatten it).
  const grpc = (grpcMod.default ?? grpcMod) as typeof GrpcJs
  const loader = (loaderMod.default?.load ? loaderMod.default : loaderMod) as typeof import('@grpc/proto-loader')
  const def = await loader.load('observer/observer.proto', {...LOADER_OPTIONS, includeDirs: [PROTO_DIR]})
  const pkg = grpc.loadPackageDefinition(def) as Obj
  const flows = generateFlows(model, count)
  const stats = {lastStreamed: 0, lastMatched: 0}
  const server = new grpc.Server()
  server.addService(pkg.observer.Observer.service, {
    ServerStatus(_call: unknown, cb: (err: null, res: Obj) => void) {
      cb(null, {numFlows: String(flows.length), maxFlows: String(131071), seenFlows: String(flows.length * 3), uptimeNs: String(3_600e9), numConnectedNodes: {value: 20}, numUnavailableNodes: {value: 0}, unavailableNodes: [], version: '1.19.0-bench', flowsRate: 160})
    },
    GetFlows(call: GrpcJs.ServerWritableStream<Obj, Obj>) {
      const req = call.request
      const since = tsMs(req.since)
      const until = tsMs(req.until)
      const white: Obj[] = opts.filter && Array.isArray(req.whitelist) ? req.whitelist : []
      let selected = flows.filter((f) => (since === undefined || f.t >= since) && (until === undefined || f.t <= until) &&
        (white.length === 0 || white.some((w) => matchesFilter(w, f))))
      if (white.length > 0) stats.lastMatched = selected.length
      const n = Number(req.number ?? 0)
      if (n > 0) selected = req.first ? selected.slice(0, n) : selected.slice(-n)
      let i = 0
      let cancelled = false
      call.on('cancelled', () => (cancelled = true))
      const pump = () => {
        while (i < selected.length && !cancelled) {
          const ok = call.write(selected[i++].msg)
          if (!ok) return void call.once('drain', pump)
        }
        stats.lastStreamed = i
        if (!cancelled) call.end()
      }
      pump()
    },
  })
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))))
  return {address: `127.0.0.1:${port}`, stats, close: () => server.forceShutdown()}
}
