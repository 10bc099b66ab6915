// How the pair's evidence touches its layer (LATTICE-SPEC §9.5, §10.2, §10.14): only the
// hops of the path and the wire port count; a denial is overturned only by forwards on
// every hop; one ztunnel connection logged three times counts once; through a waypoint,
// A's completed connection to the waypoint is not an L7 allow.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {FlowRecord, MeshAccessRecord} from '../../src/core/evidence.js'
import {layerResult, type LayerResult} from '../../src/core/result.js'
import {annotateWithEvidence, pairFlowFilter, type EvidenceBundle} from '../../src/diagnose/live-evidence.js'
import {flowHop, type MatchedFlow} from '../../src/layers/cilium/hubble/index.js'
import type {KubeObject} from '../../src/core/kube.js'

const since = new Date(Date.now() - 900_000)
const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString()
const flow = (hop: number, verdict: 'FORWARDED' | 'DROPPED', secondsAgo: number, dport = 15008): MatchedFlow => ({
  hop, verdict, time: ago(secondsAgo), eventType: verdict === 'DROPPED' ? 1 : 5, protocol: 'TCP',
  source: {ip: `10.0.0.${hop}`}, destination: {ip: '10.0.1.1'}, sourcePort: 40000 + secondsAgo, destinationPort: dport,
  ...(verdict === 'DROPPED' ? {dropReason: 'POLICY_DENIED'} : {isReply: false}),
})
const hubbleState = () => ({source: 'hubble' as const, state: 'read' as const, recordsRead: 0, recordsMatched: 0, window: {from: ago(900), to: ago(0)}})
const bundle = (flows: MatchedFlow[], viaWaypoint: boolean): EvidenceBundle => ({sources: [hubbleState()], hubble: {flows, since, viaWaypoint}})
const l4 = (status: 'PASS' | 'DENY'): LayerResult => layerResult('l4', status, status === 'PASS' ? 'allowed by policy' : 'denied by policy')
const wire = {wirePorts: [15008], appPorts: [8080]}

describe('L4: the path and the wire port', () => {
  it('through a waypoint, forwards on A → waypoint with drops on waypoint → B keep the denial', () => {
    const w: string[] = []
    const r = annotateWithEvidence(bundle([flow(2, 'DROPPED', 100), flow(1, 'FORWARDED', 50)], true), w)(l4('DENY'), wire)
    expect(r.status).toBe('DENY')
    expect(w).toEqual([])
  })

  it('through a waypoint, forwards on both hops after the drops overturn it (the datapath is the truth)', () => {
    const w: string[] = []
    const r = annotateWithEvidence(bundle([flow(2, 'DROPPED', 100), flow(1, 'FORWARDED', 50), flow(2, 'FORWARDED', 49)], true), w)(l4('DENY'), wire)
    expect(r.status).toBe('WARN')
    expect(w).toEqual(['Hubble forwarded 2 flows for this pair although the policies deny it: the datapath is the truth (the agent may still run older policies)'])
  })

  it('a direct A → B flow is not on a waypoint path, and a flow off the wire port is not evidence', () => {
    const w: string[] = []
    const b = bundle([flow(0, 'DROPPED', 10), flow(1, 'DROPPED', 10, 8080)], true)
    const r = annotateWithEvidence(b, w)(l4('PASS'), wire)
    expect(r).toMatchObject({status: 'PASS', summary: 'allowed by policy'})
    expect(b.sources[0].recordsMatched).toBe(0)
  })

  it('policy drops of A → B on the wire port for a pair the policies allow: DENY, and the state counts them', () => {
    const w: string[] = []
    const b = bundle([flow(0, 'FORWARDED', 300), flow(0, 'DROPPED', 20), flow(0, 'DROPPED', 10)], false)
    const r = annotateWithEvidence(b, w)(l4('PASS'), wire)
    expect(r.status).toBe('DENY')
    expect(r.summary).toMatch(/^datapath drops the traffic; allowed by policy; Hubble: 2 drops \(POLICY_DENIED\) in the last 15m$/)
    expect(b.sources[0].recordsMatched).toBe(3)
  })

  it('an unavailable Relay is said on the L4 line and changes nothing else', () => {
    const r = annotateWithEvidence({sources: [{source: 'hubble', state: 'unavailable', reason: 'hubble: GetFlows at 127.0.0.1:1 is unavailable'}]}, [])(l4('PASS'), wire)
    expect(r).toMatchObject({status: 'PASS', summary: 'allowed by policy; Hubble unavailable: hubble: GetFlows at 127.0.0.1:1 is unavailable'})
  })
})

type ZtunnelLike = Partial<MeshAccessRecord> & Pick<MeshAccessRecord, 'outcome' | 'time'> & {dstHboneAddr?: string}
const z = (o: ZtunnelLike): MeshAccessRecord => ({source: 'ztunnel', ...o})
const meshBundle = (ztunnel: MeshAccessRecord[], waypoint: MeshAccessRecord[], viaWaypoint: boolean): EvidenceBundle => ({
  sources: [{source: 'ztunnel', state: 'read', recordsRead: 0, recordsMatched: 0}, {source: 'waypoint', state: viaWaypoint ? 'read' : 'not-asked', ...(viaWaypoint ? {} : {reason: 'no waypoint on the path'})}],
  mesh: {ztunnel, waypoint, viaWaypoint},
})
const l7 = (status: 'PASS' | 'DENY') => layerResult('l7', status, status === 'PASS' ? 'allowed by AuthorizationPolicy' : 'no AuthorizationPolicy allows it')

describe('L7: connections, not lines; the waypoint decides behind a waypoint', () => {
  it('client outbound, server inbound and the policy decision of one connection: 1 RBAC denial', () => {
    const t = ago(30)
    const recs = [
      z({outcome: 'denied', time: t, direction: 'outbound', srcAddr: '10.0.0.1:52214', dstAddr: '10.0.1.1:15008', dstHboneAddr: '10.0.1.1:8080', error: 'http status: 401 Unauthorized'}),
      z({outcome: 'denied', time: t, direction: 'inbound', srcAddr: '10.0.0.1:52214', error: 'no allow policies matched'}),
      z({outcome: 'denied', time: t, direction: 'inbound', srcAddr: '10.0.0.1:52214', dstAddr: '10.0.1.1:15008', dstHboneAddr: '10.0.1.1:8080', error: 'connection closed due to policy rejection'}),
      // Another port of B: not this verdict's port.
      z({outcome: 'denied', time: t, direction: 'inbound', srcAddr: '10.0.0.1:52999', dstAddr: '10.0.1.1:15008', dstHboneAddr: '10.0.1.1:9090', error: 'policy rejection'}),
    ]
    const w: string[] = []
    const b = meshBundle(recs, [], false)
    const r = annotateWithEvidence(b, w)(l7('PASS'), wire)
    expect(r.status).toBe('DENY')
    expect(w).toEqual(['ztunnel/waypoint logs show 1 authorization denial for this pair although the policies allow it: the datapath is the truth'])
    expect(b.sources[0].recordsMatched).toBe(3)
  })

  it('behind a waypoint, A\'s completed connections to the waypoint do not overturn an L7 denial; the waypoint\'s 200s do', () => {
    const toWaypoint = [z({outcome: 'allowed', time: ago(10), srcAddr: '10.0.0.1:40000', dstAddr: '10.0.2.2:15008', dstHboneAddr: '10.96.0.10:8080'})]
    expect(annotateWithEvidence(meshBundle(toWaypoint, [], true), [])(l7('DENY'), wire).status).toBe('DENY')
    const ok: MeshAccessRecord = {source: 'waypoint', outcome: 'allowed', time: ago(5), responseCode: 200, srcAddr: '10.0.0.1:40000', dstAddr: '10.0.1.1:8080'}
    const w: string[] = []
    expect(annotateWithEvidence(meshBundle(toWaypoint, [ok], true), w)(l7('DENY'), wire).status).toBe('WARN')
    expect(w).toEqual(['waypoint logs show 1 allowed request for this pair although the policies deny it: the datapath is the truth'])
  })
})

const pod = (name: string, ip: string): KubeObject => ({apiVersion: 'v1', kind: 'Pod', metadata: {namespace: 'shop', name}, status: {podIP: ip}})

describe('pairFlowFilter', () => {
  it('direct: one hop A → B; through a waypoint: also A → waypoint and waypoint → B, never B → A', () => {
    const who = {srcIdentity: 'a', dstIdentity: 'b', podsA: [pod('a-1', '10.0.0.1')], podsB: [pod('b-1', '10.0.1.1')]}
    expect(pairFlowFilter(who).hops.map((h) => `${h.from.pods} → ${h.to.pods}`)).toEqual(['shop/a-1 → shop/b-1'])
    const via = pairFlowFilter({...who, waypoint: {namespace: 'shop', name: 'shop-waypoint', pods: [pod('wp-1', '10.0.2.2')]}})
    expect(via.hops.map((h) => `${h.from.pods} → ${h.to.pods}`)).toEqual(['shop/a-1 → shop/b-1', 'shop/a-1 → shop/wp-1', 'shop/wp-1 → shop/b-1'])
  })
})

describe('property: B → A traffic and replies never change the L4 verdict (§10.14)', () => {
  const A = {pods: ['shop/a-1'], ips: ['10.0.0.1']}
  const B = {pods: ['shop/b-1'], ips: ['10.0.1.1']}
  const ep = (side: typeof A) => ({namespace: 'shop', pod: side.pods[0].slice(5), ip: side.ips[0]})
  const arbFlow = (fwd: boolean) => fc.record({
    verdict: fc.constantFrom('FORWARDED', 'DROPPED'),
    secondsAgo: fc.integer({min: 1, max: 800}),
    reply: fc.constantFrom(true, false, undefined),
    dport: fc.constantFrom(15008, 8080, 41000),
  }).map(({verdict, secondsAgo, reply, dport}) => ({
    time: ago(secondsAgo), verdict, eventType: verdict === 'DROPPED' ? 1 : 4, protocol: 'TCP',
    source: ep(fwd ? A : B), destination: ep(fwd ? B : A), sourcePort: 40000 + secondsAgo, destinationPort: dport,
    ...(verdict === 'DROPPED' ? {dropReason: 'POLICY_DENIED'} : {}), ...(reply === undefined ? {} : {isReply: reply}),
  }) as FlowRecord)

  it('adding B → A flows and A → B replies to any stream leaves the verdict and the matched count as they were', () => {
    fc.assert(fc.property(fc.array(arbFlow(true), {maxLength: 8}), fc.array(arbFlow(false), {maxLength: 8}), fc.array(arbFlow(true), {maxLength: 8}),
      fc.constantFrom<'PASS' | 'DENY'>('PASS', 'DENY'), (base, reverse, replies, status) => {
        const filter = {hops: [{from: A, to: B}]}
        const matched = (flows: FlowRecord[]) => flows.map((f) => ({...f, hop: flowHop(f, filter)})).filter((f) => f.hop >= 0)
        const noise = [...reverse, ...replies.map((f) => ({...f, isReply: true}))]
        const run = (flows: FlowRecord[]) => {
          const b = bundle(matched(flows), false)
          const r = annotateWithEvidence(b, [])(l4(status), wire)
          return {status: r.status, matched: b.sources[0].recordsMatched}
        }
        expect(run([...base, ...noise])).toEqual(run(base))
        expect(run([...noise, ...base])).toEqual(run(base))
      }), {numRuns: 300})
  })
})
