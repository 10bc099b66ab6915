// Wire compatibility: a real grpc-js server on the UPSTREAM observer.proto serves the sample
// flows; the project's client (own proto subset) must decode them to the same FlowRecords as
// the jsonpb path, and surface server failures as clear rejections.
import {readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createHubbleClient, flowFromJson, isLostEvents, responseFromJson, type HubbleRecord} from '../../src/layers/cilium/hubble/index.js'
import {hasShared, sharedPath} from '../helpers/shared.js'
import {fromProtoJson, grpcJs, loadUpstream, startServer, type RunningServer} from './upstreamGrpc.js'

const lines = hasShared ? readFileSync(sharedPath('samples', 'hubble', 'flows-shop.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []
const lostJson = {lost_events: {source: 'HUBBLE_RING_BUFFER', num_events_lost: '42', cpu: 1}, node_name: 'staging/worker-b', time: '2026-05-20T09:14:31.5Z'}

async function collect(it: AsyncIterable<HubbleRecord>): Promise<HubbleRecord[]> {
  const out: HubbleRecord[] = []
  for await (const r of it) out.push(r)
  return out
}

describe.skipIf(!hasShared)('Hubble gRPC against the upstream observer.proto', () => {
  let srv: RunningServer
  const requests: any[] = []
  let statusDelayMs = 0

  beforeAll(async () => {
    const {def, pkg} = await loadUpstream('hubble')
    const responses = [...lines, lostJson].map((j) => fromProtoJson(def, 'observer.GetFlowsResponse', j))
    srv = await startServer(pkg.observer.Observer.service, {
      GetFlows(call: any) {
        requests.push(call.request)
        const out = call.request.first ? responses.slice(0, Number(call.request.number)) : responses
        for (const r of out) call.write(r)
        call.end()
      },
      ServerStatus(_call: any, cb: any) {
        setTimeout(() => cb(null, {num_flows: '4095', max_flows: '4095', seen_flows: '918273', uptime_ns: '86400000000000',
          num_connected_nodes: {value: 2}, num_unavailable_nodes: {value: 0}, version: '1.19.4', flows_rate: 37.5}), statusDelayMs)
      },
    })
  })
  afterAll(async () => srv?.stop())

  it('round-trips every sample flow to the same record as the jsonpb path', async () => {
    const client = await createHubbleClient({address: srv.address, timeoutMs: 5000})
    try {
      const got = await collect(client.flows({since: new Date('2026-05-20T09:00:00Z')}))
      expect(got).toHaveLength(lines.length + 1)
      expect(got.slice(0, lines.length)).toEqual(lines.map((l) => flowFromJson(l)))
      const lost = got[lines.length]
      expect(isLostEvents(lost) && lost).toEqual({kind: 'lost-events', time: '2026-05-20T09:14:31.500Z', node: 'staging/worker-b',
        lostSource: 'HUBBLE_RING_BUFFER', numEventsLost: 42, cpu: 1})
      expect(responseFromJson(lostJson)).toMatchObject({numEventsLost: 42, lostSource: 'HUBBLE_RING_BUFFER'})
    } finally {
      client.close()
    }
  })

  it('keeps policy attribution, drop reasons and ports across the wire', async () => {
    const client = await createHubbleClient({address: srv.address})
    try {
      const got = (await collect(client.flows({since: new Date(0)}))).filter((r) => !isLostEvents(r))
      const egressDeny = got.find((r) => !isLostEvents(r) && r.egressDeniedBy)
      expect(egressDeny).toMatchObject({verdict: 'DROPPED', dropReason: 'POLICY_DENY', eventType: 5, destinationPort: 443,
        egressDeniedBy: [{kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'deny-external-egress', revision: '3'}]})
      const ingressDeny = got.find((r) => !isLostEvents(r) && r.ingressDeniedBy)
      expect(ingressDeny).toMatchObject({trafficDirection: 'INGRESS',
        ingressDeniedBy: [{kind: 'CiliumClusterwideNetworkPolicy', name: 'block-legacy-namespace', revision: '21'}]})
      const hbone = got.filter((r) => !isLostEvents(r) && r.dropReason === 'POLICY_DENIED')
      expect(hbone).toHaveLength(3)
      for (const r of hbone) {
        expect(r).toMatchObject({protocol: 'TCP', destinationPort: 15008, sourcePort: 38816,
          source: {pod: 'checkout-84f6b7c9d-zp4mn', identity: 27654, ip: '10.244.1.45'},
          destination: {pod: 'payments-7b4c9d6f8-qw2er', identity: 51234, ip: '10.244.2.21', namespace: 'shop'}})
      }
    } finally {
      client.close()
    }
  })

  it('sends the pair as server-side filters in both directions', async () => {
    const client = await createHubbleClient({address: srv.address})
    try {
      requests.length = 0
      const since = new Date('2026-05-20T09:00:00.250Z')
      await collect(client.flows({since, until: new Date('2026-05-20T09:15:00Z'), sourcePod: ['shop/checkout-84f6b7c9d-zp4mn'],
        destinationPod: ['shop/payments-7b4c9d6f8-qw2er'], verdicts: ['dropped'], bothDirections: true}))
      const req = requests[0]
      expect(req.since).toEqual({seconds: String(Math.floor(since.getTime() / 1000)), nanos: 250_000_000})
      expect(req.until.seconds).toBe(String(Date.parse('2026-05-20T09:15:00Z') / 1000))
      expect(req.whitelist).toEqual([
        {source_pod: ['shop/checkout-84f6b7c9d-zp4mn'], destination_pod: ['shop/payments-7b4c9d6f8-qw2er'], verdict: ['DROPPED']},
        {source_pod: ['shop/payments-7b4c9d6f8-qw2er'], destination_pod: ['shop/checkout-84f6b7c9d-zp4mn'], verdict: ['DROPPED']},
      ])
      requests.length = 0
      await collect(client.flows({since, sourceLabel: ['k8s:app=checkout'], destinationLabel: ['k8s:app=payments'], namespaces: ['shop']}))
      expect(requests[0].whitelist).toEqual([
        {source_pod: ['shop/'], source_label: ['k8s:app=checkout'], destination_pod: ['shop/'], destination_label: ['k8s:app=payments']},
      ])
    } finally {
      client.close()
    }
  })

  it('reads ServerStatus and the buffer coverage', async () => {
    const client = await createHubbleClient({address: srv.address})
    try {
      expect(await client.serverStatus()).toEqual({numFlows: 4095, maxFlows: 4095, seenFlows: 918273, uptimeNs: 86400000000000,
        numConnectedNodes: 2, numUnavailableNodes: 0, unavailableNodes: [], version: '1.19.4', flowsRate: 37.5})
      requests.length = 0
      const cov = await client.coverage()
      expect(requests[0]).toMatchObject({first: true, number: '1'})
      expect(cov).toEqual({numFlows: 4095, maxFlows: 4095, bufferFull: true, oldestFlowTime: lines[0].flow.time})
    } finally {
      client.close()
    }
  })

  it('turns a unary deadline into a timeout error', async () => {
    statusDelayMs = 2000
    const client = await createHubbleClient({address: srv.address, timeoutMs: 150})
    try {
      await expect(client.serverStatus()).rejects.toThrow(/^hubble: ServerStatus at 127\.0\.0\.1:\d+ timed out after 150ms \(DEADLINE_EXCEEDED\)$/)
    } finally {
      statusDelayMs = 0
      client.close()
    }
  })
})

describe.skipIf(!hasShared)('Hubble gRPC failures', () => {
  let flaky: RunningServer
  let hanging: RunningServer
  let cancelled = false

  beforeAll(async () => {
    const grpc = await grpcJs()
    const {def, pkg} = await loadUpstream('hubble')
    const two = lines.slice(0, 2).map((j) => fromProtoJson(def, 'observer.GetFlowsResponse', j))
    flaky = await startServer(pkg.observer.Observer.service, {
      GetFlows(call: any) {
        for (const r of two) call.write(r)
        setTimeout(() => call.emit('error', {code: grpc.status.UNAVAILABLE, details: 'peer staging/worker-b is unreachable'}), 20)
      },
    })
    hanging = await startServer(pkg.observer.Observer.service, {
      GetFlows(call: any) {
        call.write(two[0])
        call.on('cancelled', () => {
          cancelled = true
        })
      },
    })
  })
  afterAll(async () => {
    await flaky?.stop()
    await hanging?.stop()
  })

  it('rejects the iteration with a clear message when the server fails mid-stream', async () => {
    const client = await createHubbleClient({address: flaky.address})
    const got: HubbleRecord[] = []
    try {
      await expect((async () => {
        for await (const r of client.flows({since: new Date(0)})) got.push(r)
      })()).rejects.toThrow(/^hubble: GetFlows at 127\.0\.0\.1:\d+ is unavailable \(UNAVAILABLE: peer staging\/worker-b is unreachable\)$/)
      expect(got).toHaveLength(2)
    } finally {
      client.close()
    }
  })

  it('times out a stream that never ends', async () => {
    const client = await createHubbleClient({address: hanging.address, timeoutMs: 200})
    const got: HubbleRecord[] = []
    try {
      await expect((async () => {
        for await (const r of client.flows({since: new Date(0)})) got.push(r)
      })()).rejects.toThrow(/GetFlows at 127\.0\.0\.1:\d+ timed out after 200ms/)
      expect(got).toHaveLength(1)
    } finally {
      client.close()
    }
  })

  it('ends a follow stream quietly on abort and cancels it on the server', async () => {
    const client = await createHubbleClient({address: hanging.address, timeoutMs: 200})
    const ac = new AbortController()
    const got: HubbleRecord[] = []
    try {
      for await (const r of client.flows({since: new Date(0), follow: true}, ac.signal)) {
        got.push(r)
        setTimeout(() => ac.abort(), 300) // past timeoutMs: follow streams carry no deadline
      }
      expect(got).toHaveLength(1)
      await new Promise((r) => setTimeout(r, 50))
      expect(cancelled).toBe(true)
    } finally {
      client.close()
    }
  })

  it('reports an unreachable server as UNAVAILABLE', async () => {
    const dead = await startServer((await loadUpstream('hubble')).pkg.observer.Observer.service, {})
    await dead.stop()
    const client = await createHubbleClient({address: dead.address, timeoutMs: 2000})
    try {
      // connected() only says "stop waiting": it settles for a dead server too, never rejects.
      await expect(client.connected()).resolves.toBeUndefined()
      await expect(client.serverStatus()).rejects.toThrow(/^hubble: ServerStatus at 127\.0\.0\.1:\d+ is unavailable \(UNAVAILABLE: /)
      // grpc-js's empty "Resolution note:" and doubled "Error:" are not passed on.
      await expect(client.serverStatus()).rejects.toThrow(/ECONNREFUSED 127\.0\.0\.1:\d+\)$/)
      await expect(client.serverStatus()).rejects.not.toThrow(/Resolution note|Error: connect/)
    } finally {
      client.close()
    }
  })
})
