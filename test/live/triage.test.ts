// Live `platform debug triage` (issue 9.1): the fake API server (pods, ztunnel and Tetragon
// logs, the seed 001 objects) and an in-process Hubble Relay. Denials of every layer become
// groups, replies and the reverse direction never do, a dead source is shown with its reason
// while the others are still grouped, each pair is diagnosed by the live pair pipeline over
// one shared connection (no GET asked twice), and nothing but GETs is sent.
import {readFileSync} from 'node:fs'
import {Ajv} from 'ajv'
import fc from 'fast-check'
import nock from 'nock'
import {afterEach, describe, expect, it} from 'vitest'
import type {RequestRecord} from '../../src/cluster/index.js'
import {triageLive, type LiveTriageRequest} from '../../src/diagnose/triage/live.js'
import type {TriageReport} from '../../src/diagnose/triage/run.js'
import {renderTriageText} from '../../src/render/triage-text.js'
import {ago, evidencePods, logKey, tetragonKill, ztunnelAllowed, ztunnelDenials} from './evidence-fixtures.js'
import {FakeCluster, IP_A, IP_B, kubeconfigFor, NODE_A, NODE_B, NS, pod, POD_A, POD_B, seedDocs, SERVER, serveWithNock, waypointDocs} from './fake-cluster.js'
import {startFlowServer, startTetragon, type FlowServer, type FlowSpec} from './triage-fixtures.js'
import {useNock} from './run.js'

useNock()

const A = {namespace: NS, pod: POD_A, app: 'checkout', ip: IP_A}
const B = {namespace: NS, pod: POD_B, app: 'payments', ip: IP_B}
const LEGACY = {namespace: NS, pod: 'legacy-batch-5d8f7c6b9-x2k4q', app: 'legacy-batch', ip: '10.244.1.77'}
const OTHER = {namespace: 'billing', pod: 'ledger-6c7d8e9f0-a1b2c', app: 'ledger', ip: '10.244.3.9'}
const WORLD = {ip: '203.0.113.10'}

/** checkout → payments drops on HBONE, and everything that must NOT make a group. */
const FLOWS: FlowSpec[] = [
  {src: A, dst: B, dport: 15008, verdict: 'DROPPED', secondsAgo: 50, deniedBy: 'default-deny'},
  {src: A, dst: B, dport: 15008, verdict: 'DROPPED', secondsAgo: 40, deniedBy: 'default-deny'},
  {src: A, dst: B, dport: 15008, verdict: 'DROPPED', secondsAgo: 30, deniedBy: 'default-deny'},
  // A plain workload (not a LatticeService): grouped, not diagnosed; an external destination: grouped and diagnosed.
  {src: LEGACY, dst: B, dport: 8080, verdict: 'DROPPED', secondsAgo: 20},
  {src: A, dst: WORLD, dport: 443, verdict: 'DROPPED', secondsAgo: 25},
  // Replies of a dropped connection (payments → checkout, is_reply true): never a group.
  {src: B, dst: A, dport: 41000, verdict: 'DROPPED', reply: true, secondsAgo: 29},
  {src: B, dst: A, dport: 41001, verdict: 'DROPPED', reply: true, secondsAgo: 28},
  // Forwarded traffic in both directions: never a group (the server filter asks DROPPED only).
  {src: A, dst: B, dport: 15008, verdict: 'FORWARDED', reply: false, secondsAgo: 35},
  {src: B, dst: A, dport: 52214, verdict: 'FORWARDED', reply: true, secondsAgo: 34},
  // Another namespace: outside `-n commerce`.
  {src: OTHER, dst: OTHER, dport: 9000, verdict: 'DROPPED', secondsAgo: 15},
  // Older than the window.
  {src: A, dst: B, dport: 15008, verdict: 'DROPPED', secondsAgo: 3600},
]

/** B's node: the inbound rejection; A's node: the same connection's outbound echo (counted once). */
const outboundEcho = () => `${ago(60)}\terror\taccess\tconnection complete\tsrc.addr=${IP_A}:52214 src.workload="${POD_A}" src.namespace="${NS}" src.identity="spiffe://cluster.local/ns/${NS}/sa/checkout" dst.addr=${IP_B}:15008 dst.hbone_addr=${IP_B}:8080 dst.service="payments.${NS}.svc.cluster.local" dst.workload="${POD_B}" dst.namespace="${NS}" dst.identity="spiffe://cluster.local/ns/${NS}/sa/payments" direction="outbound" bytes_sent=0 bytes_recv=0 duration="1ms" error="http status: 401 Unauthorized"\n`

async function scenario(logs: Record<string, string> = {}) {
  const cluster = await FakeCluster.create({
    docs: seedDocs({payments: {}}), extra: evidencePods(),
    logs: {
      [logKey.ztunnel(NODE_A)]: ztunnelAllowed(300) + outboundEcho(),
      [logKey.ztunnel(NODE_B)]: ztunnelDenials(60),
      [logKey.tetragon(NODE_A)]: tetragonKill('/usr/bin/wget') + tetragonKill('/usr/bin/wget', 'allow-binaries-checkout', 20),
      [logKey.tetragon(NODE_B)]: '',
      ...logs,
    },
  })
  return serveWithNock(cluster)
}

function request(records: RequestRecord[], over: Partial<LiveTriageRequest> = {}): LiveTriageRequest {
  return {
    namespace: NS, sinceSeconds: 900, profile: 'seed',
    connect: {kubeconfig: kubeconfigFor(SERVER), requestTimeoutMs: 2000, recorder: (r) => records.push(r)},
    readTimeoutMs: 5000,
    ...over,
  }
}

const row = (r: TriageReport, layer: string, src: string, dst: string) => r.groups.find((g) => g.layer === layer && `${g.source.namespace ? `${g.source.namespace}/` : ''}${g.source.name}` === src && `${g.destination.namespace ? `${g.destination.namespace}/` : ''}${g.destination.name}` === dst)

describe('live triage', () => {
  let hubble: FlowServer | undefined
  afterEach(() => {
    hubble?.stop()
    hubble = undefined
  })

  it('groups L4, L7 and runtime denials of the namespace and diagnoses each pair live; replies, forwards and the reverse direction make no group', async () => {
    await scenario()
    hubble = await startFlowServer(FLOWS)
    const records: RequestRecord[] = []
    const stats: {reads?: number} = {}
    const report = await triageLive(request(records, {hubbleServer: hubble.address}), stats)

    // Hubble was asked server-side for DROPPED flows from or to the namespace, since the window.
    // (The other GetFlows is the coverage probe: the oldest flow buffered, first=true number=1.)
    const flowsAsked = hubble.requests.filter((q) => !q.first)
    expect(flowsAsked).toHaveLength(1)
    expect(flowsAsked[0]!.whitelist).toEqual([
      expect.objectContaining({sourcePod: [`${NS}/`], verdict: ['DROPPED']}),
      expect.objectContaining({destinationPod: [`${NS}/`], verdict: ['DROPPED']}),
    ])
    expect(Math.abs(Number(flowsAsked[0]!.since.seconds) - (Date.now() / 1000 - 900))).toBeLessThan(5)

    const keys = report.groups.map((g) => `${g.count}× ${g.key}`)
    expect(keys.sort()).toEqual([
      `1× l4|${NS}/checkout|203.0.113.10|443|TCP`,
      `1× l4|${NS}/legacy-batch|${NS}/payments|8080|TCP`,
      `1× l7|${NS}/checkout|${NS}/payments|15008|`,
      `2× runtime|${NS}/checkout|/usr/bin/wget||`,
      `3× l4|${NS}/checkout|${NS}/payments|15008|TCP`,
    ].sort())
    // Nothing from payments to checkout (replies), nothing of billing, nothing FORWARDED.
    expect(report.groups.some((g) => g.source.name === 'payments' || g.source.namespace === 'billing')).toBe(false)
    expect(report.denials).toBe(8)

    // The pair pipeline on the live objects: payments does not declare checkout inbound.
    const l4 = row(report, 'l4', `${NS}/checkout`, `${NS}/payments`)!
    expect(l4.verdict).toMatchObject({status: 'BLOCKED', blockedAt: 'l4', explanation: 'Bilateral inbound declaration on payments does not include checkout.'})
    expect(l4.verdict.fix?.verified).toBe(true)
    expect(l4.policies).toEqual(['default-deny'])
    expect(row(report, 'l7', `${NS}/checkout`, `${NS}/payments`)!.verdict).toEqual(l4.verdict)
    expect(row(report, 'runtime', `${NS}/checkout`, '/usr/bin/wget')!.verdict).toMatchObject({status: 'BLOCKED', blockedAt: 'runtime', explanation: 'Tetragon killed /usr/bin/wget in commerce/checkout by allow-binaries-checkout.'})
    expect(row(report, 'l4', `${NS}/legacy-batch`, `${NS}/payments`)!.verdict).toEqual({status: 'NOT-DIAGNOSED', blockedAt: null, explanation: 'commerce/legacy-batch is not a LatticeService or LatticeMeshMember in the cluster (plain workloads are not diagnosed yet)'})
    // A drop to an address outside the cluster goes through the live external pipeline.
    expect(row(report, 'l4', `${NS}/checkout`, '203.0.113.10')!.verdict).toMatchObject({status: 'BLOCKED', blockedAt: 'l4', explanation: expect.stringMatching(/checkout declares no external-service for 203\.0\.113\.10:443/)})

    // Coverage of every source.
    const cov = Object.fromEntries(report.sources.map((s) => [s.source, s]))
    expect(cov.hubble).toMatchObject({state: 'read', denials: 5})
    expect(cov.hubble!.records).toBe(FLOWS.length)
    expect(cov.ztunnel).toMatchObject({state: 'read', denials: 1, agents: {read: 2, asked: 2}})
    expect(cov.waypoint).toMatchObject({state: 'not-asked', reason: 'no waypoint pod in namespace commerce'})
    expect(cov.tetragon).toMatchObject({state: 'read', denials: 2, agents: {read: 2, asked: 2}})
    for (const s of [cov.ztunnel!, cov.tetragon!]) expect(Date.parse(s.to!) - Date.parse(s.from!)).toBeGreaterThan(899_000)
    // The window actually covered: Relay's oldest buffered flow (the coverage probe's answer,
    // 50 s ago here) bounds it, whatever --since asked for.
    expect(Date.parse(cov.hubble!.to!) - Date.parse(cov.hubble!.from!)).toBeGreaterThan(45_000)
    expect(Date.parse(cov.hubble!.to!) - Date.parse(cov.hubble!.from!)).toBeLessThan(60_000)

    // Read-only, and the cluster state read once: no GET is ever asked twice, whatever the pairs.
    for (const r of records) {
      expect(r.method, r.path).toBe('GET')
      expect(r.upgrade).toBeUndefined()
      expect(decodeURIComponent(r.path).toLowerCase()).not.toContain('/secrets')
    }
    const asked = records.map((r) => `${r.path}?${new URLSearchParams(r.query).toString()}`)
    expect(asked.length).toBe(new Set(asked).size)
    expect(asked.filter((p) => p.includes('/latticeservices')).length).toBe(1)
    expect(stats.reads).toBeGreaterThan(10)

    // The report matches its schema and renders.
    const schema = JSON.parse(readFileSync(new URL('../../schema/triage.schema.json', import.meta.url), 'utf8'))
    const validate = new Ajv({allErrors: true, strict: false}).compile(schema)
    expect(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors)).toBe(true)
    const text = renderTriageText(report, {width: 200})
    expect(text).toContain(`3× L4 ${NS}/checkout → ${NS}/payments:15008 (HBONE)`)
    expect(text).toMatch(/ztunnel: \d+ records, 1 denials from \S+ to \S+ \(2\/2 agents read\)/)
    expect(text).toContain('waypoint: not asked (no waypoint pod in namespace commerce)')
  })

  it('a dead Hubble: its coverage says why, the ztunnel and Tetragon denials are still grouped', async () => {
    await scenario()
    const records: RequestRecord[] = []
    const report = await triageLive(request(records, {hubbleServer: '127.0.0.1:1', readTimeoutMs: 2000}))
    const hubbleCov = report.sources.find((s) => s.source === 'hubble')!
    expect(hubbleCov.state).toBe('unavailable')
    expect(hubbleCov.reason).toMatch(/127\.0\.0\.1:1/)
    expect(report.groups.map((g) => g.layer).sort()).toEqual(['l7', 'runtime'])
    expect(report.groups.find((g) => g.layer === 'l7')!.verdict.status).toBe('BLOCKED')
  })

  it('a ztunnel log that cannot be read is partial; no Hubble Relay service: unavailable with the port-forward reason', async () => {
    const scope = await scenario()
    void scope
    nock.cleanAll()
    const cluster = await FakeCluster.create({docs: seedDocs({payments: {}}), extra: evidencePods(), logs: {[logKey.ztunnel(NODE_B)]: ztunnelDenials(60), [logKey.tetragon(NODE_A)]: '', [logKey.tetragon(NODE_B)]: ''}})
    serveWithNock(cluster, {[`/api/v1/namespaces/istio-system/pods/ztunnel-${NODE_A}/log`]: {http: 403, message: 'pods "ztunnel-worker-a" is forbidden: cannot get resource "pods/log"'}})
    const records: RequestRecord[] = []
    const report = await triageLive(request(records, {layers: ['l4', 'l7']}))
    const cov = Object.fromEntries(report.sources.map((s) => [s.source, s]))
    expect(cov.hubble).toMatchObject({state: 'unavailable', reason: 'port-forward to kube-system/hubble-relay: not found: get services hubble-relay in namespace kube-system'})
    expect(cov.ztunnel).toMatchObject({state: 'partial', agents: {read: 1, asked: 2}, denials: 1})
    expect(cov.ztunnel!.reason).toContain('ztunnel-worker-a')
    expect(cov.tetragon).toMatchObject({state: 'not-asked'})
    expect(report.groups.map((g) => g.key)).toEqual([`l7|${NS}/checkout|${NS}/payments|15008|`])
  })

  it('-A: no namespace filter on the server (Hubble) nor in the Tetragon reader, denials of every namespace', async () => {
    await scenario()
    hubble = await startFlowServer(FLOWS)
    const report = await triageLive(request([], {namespace: undefined, allNamespaces: true, hubbleServer: hubble.address, layers: ['l4', 'runtime']}))
    expect(hubble.requests.find((q) => !q.first)!.whitelist).toEqual([expect.objectContaining({verdict: ['DROPPED'], sourcePod: [], destinationPod: []})])
    expect(report.namespace).toBeNull()
    expect(report.groups.map((g) => g.key)).toContain('l4|billing/ledger|billing/ledger|9000|TCP')
    expect(report.groups.map((g) => g.key)).toContain(`runtime|${NS}/checkout|/usr/bin/wget||`)
    expect(report.denials).toBe(6 + 2)
  })

  it('Tetragon over gRPC (--tetragon-server): SIGKILLs of the namespace only, the request filtered by namespace, the window the listening time', async () => {
    await scenario()
    const tetragon = await startTetragon([
      {namespace: NS, pod: POD_A, app: 'checkout', binary: '/usr/bin/curl'},
      {namespace: NS, pod: POD_A, app: 'checkout', binary: '/usr/bin/curl'},
      {namespace: 'billing', pod: OTHER.pod, app: 'ledger', binary: '/bin/bash'},
    ])
    try {
      const report = await triageLive(request([], {layers: ['runtime'], tetragonServer: tetragon.address, tetragonListenMs: 500}))
      expect(tetragon.requests[0].allowList).toEqual([expect.objectContaining({namespace: [NS]})])
      expect(report.groups.map((g) => `${g.count}× ${g.key}`)).toEqual([`2× runtime|${NS}/checkout|/usr/bin/curl||`])
      const cov = report.sources.find((s) => s.source === 'tetragon')!
      expect(cov).toMatchObject({state: 'read', denials: 2})
      // GetEvents has no history: what was covered is the listening time, not --since.
      expect(Date.parse(cov.to!) - Date.parse(cov.from!)).toBeLessThan(5000)
      expect(report.sources.filter((s) => s.source !== 'tetragon').map((s) => s.state)).toEqual(['not-asked', 'not-asked', 'not-asked'])
    } finally {
      tetragon.stop()
    }
  })

  it('waypoint RBAC 403s (Envoy access log): the caller, named only by address, is mapped back to its workload by the flows read; 200s and the reverse direction make no group', async () => {
    const WP = 'commerce-waypoint-5f7d8c9b6-h4k8s'
    const access = (from: string, service: string, code: 200 | 403, secondsAgo: number) => {
      const t = new Date(Date.now() - secondsAgo * 1000).toISOString()
      return `[${t}] "POST /v1/charges HTTP/1.1" ${code} - ${code === 403 ? 'rbac_access_denied_matched_policy[none]' : 'via_upstream'} - "-" 0 19 0 - "-" "curl/8.7.1" "req-${secondsAgo}" "${service}:8080" "-" inbound-vip|8080|http|${service}.svc.cluster.local - 10.96.0.20:8080 ${from} - default`
    }
    const log = [
      access(`${IP_A}:53390`, `payments.${NS}`, 403, 30),
      access(`${IP_A}:53391`, `payments.${NS}`, 403, 25),
      access(`${IP_A}:53392`, `payments.${NS}`, 200, 20),
      access(`${IP_B}:47001`, `checkout.${NS}`, 200, 15),
    ].join('\n') + '\n'
    serveWithNock(await FakeCluster.create({
      docs: waypointDocs(), useWaypoint: 'commerce-waypoint',
      extra: [...evidencePods(), pod(WP, 'commerce-waypoint', {ip: '10.244.2.50', node: NODE_B, sa: 'commerce-waypoint', labels: {'gateway.networking.k8s.io/gateway-name': 'commerce-waypoint'}})],
      logs: {[`${NS}/${WP}/istio-proxy`]: log},
    }))
    hubble = await startFlowServer([{src: A, dst: WORLD, dport: 443, verdict: 'DROPPED', secondsAgo: 40}, {src: A, dst: B, dport: 15008, verdict: 'FORWARDED', reply: false, secondsAgo: 35}])
    const report = await triageLive(request([], {layers: ['l4', 'l7'], hubbleServer: hubble.address}))
    const wp = report.groups.find((g) => g.bySource.waypoint)!
    expect(wp).toMatchObject({layer: 'l7', count: 2, source: {kind: 'workload', namespace: NS, name: 'checkout'}, destination: {namespace: NS, name: 'payments'}, port: 8080})
    expect(report.sources.find((s) => s.source === 'waypoint')).toMatchObject({state: 'read', records: 4, denials: 2, agents: {read: 1, asked: 1}})
    // Seed 001 allows checkout → payments: the waypoint's 403s win over the policies.
    expect(wp.verdict).toMatchObject({status: 'BLOCKED', blockedAt: 'l7'})
    expect(wp.verdict.explanation).toMatch(/^the live policies allow commerce\/checkout → commerce\/payments, yet the mesh denied it 2 times .*the datapath is the truth/)
  })

  it('property: the group counts sum to the denials read, for any mix of flows', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.record({
      src: fc.constantFrom(A, B, LEGACY, OTHER), dst: fc.constantFrom(A, B, LEGACY, OTHER, WORLD),
      dport: fc.constantFrom(15008, 8080, 443), verdict: fc.constantFrom('DROPPED' as const, 'FORWARDED' as const),
      reply: fc.option(fc.boolean(), {nil: undefined}), secondsAgo: fc.integer({min: 1, max: 800}),
    }), {maxLength: 30}), async (flows) => {
      nock.cleanAll()
      await scenario({[logKey.ztunnel(NODE_A)]: '', [logKey.ztunnel(NODE_B)]: '', [logKey.tetragon(NODE_A)]: ''})
      const srv = await startFlowServer(flows)
      try {
        const report = await triageLive(request([], {hubbleServer: srv.address, layers: ['l4'], maxDiagnosed: 1}))
        const hub = report.sources.find((s) => s.source === 'hubble')!
        expect(report.groups.reduce((n, g) => n + g.count, 0)).toBe(report.denials)
        expect(hub.denials).toBe(report.denials)
        // A denial is a forward-direction drop touching the namespace (the model of the rules).
        const expected = flows.filter((f) => f.verdict === 'DROPPED' && f.reply !== true && (f.src.namespace === NS || (f.dst as {namespace?: string}).namespace === NS)).length
        expect(report.denials).toBe(expected)
      } finally {
        srv.stop()
      }
    }), {numRuns: 8})
  }, 60_000)
})
