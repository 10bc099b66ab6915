// In-process Hubble Relay for the live triage tests, built from the project's OWN
// proto/hubble subset (as bench/live/hubble.ts; nothing from ../shared), so these tests run
// everywhere. GetFlows answers with the given flows and records each request (the
// server-side filter the CLI sent). Flows are shaped like cilium/cilium api/v1/flow/flow.proto
// (is_reply is a BoolValue: absent on drops unless given).
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type * as GrpcJs from '@grpc/grpc-js'

type Obj = Record<string, any>
const PROTO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto', 'hubble')
const LOADER_OPTIONS = {keepCase: false, longs: String, enums: String, defaults: true, oneofs: true}

export interface End {
  namespace?: string
  pod?: string
  app?: string
  ip: string
}

export interface FlowSpec {
  src: End
  dst: End
  dport: number
  verdict: 'FORWARDED' | 'DROPPED'
  reply?: boolean
  secondsAgo: number
  proto?: 'TCP' | 'UDP'
  deniedBy?: string
}

const ts = (ms: number) => ({seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6})

function endpoint(e: End): Obj {
  if (!e.namespace) return {labels: ['reserved:world']}
  return {namespace: e.namespace, podName: e.pod ?? '', labels: e.app ? [`k8s:app.kubernetes.io/name=${e.app}`, `k8s:io.kubernetes.pod.namespace=${e.namespace}`] : [], identity: 40000}
}

/** A GetFlowsResponse message as @grpc/proto-loader takes it. */
export function flowMessage(f: FlowSpec, now = Date.now()): Obj {
  const t = now - f.secondsAgo * 1000
  const dropped = f.verdict === 'DROPPED'
  const proto = f.proto ?? 'TCP'
  return {
    flow: {
      time: ts(t), verdict: f.verdict,
      IP: {source: f.src.ip, destination: f.dst.ip, ipVersion: 'IPv4'},
      l4: {[proto]: {sourcePort: 40000 + (f.secondsAgo % 1000), destinationPort: f.dport}},
      source: endpoint(f.src), destination: endpoint(f.dst),
      Type: 'L3_L4', nodeName: 'kind/worker-b', eventType: {type: dropped ? 1 : 4, subType: dropped ? 133 : 0}, trafficDirection: 'EGRESS',
      ...(dropped ? {dropReasonDesc: 'POLICY_DENIED'} : {}),
      ...(dropped && f.deniedBy ? {egressDeniedBy: [{name: f.deniedBy, namespace: '', labels: [], revision: '3', kind: 'CiliumClusterwideNetworkPolicy'}]} : {}),
      ...(f.reply !== undefined ? {isReply: {value: f.reply}} : {}),
    },
    nodeName: 'kind/worker-b',
    time: ts(t),
  }
}

export interface FlowServer {
  address: string
  requests: Obj[]
  stop(): void
}

export async function startFlowServer(flows: FlowSpec[]): Promise<FlowServer> {
  const grpcMod = (await import('@grpc/grpc-js')) as Obj
  const loaderMod = (await import('@grpc/proto-loader')) as Obj
  const grpc = (grpcMod.default ?? grpcMod) as typeof GrpcJs
  const loader = (loaderMod.default?.load ? loaderMod.default : loaderMod) as typeof import('@grpc/proto-loader')
  const def = await loader.load('observer/observer.proto', {...LOADER_OPTIONS, includeDirs: [PROTO_DIR]})
  const pkg = grpc.loadPackageDefinition(def) as Obj
  const requests: Obj[] = []
  const now = Date.now()
  const server = new grpc.Server()
  server.addService(pkg.observer.Observer.service, {
    ServerStatus(_call: unknown, cb: (err: null, res: Obj) => void) {
      cb(null, {numFlows: String(flows.length), maxFlows: '4095', seenFlows: String(flows.length), uptimeNs: String(3_600e9), numConnectedNodes: {value: 2}, numUnavailableNodes: {value: 0}, unavailableNodes: [], version: '1.19.4', flowsRate: 1})
    },
    GetFlows(call: GrpcJs.ServerWritableStream<Obj, Obj>) {
      requests.push(call.request)
      for (const f of flows) call.write(flowMessage(f, now))
      call.end()
    },
  })
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))))
  return {address: `127.0.0.1:${port}`, requests, stop: () => server.forceShutdown()}
}

/** In-process Tetragon (FineGuidanceSensors.GetEvents, the project's proto/tetragon): SIGKILLs of `binary` in pods, then the stream stays open like the live one. */
export async function startTetragon(kills: Array<{namespace: string; pod: string; app: string; binary: string}>): Promise<FlowServer> {
  const grpcMod = (await import('@grpc/grpc-js')) as Obj
  const loaderMod = (await import('@grpc/proto-loader')) as Obj
  const grpc = (grpcMod.default ?? grpcMod) as typeof GrpcJs
  const loader = (loaderMod.default?.load ? loaderMod.default : loaderMod) as typeof import('@grpc/proto-loader')
  const def = await loader.load('tetragon/sensors.proto', {...LOADER_OPTIONS, includeDirs: [path.join(PROTO_DIR, '..')]})
  const pkg = grpc.loadPackageDefinition(def) as Obj
  const requests: Obj[] = []
  const server = new grpc.Server()
  server.addService(pkg.tetragon.FineGuidanceSensors.service, {
    GetEvents(call: GrpcJs.ServerWritableStream<Obj, Obj>) {
      requests.push(call.request)
      const now = Date.now()
      for (const k of kills) {
        const pod = {namespace: k.namespace, name: k.pod, podLabels: {'app.kubernetes.io/name': k.app}, workload: k.app, workloadKind: 'Deployment'}
        call.write({
          processKprobe: {
            process: {execId: 'x', binary: '/bin/sh', arguments: `-c ${k.binary}`, pod},
            parent: {execId: 'y', binary: `/srv/${k.app}`, pod},
            functionName: 'security_bprm_check', args: [{linuxBinprmArg: {path: k.binary, permission: '-rwxr-xr-x'}}],
            action: 'KPROBE_ACTION_SIGKILL', policyName: `allow-binaries-${k.app}`, returnAction: 'KPROBE_ACTION_POST',
          },
          nodeName: 'worker-a', time: ts(now),
        })
      }
      // A live stream: no end; the client stops listening.
    },
  })
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))))
  return {address: `127.0.0.1:${port}`, requests, stop: () => server.forceShutdown()}
}
