// Evidence belongs to one direction (LATTICE-SPEC §10.14), for every source and format:
// connections the other way round and replies, interleaved in the stream, never count.
// Upstream semantics followed:
// - Hubble: cilium/cilium api/v1/flow/flow.proto (`is_reply` = BoolValue field 26, absent
//   when unknown; `traffic_direction` field 22 = the connection's direction at the observing
//   endpoint) and pkg/hubble/parser/threefour/parser.go (decodeIsReply: true for CT_REPLY
//   traces, false for forwarded policy verdicts, absent for drops; decodeTrafficDirection
//   inverts the direction for replies).
// - ztunnel: istio/ztunnel src/proxy/metrics.rs (ConnectionResult logs `src.*` = the
//   originator on both the outbound and the inbound side, `direction` = which side logged),
//   src/state.rs (policy decision lines: `wl=` the server, `peer=` the client address).
// - waypoint: Envoy access log (istio/istio pilot/pkg/model/telemetry_logging.go
//   EnvoyTextLogFormat): DOWNSTREAM_REMOTE_ADDRESS is the caller, UPSTREAM_HOST the callee.
// - Tetragon: process.pod of each event (cilium/tetragon api/v1/tetragon/tetragon.proto).
import {readFileSync} from 'node:fs'
import {Readable} from 'node:stream'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {EvidenceRead} from '../../src/core/evidence.js'
import {createHubbleClient, flowFromJson, flowHop, readHubbleJsonl, readHubbleRelay, type DirectedFlowFilter} from '../../src/layers/cilium/hubble/index.js'
import {connectionKey, readMeshLog, type PairSelector} from '../../src/layers/istio/logs/index.js'
import {createTetragonClient, readTetragonGrpc, readTetragonLogs} from '../../src/layers/tetragon/events/index.js'
import {hasShared, sharedPath} from '../helpers/shared.js'
import {fromProtoJson, loadUpstream, startServer, type RunningServer} from './upstreamGrpc.js'

const sample = (...p: string[]) => (hasShared ? readFileSync(sharedPath('samples', ...p), 'utf8') : '')

async function drain<T>(read: EvidenceRead<T>): Promise<T[]> {
  const out: T[] = []
  for await (const r of read.records) out.push(r)
  return out
}

// ---- Hubble ----------------------------------------------------------------------------

const FRONTEND = {pods: ['shop/frontend-6c9f7d8b54-k2xqz'], ips: ['10.244.1.17']}
const CART = {pods: ['shop/cart-5d8f9c7b6d-7hjlm'], ips: ['10.244.2.34']}
const CHECKOUT = {pods: ['shop/checkout-84f6b7c9d-zp4mn'], ips: ['10.244.1.45']}
const PAYMENTS = {pods: ['shop/payments-7b4c9d6f8-qw2er'], ips: ['10.244.2.21']}
const WINDOW = {since: new Date('2026-05-20T09:00:00Z'), until: new Date('2026-05-20T09:30:00Z')}

/** A protojson GetFlowsResponse like the sample's (hubble observe -o jsonpb). */
function flowJson(o: {src: {pod: string; ip: string}; dst: {pod: string; ip: string}; sport: number; dport: number; verdict: 'FORWARDED' | 'DROPPED'
  type: 1 | 4 | 5; reply?: boolean; dir: 'INGRESS' | 'EGRESS'; t: string}) {
  const flow: Record<string, unknown> = {
    time: o.t, verdict: o.verdict,
    IP: {source: o.src.ip, destination: o.dst.ip, ipVersion: 'IPv4'},
    l4: {TCP: {source_port: o.sport, destination_port: o.dport}},
    source: {namespace: 'shop', pod_name: o.src.pod},
    destination: {namespace: 'shop', pod_name: o.dst.pod},
    Type: 'L3_L4', node_name: 'staging/worker-b', event_type: {type: o.type},
    traffic_direction: o.dir,
  }
  if (o.verdict === 'DROPPED') flow.drop_reason_desc = 'POLICY_DENIED'
  if (o.reply !== undefined) {
    flow.is_reply = o.reply
    flow.reply = o.reply
  }
  return {flow, node_name: 'staging/worker-b', time: o.t}
}

const A = {pod: 'checkout-84f6b7c9d-zp4mn', ip: '10.244.1.45'}
const B = {pod: 'payments-7b4c9d6f8-qw2er', ip: '10.244.2.21'}
/**
 * checkout → payments is dropped on 15008 (the sample's drops), while payments runs its own
 * connection to checkout: its first packets (payments → checkout, is_reply=false), checkout's
 * replies (checkout → payments, is_reply=true, from the wire port 15008 to an ephemeral
 * port), and a trace whose conntrack reason was unknown (is_reply absent).
 */
const interleaved = () => [
  flowJson({src: B, dst: A, sport: 41000, dport: 15008, verdict: 'FORWARDED', type: 5, reply: false, dir: 'EGRESS', t: '2026-05-20T09:14:20.000000001Z'}),
  ...sample('hubble', 'flows-shop.jsonl').split('\n').filter((l) => l.includes('38816')).map((l) => JSON.parse(l)),
  flowJson({src: A, dst: B, sport: 15008, dport: 41000, verdict: 'FORWARDED', type: 4, reply: true, dir: 'INGRESS', t: '2026-05-20T09:14:20.000000002Z'}),
  flowJson({src: B, dst: A, sport: 41000, dport: 15008, verdict: 'FORWARDED', type: 4, reply: false, dir: 'INGRESS', t: '2026-05-20T09:14:20.000000003Z'}),
  flowJson({src: A, dst: B, sport: 15008, dport: 41000, verdict: 'FORWARDED', type: 4, dir: 'EGRESS', t: '2026-05-20T09:14:20.000000004Z'}),
  // A reply in A→B's own port space (a B→A connection to A's port 15008 would look like this).
  flowJson({src: A, dst: B, sport: 33000, dport: 15008, verdict: 'FORWARDED', type: 4, reply: true, dir: 'INGRESS', t: '2026-05-20T09:14:20.000000005Z'}),
]
const checkoutToPayments: DirectedFlowFilter = {hops: [{from: CHECKOUT, to: PAYMENTS, ports: [15008]}]}

describe.skipIf(!hasShared)('Hubble: only A → B flows on the wire port, never replies (flow.proto is_reply, parser.go decodeIsReply)', () => {
  const flows = sample('hubble', 'flows-shop.jsonl').split('\n').filter(Boolean).map((l) => flowFromJson(JSON.parse(l))!)

  it('sample frontend → cart: the four forward flows count, the reply (is_reply=true, cart → frontend) does not', () => {
    const there = flows.filter((f) => flowHop(f, {hops: [{from: FRONTEND, to: CART}]}) === 0)
    expect(there.map((f) => `${f.eventType}:${f.trafficDirection}`)).toEqual(['5:EGRESS', '4:EGRESS', '5:INGRESS', '4:INGRESS'])
    // The reply travels cart → frontend: it is not evidence of a cart → frontend connection either.
    expect(flows.filter((f) => flowHop(f, {hops: [{from: CART, to: FRONTEND}]}) >= 0)).toEqual([])
  })

  it('the wire port decides: checkout → payments drops are on 15008 (HBONE), none on the app port', () => {
    expect(flows.filter((f) => flowHop(f, {hops: [{from: CHECKOUT, to: PAYMENTS, ports: [15008]}]}) === 0)).toHaveLength(3)
    expect(flows.filter((f) => flowHop(f, {hops: [{from: CHECKOUT, to: PAYMENTS, ports: [9090]}]}) === 0)).toHaveLength(0)
  })

  it('jsonpb lines with a reverse connection and replies interleaved: only the three A → B drops match', async () => {
    const lines = interleaved().map((j) => JSON.stringify(j))
    const read = readHubbleJsonl(Readable.from([lines.join('\n') + '\n']), {filter: checkoutToPayments, window: WINDOW})
    const got = await drain(read)
    expect(got.map((f) => [f.verdict, f.source.pod, f.destinationPort])).toEqual([
      ['DROPPED', A.pod, 15008], ['DROPPED', A.pod, 15008], ['DROPPED', A.pod, 15008],
    ])
    expect(read.state()).toMatchObject({source: 'hubble', state: 'read', recordsRead: 8, recordsMatched: 3,
      window: {from: '2026-05-20T09:00:00.000Z', to: '2026-05-20T09:30:00.000Z'}})
  })

  it('the reverse filter (payments → checkout) takes B\'s forward packets, not checkout\'s replies', async () => {
    const lines = interleaved().map((j) => JSON.stringify(j))
    const got = await drain(readHubbleJsonl(lines, {filter: {hops: [{from: PAYMENTS, to: CHECKOUT, ports: [15008]}]}, window: WINDOW}))
    expect(got.map((f) => [f.eventType, f.isReply])).toEqual([[5, false], [4, false]])
  })

  describe('gRPC from an in-process Relay on the upstream observer.proto', () => {
    let srv: RunningServer
    const requests: any[] = []
    beforeAll(async () => {
      const {def, pkg} = await loadUpstream('hubble')
      const responses = [...interleaved(), {lost_events: {source: 'HUBBLE_RING_BUFFER', num_events_lost: '7'}, node_name: 'staging/worker-b', time: '2026-05-20T09:14:21Z'}]
        .map((j) => fromProtoJson(def, 'observer.GetFlowsResponse', j))
      srv = await startServer(pkg.observer.Observer.service, {
        // Like Relay without server-side filtering: everything; the client must still choose.
        GetFlows(call: any) {
          requests.push(call.request)
          const out = call.request.first ? responses.slice(1, 2) : responses
          for (const r of out) call.write(r)
          call.end()
        },
        ServerStatus(_call: any, cb: any) {
          cb(null, {num_flows: '4095', max_flows: '4095', seen_flows: '918273', uptime_ns: '1', version: '1.19.4', flows_rate: 1})
        },
      })
    })
    afterAll(async () => srv?.stop())

    it('the same three drops; the state has the buffer\'s oldest flow as window start and the lost events', async () => {
      const client = await createHubbleClient({address: srv.address, timeoutMs: 5000})
      try {
        const read = readHubbleRelay(client, {filter: checkoutToPayments, window: WINDOW})
        const got = await drain(read)
        expect(got.map((f) => `${f.verdict} ${f.source.pod} → ${f.destination.pod}:${f.destinationPort}`)).toEqual(Array(3).fill(`DROPPED ${A.pod} → ${B.pod}:15008`))
        // Buffer full, oldest flow 09:14:05.40: nothing older could be seen, whatever was asked.
        expect(read.state()).toMatchObject({state: 'read', recordsRead: 8, recordsMatched: 3, lostEvents: 7,
          window: {from: '2026-05-20T09:14:05.402Z', to: '2026-05-20T09:30:00.000Z'}, agents: {read: 1, asked: 1}})
        // Server side: one directed filter (A → B on the wire port), no B → A filter.
        const flowsRequest = requests.find((r) => !r.first)
        expect(flowsRequest.whitelist).toEqual([{source_pod: CHECKOUT.pods, destination_pod: PAYMENTS.pods, destination_port: ['15008']}])
      } finally {
        client.close()
      }
    })

    it('a Relay refusing the connection: unavailable with the reason, no records', async () => {
      const {pkg} = await loadUpstream('hubble')
      const dead = await startServer(pkg.observer.Observer.service, {})
      await dead.stop()
      const client = await createHubbleClient({address: dead.address, timeoutMs: 500})
      try {
        const read = readHubbleRelay(client, {filter: checkoutToPayments, window: WINDOW})
        expect(await drain(read)).toEqual([])
        expect(read.state()).toEqual({source: 'hubble', state: 'unavailable', reason: expect.stringMatching(/^hubble: GetFlows at 127\.0\.0\.1:\d+ (is unavailable|timed out)/), agents: {read: 0, asked: 1}})
      } finally {
        client.close()
      }
    })
  })
})

// ---- ztunnel ---------------------------------------------------------------------------

const frontendToPayments: PairSelector = {
  srcIdentity: 'spiffe://cluster.local/ns/shop/sa/frontend', dstIdentity: 'spiffe://cluster.local/ns/shop/sa/payments',
  srcIps: ['10.244.1.17'], dstIps: ['10.244.2.21'], srcPods: ['frontend-6c9f7d8b54-k2xqz'], dstPods: ['payments-7b4c9d6f8-qw2er'],
}
const reverse = (p: PairSelector): PairSelector => ({srcIdentity: p.dstIdentity, dstIdentity: p.srcIdentity, srcIps: p.dstIps, dstIps: p.srcIps, srcPods: p.dstPods, dstPods: p.srcPods})

describe.skipIf(!hasShared)('ztunnel: src is the originator on both nodes (metrics.rs ConnectionResult); one connection counts once', () => {
  it.each(['plain', 'json'])('%s logs of both nodes: frontend → payments is one connection seen three times; the reverse has none', async (fmt) => {
    const streams = () => ['worker-a', 'worker-b'].map((n) => ({agent: `istio-system/ztunnel-${n}`, input: Readable.from([sample('ztunnel', `${n}.${fmt}.log`)])}))
    const read = readMeshLog('ztunnel', streams(), {filter: frontendToPayments, window: WINDOW})
    const got = await drain(read)
    expect(got.map((r) => `${r.direction}:${r.outcome}`).sort()).toEqual(['inbound:denied', 'inbound:denied', 'outbound:denied'])
    expect(new Set(got.map((r) => connectionKey(r)))).toEqual(new Set(['ztunnel|10.244.1.17:52214']))
    expect(read.state()).toMatchObject({source: 'ztunnel', state: 'read', recordsMatched: 3, agents: {read: 2, asked: 2}})
    expect(await drain(readMeshLog('ztunnel', streams(), {filter: reverse(frontendToPayments), window: WINDOW}))).toEqual([])
  })

  it('A and B sharing a service account: identity cannot tell the direction, addresses and pod names do', async () => {
    const shared = 'spiffe://cluster.local/ns/shop/sa/default'
    const line = (src: {pod: string; ip: string}, dst: {pod: string; ip: string}, sport: number, dir: string, t: string) =>
      `2026-05-20T09:14:${t}Z\terror\taccess\tconnection complete\tsrc.addr=${src.ip}:${sport} src.workload="${src.pod}" src.namespace="shop" src.identity="${shared}" ` +
      `dst.addr=${dst.ip}:15008 dst.hbone_addr=${dst.ip}:8080 dst.workload="${dst.pod}" dst.namespace="shop" dst.identity="${shared}" direction="${dir}" ` +
      `bytes_sent=0 bytes_recv=0 duration="1ms" error="connection closed due to policy rejection: allow policies exist, but none allowed"`
    const log = [
      line(B, A, 41000, 'outbound', '10.000001'), line(A, B, 52000, 'outbound', '11.000001'),
      line(B, A, 41002, 'outbound', '12.000001'), line(B, A, 41000, 'inbound', '10.000002'),
    ].join('\n')
    const pair: PairSelector = {srcIdentity: shared, dstIdentity: shared, srcIps: [A.ip], dstIps: [B.ip], srcPods: [A.pod], dstPods: [B.pod]}
    const got = await drain(readMeshLog('ztunnel', [{agent: 'z', input: [log]}], {filter: pair, window: WINDOW}))
    expect(got.map((r) => r.srcAddr)).toEqual([`${A.ip}:52000`])
  })
})

// ---- waypoint --------------------------------------------------------------------------

describe.skipIf(!hasShared)('waypoint: DOWNSTREAM_REMOTE_ADDRESS is the caller, UPSTREAM_HOST the callee', () => {
  const checkoutToOrders: PairSelector = {srcIps: ['10.244.1.45'], dstIps: ['10.244.1.63', '10.96.88.5'], dstServices: ['orders.shop.svc.cluster.local']}

  it.each(['text', 'json'])('%s access log with an orders → checkout request interleaved: only checkout → orders counts', async (fmt) => {
    const text = sample('waypoint', `waypoint-shop.${fmt}.log`)
    // The same request the other way round: orders (10.244.1.63) calling checkout's pod.
    const denied = text.split('\n').find((l) => l.includes('10.244.1.45:53390'))!
    const swapped = denied.replaceAll('10.244.1.45:53390', '10.244.1.63:47001').replaceAll('10.244.1.63:8000', '10.244.1.45:8000')
      .replaceAll('10.96.88.5:8000', '10.96.12.4:8000').replaceAll('orders.shop.svc.cluster.local', 'checkout.shop.svc.cluster.local')
    const read = readMeshLog('waypoint', [{agent: 'shop/waypoint-5f7d8c9b6-h4k8s', input: [text, swapped]}], {filter: checkoutToOrders, window: WINDOW})
    const got = await drain(read)
    expect(got.map((r) => [r.srcAddr, r.responseCode])).toEqual([['10.244.1.45:53390', 403], ['10.244.1.45:53418', 200]])
    expect(read.state()).toMatchObject({source: 'waypoint', state: 'read', recordsRead: 8, recordsMatched: 2})
    const back = await drain(readMeshLog('waypoint', [{agent: 'w', input: [text, swapped]}], {filter: {srcIps: ['10.244.1.63'], dstIps: ['10.244.1.45', '10.96.12.4']}, window: WINDOW}))
    expect(back.map((r) => r.srcAddr)).toEqual(['10.244.1.63:47001'])
  })

  it('a log read refused (403): unavailable with the agent and the reason', async () => {
    const refused = new Readable({read() { this.destroy(new Error('forbidden: cannot get pods/log waypoint-5f7d8c9b6-h4k8s')) }})
    const read = readMeshLog('waypoint', [{agent: 'shop/waypoint-5f7d8c9b6-h4k8s', input: refused}], {filter: checkoutToOrders, window: WINDOW})
    expect(await drain(read)).toEqual([])
    expect(read.state()).toEqual({source: 'waypoint', state: 'unavailable', reason: 'shop/waypoint-5f7d8c9b6-h4k8s: forbidden: cannot get pods/log waypoint-5f7d8c9b6-h4k8s', agents: {read: 0, asked: 1}})
  })
})

// ---- Tetragon --------------------------------------------------------------------------

describe.skipIf(!hasShared)('Tetragon: events belong to the pod that ran them (process.pod)', () => {
  const events = sample('tetragon', 'events-shop.jsonl')

  it('export-stdout: checkout\'s events for checkout\'s pods; none for payments; ztunnel\'s HBONE connect is not checkout\'s', async () => {
    const read = readTetragonLogs([{agent: 'kube-system/tetragon-a', input: [events]}], {filter: {namespaces: ['shop'], pods: CHECKOUT.pods}, window: WINDOW})
    const got = await drain(read)
    expect(got.map((e) => `${e.type}:${e.binary}`)).toEqual(['exec:/bin/sh', 'exec:/usr/bin/curl', 'kprobe:/usr/bin/curl', 'exit:/usr/bin/curl', 'exec:/bin/sh', 'kprobe:/usr/bin/nc', 'exit:/bin/sh'])
    expect(read.state()).toMatchObject({source: 'tetragon', state: 'read', recordsRead: 7, recordsMatched: 7})
    expect(await drain(readTetragonLogs([{agent: 't', input: [events]}], {filter: {namespaces: ['shop', 'istio-system'], pods: PAYMENTS.pods}, window: WINDOW}))).toEqual([])
  })

  describe('gRPC GetEvents from an in-process agent on the upstream sensors.proto', () => {
    let srv: RunningServer
    beforeAll(async () => {
      const {def, pkg} = await loadUpstream('tetragon')
      const responses = events.split('\n').filter(Boolean).map((l) => fromProtoJson(def, 'tetragon.GetEventsResponse', JSON.parse(l)))
      srv = await startServer(pkg.tetragon.FineGuidanceSensors.service, {
        GetEvents(call: any) {
          for (const r of responses) call.write(r)
          call.end()
        },
      })
    })
    afterAll(async () => srv?.stop())

    it('the SIGKILL of nc is checkout\'s (the client side), and a payments filter gets nothing', async () => {
      const client = await createTetragonClient({address: srv.address, timeoutMs: 5000})
      try {
        const ac = new AbortController()
        const read = readTetragonGrpc(client, {filter: {namespaces: ['shop'], pods: CHECKOUT.pods}, window: WINDOW}, ac.signal)
        const got = await drain(read)
        expect(got.filter((e) => e.action === 'KPROBE_ACTION_SIGKILL').map((e) => `${e.pod} ${e.binary}`)).toEqual(['checkout-84f6b7c9d-zp4mn /usr/bin/nc'])
        // The agent ignores the filter here (it sends all 8): the client keeps checkout's 7.
        expect(read.state()).toMatchObject({state: 'read', recordsRead: 8, recordsMatched: 7})
        const none = readTetragonGrpc(client, {filter: {namespaces: ['shop'], pods: PAYMENTS.pods}, window: WINDOW}, ac.signal)
        expect(await drain(none)).toEqual([])
      } finally {
        client.close()
      }
    })
  })
})

describe('Hubble: the deprecated `reply` (flow.proto field 16) when is_reply is absent', () => {
  const base = {flow: {time: '2026-05-20T09:14:20Z', verdict: 'FORWARDED', IP: {source: '10.244.1.45', destination: '10.244.2.21'},
    l4: {TCP: {source_port: 15008, destination_port: 41000}}, source: {namespace: 'shop', pod_name: 'checkout-84f6b7c9d-zp4mn'},
    destination: {namespace: 'shop', pod_name: 'payments-7b4c9d6f8-qw2er'}, event_type: {type: 4}}}
  it('reply=true is a reply; reply=false alone leaves it unknown (so a forward does not count)', () => {
    const filter = {hops: [{from: CHECKOUT, to: PAYMENTS}]}
    expect(flowFromJson({...base, flow: {...base.flow, reply: true}})?.isReply).toBe(true)
    expect(flowFromJson({...base, flow: {...base.flow, reply: false}})?.isReply).toBeUndefined()
    expect(flowHop(flowFromJson({...base, flow: {...base.flow, reply: false}})!, filter)).toBe(-1)
    expect(flowHop(flowFromJson({...base, flow: {...base.flow, reply: false, is_reply: false}})!, filter)).toBe(0)
  })
})
