// Live evidence in the formats the upstream components write (see ../shared/samples/README.md):
// ztunnel access logs (IstioFormat, plain), Tetragon export-stdout JSON lines, Hubble flows
// (protojson GetFlowsResponse) — rewritten for the seed 001 pair in `commerce`.
import {readFileSync} from 'node:fs'
import type {KubeObject} from '../../src/core/kube.js'
import {hasShared, sharedPath} from '../helpers/shared.js'
import {fromProtoJson, grpcJs, loadUpstream, startServer, type RunningServer} from '../evidence/upstreamGrpc.js'
import {IP_A, IP_B, NODE_A, NODE_B, NS, pod, POD_A, POD_B} from './fake-cluster.js'

const SRC_ID = `spiffe://cluster.local/ns/${NS}/sa/checkout`
const DST_ID = `spiffe://cluster.local/ns/${NS}/sa/payments`

/** An RFC 3339 time `secondsAgo` before now, with microseconds as ztunnel prints it. */
export const ago = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')

export const ztunnelPod = (node: string) => pod(`ztunnel-${node}`, 'ztunnel', {namespace: 'istio-system', ip: node === NODE_A ? '10.244.1.2' : '10.244.2.2', node, labels: {app: 'ztunnel'}, sa: 'ztunnel'})
export const tetragonPod = (node: string) => pod(`tetragon-${node}`, 'tetragon', {namespace: 'kube-system', ip: node === NODE_A ? '172.18.0.3' : '172.18.0.4', node, sa: 'tetragon'})
export const evidencePods = (): KubeObject[] => [ztunnelPod(NODE_A), ztunnelPod(NODE_B), tetragonPod(NODE_A), tetragonPod(NODE_B)]

const common = (port: number) =>
  `src.addr=${IP_A}:52214 src.workload="${POD_A}" src.namespace="${NS}" src.identity="${SRC_ID}" dst.addr=${IP_B}:15008 dst.hbone_addr=${IP_B}:${port} dst.service="payments.${NS}.svc.cluster.local" dst.workload="${POD_B}" dst.namespace="${NS}" dst.identity="${DST_ID}"`

/** B's ztunnel (worker-b): the policy decision and the inbound RBAC rejection, as in worker-b.plain.log. */
export function ztunnelDenials(secondsAgo = 60): string {
  const t = ago(secondsAgo)
  return [
    `${ago(600)}\tinfo\txds::client:xds{id=1}\tStream established\t`,
    `${t}\tinfo\tstate:proxy{wl=${NS}/${POD_B}}:inbound{id=0af7651916cd43dd8448eb211c80319c peer=${IP_A}:52214}\tno allow policies matched\t`,
    `${t}\terror\taccess\tconnection complete\t${common(8080)} direction="inbound" bytes_sent=0 bytes_recv=0 duration="0ms" error="connection closed due to policy rejection: allow policies exist, but none allowed"`,
  ].join('\n') + '\n'
}

/** A's ztunnel (worker-a): completed outbound connections only. */
export function ztunnelAllowed(secondsAgo = 30): string {
  const t = ago(secondsAgo)
  return [
    `${ago(600)}\tinfo\txds::client:xds{id=1}\tStream established\t`,
    `${t}\tinfo\taccess\tconnection complete\t${common(8080)} direction="outbound" bytes_sent=214 bytes_recv=1187 duration="38ms"`,
  ].join('\n') + '\n'
}

/** A Tetragon export-stdout line: `binary` exec'd from /bin/sh in checkout's pod, SIGKILLed in security_bprm_check. */
export function tetragonKill(binary: string, policy = 'allow-binaries-checkout', secondsAgo = 45): string {
  const t = ago(secondsAgo)
  const podInfo = {
    namespace: NS, name: POD_A, uid: '2c8e1f4a-6b3d-4e9f-a1c7-5d0b8e2f3a64',
    container: {id: 'containerd://975c17c595a7d44fdd0f99fcbb85422240fb66d371b82db0c4e015b50122d3a5', name: 'main',
      image: {id: 'registry.example.com/commerce/checkout@sha256:fa96df968def6f97ca023c64214bf52dbaa427251eadc01d1bb095365ddd8bb4', name: 'registry.example.com/commerce/checkout:1.0.0'},
      start_time: '2026-05-19T22:03:11Z', pid: 63, security_context: {}},
    pod_labels: {'app.kubernetes.io/name': 'checkout', 'pod-template-hash': '6f9c7d8b54'},
    workload: 'checkout', workload_kind: 'Deployment',
  }
  const event = {
    process_kprobe: {
      process: {exec_id: 'd29ya2VyLWE6MTczNDI5MDc4MjIxNzA0MDo0ODMwNQ==', pid: 48305, uid: 10001, cwd: '/', binary: '/bin/sh', arguments: `-c "${binary} http://payments:8080/"`,
        flags: 'execve clone', start_time: t, auid: 4294967295, pod: podInfo, docker: '975c17c595a7d44fdd0f99fcbb85422', parent_exec_id: 'd29ya2VyLWE6MzE5MDUzMjExMDg3MTozMTg3Nw==', refcnt: 1, tid: 48305, in_init_tree: true},
      parent: {exec_id: 'd29ya2VyLWE6MzE5MDUzMjExMDg3MTozMTg3Nw==', pid: 31877, uid: 10001, cwd: '/', binary: '/srv/checkout', flags: 'procFS auid', start_time: '2026-05-19T22:03:11.902118337Z', auid: 4294967295, pod: podInfo, tid: 31877, in_init_tree: true},
      function_name: 'security_bprm_check',
      args: [{linux_binprm_arg: {path: binary, permission: '-rwxr-xr-x'}}],
      action: 'KPROBE_ACTION_SIGKILL',
      policy_name: policy,
      return_action: 'KPROBE_ACTION_POST',
    },
    node_name: NODE_A,
    time: t,
    node_labels: {'kubernetes.io/hostname': NODE_A, 'kubernetes.io/os': 'linux'},
  }
  return `${JSON.stringify(event)}\n`
}

export const logKey = {
  ztunnel: (node: string) => `istio-system/ztunnel-${node}/istio-proxy`,
  tetragon: (node: string) => `kube-system/tetragon-${node}/export-stdout`,
}

/** The sample's checkout → payments HBONE drops (POLICY_DENIED on 15008), moved to `commerce` and to `secondsAgo`. */
export function hubbleDrops(secondsAgo = 30): Array<Record<string, unknown>> {
  if (!hasShared) return []
  const lines = readFileSync(sharedPath('samples', 'hubble', 'flows-shop.jsonl'), 'utf8').split('\n').filter((l) => l.includes('POLICY_DENIED'))
  return lines.map((l, i) => {
    const t = new Date(Date.now() - (secondsAgo - i) * 1000).toISOString()
    const j = JSON.parse(l.replace(/\bshop\b/g, NS).replace(/checkout-84f6b7c9d-zp4mn/g, POD_A).replace(/payments-7b4c9d6f8-qw2er/g, POD_B))
    j.time = t
    j.flow.time = t
    return j
  })
}

export type HubbleBehaviour = {kind: 'drops'} | {kind: 'unavailable-mid-stream'} | {kind: 'flows' | 'hang'; flows: Array<Record<string, unknown>>}

type End = {pod: string; ip: string}
export const ENDS = {a: {pod: POD_A, ip: IP_A}, b: {pod: POD_B, ip: IP_B}}

/**
 * A protojson GetFlowsResponse in the commerce pair's namespace, shaped like the sample's
 * flows (cilium/cilium api/v1/flow/flow.proto): `reply` undefined leaves is_reply absent,
 * as Hubble does for drops and traces with an unknown conntrack reason.
 */
export function commerceFlow(o: {src: End; dst: End; sport: number; dport: number; verdict: 'FORWARDED' | 'DROPPED'; type: 1 | 4 | 5
  reply?: boolean; dir: 'INGRESS' | 'EGRESS'; secondsAgo: number}): Record<string, unknown> {
  const t = new Date(Date.now() - o.secondsAgo * 1000).toISOString()
  const flow: Record<string, unknown> = {
    time: t, verdict: o.verdict,
    IP: {source: o.src.ip, destination: o.dst.ip, ipVersion: 'IPv4'},
    l4: {TCP: {source_port: o.sport, destination_port: o.dport}},
    source: {namespace: NS, pod_name: o.src.pod}, destination: {namespace: NS, pod_name: o.dst.pod},
    Type: 'L3_L4', node_name: `kind/${NODE_B}`, event_type: {type: o.type}, traffic_direction: o.dir,
  }
  if (o.verdict === 'DROPPED') flow.drop_reason_desc = 'POLICY_DENIED'
  if (o.reply !== undefined) Object.assign(flow, {is_reply: o.reply, reply: o.reply})
  return {flow, node_name: `kind/${NODE_B}`, time: t}
}

/** A Hubble Relay built from the upstream observer.proto. */
export async function startHubble(behaviour: HubbleBehaviour): Promise<RunningServer> {
  const {def, pkg} = await loadUpstream('hubble')
  const grpc = await grpcJs()
  const drops = (behaviour.kind === 'flows' || behaviour.kind === 'hang' ? behaviour.flows : hubbleDrops()).map((j) => fromProtoJson(def, 'observer.GetFlowsResponse', j))
  return startServer(pkg.observer.Observer.service, {
    GetFlows(call: any) {
      if (behaviour.kind !== 'unavailable-mid-stream') {
        for (const r of drops) call.write(r)
        // 'hang': a Relay still streaming (never ends the call); the client's deadline ends it.
        if (behaviour.kind !== 'hang') call.end()
        return
      }
      // One flow of payments' own connection to checkout (not A → B evidence), then the error.
      call.write(fromProtoJson(def, 'observer.GetFlowsResponse', commerceFlow({src: ENDS.b, dst: ENDS.a, sport: 41000, dport: 15008, verdict: 'FORWARDED', type: 5, reply: false, dir: 'EGRESS', secondsAgo: 5})))
      setTimeout(() => call.emit('error', {code: grpc.status.UNAVAILABLE, details: 'peer prod/worker-b is unreachable'}), 20)
    },
    ServerStatus(_call: any, cb: any) {
      cb(null, {num_flows: '4095', max_flows: '4095', seen_flows: '918273', uptime_ns: '86400000000000',
        num_connected_nodes: {value: 2}, num_unavailable_nodes: {value: 0}, version: '1.19.4', flows_rate: 37.5})
    },
  })
}
