import {readFileSync} from 'node:fs'
import {Readable} from 'node:stream'
import {describe, expect, it} from 'vitest'
import type {FlowRecord} from '../../src/core/evidence.js'
import {buildFlowWhitelist, describeFlowSummary, flowFromJson, formatDuration, isLostEvents, parseHubbleJsonl, summarizeFlows,
  type HubbleRecord} from '../../src/layers/cilium/hubble/index.js'
import {hasShared, sharedPath} from '../helpers/shared.js'

const text = hasShared ? readFileSync(sharedPath('samples', 'hubble', 'flows-shop.jsonl'), 'utf8') : ''

async function all(it: AsyncIterable<HubbleRecord>): Promise<HubbleRecord[]> {
  const out: HubbleRecord[] = []
  for await (const r of it) out.push(r)
  return out
}

const flowsOnly = (rs: HubbleRecord[]) => rs.filter((r): r is FlowRecord => !isLostEvents(r))

describe.skipIf(!hasShared)('hubble jsonpb sample', () => {
  it('parses every line into a FlowRecord', async () => {
    const recs = flowsOnly(await all(parseHubbleJsonl(Readable.from([text]))))
    expect(recs).toHaveLength(12)
    expect(recs[0]).toEqual({
      time: '2026-05-20T09:14:01.992040117Z', node: 'staging/worker-a', verdict: 'FORWARDED', eventType: 5, trafficDirection: 'EGRESS',
      protocol: 'UDP', sourcePort: 39077, destinationPort: 53, isReply: false, summary: 'UDP',
      source: {namespace: 'shop', pod: 'frontend-6c9f7d8b54-k2xqz', ip: '10.244.1.17', identity: 18231, workloads: ['frontend'],
        labels: expect.arrayContaining(['k8s:app=frontend', 'k8s:io.cilium.k8s.policy.serviceaccount=frontend'])},
      destination: {namespace: 'kube-system', pod: 'coredns-7db6d8ff4d-9gq7t', ip: '10.244.1.5', identity: 20947, workloads: ['coredns'],
        labels: expect.any(Array)},
      egressAllowedBy: [{kind: 'CiliumClusterwideNetworkPolicy', name: 'allow-kube-dns', revision: '2'}],
    })
    expect(recs.filter((r) => r.verdict === 'DROPPED').map((r) => [r.dropReason, r.eventType])).toEqual([
      ['POLICY_DENIED', 5], ['POLICY_DENIED', 1], ['POLICY_DENIED', 1], ['POLICY_DENY', 5], ['POLICY_DENY', 1], ['POLICY_DENY', 5],
    ])
    // A drop has no is_reply; the SYN-ACK trace is a reply.
    expect(recs.find((r) => r.dropReason === 'POLICY_DENIED')!.isReply).toBeUndefined()
    expect(recs.filter((r) => r.isReply === true)).toHaveLength(1)
    // World destination: identity 16777219, no pod.
    const world = recs.find((r) => r.egressDeniedBy)!
    expect(world.destination).toEqual({ip: '203.0.113.10', identity: 16777219, labels: expect.any(Array)})
    expect(world.egressDeniedBy).toEqual([{kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'deny-external-egress', revision: '3'}])
    expect(recs.find((r) => r.ingressDeniedBy)!.ingressDeniedBy).toEqual([{kind: 'CiliumClusterwideNetworkPolicy', name: 'block-legacy-namespace', revision: '21'}])
  })

  it('summarizes the checkout → payments drops on HBONE 15008 without double counting', async () => {
    const recs = flowsOnly(await all(parseHubbleJsonl(text.split('\n'))))
    const pair = recs.filter((r) => r.source.pod?.startsWith('checkout-') && r.destination.pod?.startsWith('payments-'))
    expect(pair.every((r) => r.destinationPort === 15008)).toBe(true)
    const until = new Date('2026-05-20T09:15:00Z')
    const window = {since: new Date(until.getTime() - 15 * 60_000), until}
    const s = summarizeFlows(pair, window, {numFlows: 4095, maxFlows: 4095, bufferFull: true, oldestFlowTime: '2026-05-20T09:14:32Z'})
    expect(s).toMatchObject({flows: 3, drops: 2, dropsByReason: {POLICY_DENIED: 2}, deniedBy: [], truncated: true, coveredMs: 28_000,
      oldest: '2026-05-20T09:14:05.402917736Z', newest: '2026-05-20T09:14:06.433050871Z'})
    expect(describeFlowSummary(s)).toBe('Hubble: 2 drops (POLICY_DENIED) in the last 28s of history (buffer full; older flows lost)')
    expect(describeFlowSummary(summarizeFlows(pair, window))).toBe('Hubble: 2 drops (POLICY_DENIED) in the last 15m')
  })

  it('summarizes the whole sample: reasons, denying policies, lost events', async () => {
    const recs: HubbleRecord[] = await all(parseHubbleJsonl(text.split('\n')))
    recs.push({kind: 'lost-events', time: '2026-05-20T09:14:40Z', lostSource: 'HUBBLE_RING_BUFFER', numEventsLost: 7})
    const s = summarizeFlows(recs, {since: new Date('2026-05-20T09:00:00Z'), until: new Date('2026-05-20T09:15:00Z')})
    // The batch-runner drop has only a policy verdict (no drop notification), so it still counts.
    expect(s).toMatchObject({flows: 12, forwarded: 6, drops: 4, dropsByReason: {POLICY_DENIED: 2, POLICY_DENY: 2}, lostEvents: 7, truncated: false})
    expect(s.deniedBy.map((p) => p.name)).toEqual(['deny-external-egress', 'block-legacy-namespace'])
    expect(describeFlowSummary(s)).toBe('Hubble: 4 drops (2 POLICY_DENIED, 2 POLICY_DENY) in the last 15m; denied by ' +
      'CiliumNetworkPolicy shop/deny-external-egress, CiliumClusterwideNetworkPolicy block-legacy-namespace; 7 events lost')
  })
})

describe('hubble helpers', () => {
  it('flowFromJson ignores non-flow responses and accepts a bare Flow', () => {
    expect(flowFromJson({node_status: {state: 'NODE_CONNECTED'}})).toBeUndefined()
    expect(flowFromJson(null)).toBeUndefined()
    expect(flowFromJson({verdict: 'DROPPED', IP: {source: 'fd00::1', destination: 'fd00::2'}, time: '2026-05-20T09:14:01Z'}))
      .toEqual({time: '2026-05-20T09:14:01Z', verdict: 'DROPPED', source: {ip: 'fd00::1'}, destination: {ip: 'fd00::2'}})
  })

  it('skips truncated and non-JSON lines, handles CRLF', async () => {
    const good = '{"flow":{"time":"2026-05-20T09:14:01Z","verdict":"DROPPED","drop_reason_desc":"POLICY_DENIED"},"node_name":"n1"}'
    const recs = await all(parseHubbleJsonl(Readable.from([`${good}\r\n{"flow":{"time":"2026\r\nnot json\r\n\r\n${good}`])))
    expect(recs).toHaveLength(2)
    expect(recs[0]).toMatchObject({verdict: 'DROPPED', dropReason: 'POLICY_DENIED', node: 'n1'})
  })

  it('builds one whitelist filter per direction', () => {
    expect(buildFlowWhitelist({since: new Date(), sourcePod: ['a/x'], destinationPod: ['b/y']})).toEqual([{sourcePod: ['a/x'], destinationPod: ['b/y']}])
    expect(buildFlowWhitelist({since: new Date(), sourceLabel: ['k8s:app=x'], destinationNamespaces: ['b'], bothDirections: true, verdicts: ['DROPPED']}))
      .toEqual([{sourceLabel: ['k8s:app=x'], destinationPod: ['b/'], verdict: ['DROPPED']}, {sourcePod: ['b/'], destinationLabel: ['k8s:app=x'], verdict: ['DROPPED']}])
    expect(buildFlowWhitelist({since: new Date()})).toEqual([])
  })

  it('formats durations', () => {
    expect([28_000, 900_000, 90_000, 3_600_000, 3_900_000].map(formatDuration)).toEqual(['28s', '15m', '1m30s', '1h', '1h5m'])
  })
})
