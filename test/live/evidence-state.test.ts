// Live evidence against the fake cluster (LATTICE-SPEC §9.5, §10.5, §10.14): evidence of the
// other direction never turns a verdict, every source reports its state in the diagnosis,
// and a source asked for but not read is a warning while the verdict stands on the policies.
import net from 'node:net'
import nock from 'nock'
import {Ajv} from 'ajv'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {renderDiagnosisText} from '../../src/render/diagnosis-text.js'
import {toReport} from '../../src/render/structured.js'
import type {RunningServer} from '../evidence/upstreamGrpc.js'
import {hasShared, PROJECT_ROOT} from '../helpers/shared.js'
import {commerceFlow, ENDS, evidencePods, logKey, startHubble, ztunnelAllowed} from './evidence-fixtures.js'
import {FakeCluster, NODE_A, NODE_B, NS, pod, seedDocs, serveWithNock, waypointDocs} from './fake-cluster.js'
import {layer, run, useNock} from './run.js'

useNock()

const {a: A, b: B} = ENDS
const HBONE = 15008
const validate = new Ajv({allErrors: true}).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'diagnosis.schema.json'), 'utf8')))

/** payments' ingress CNP missing: L4 denies checkout → payments on the policies. */
const l4Blocked = async () => (await FakeCluster.create({docs: seedDocs(), extra: evidencePods()})).remove('CiliumNetworkPolicy', 'cnp-mesh-3d68c7ca')

/** A port nothing listens on (a Relay refusing connections). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port
      s.close(() => resolve(p))
    })
  })
}

describe.skipIf(!hasShared)('Hubble flows of the other direction and replies never count for A → B (§10.14)', () => {
  let reverse: RunningServer
  let forward: RunningServer
  beforeAll(async () => {
    // What turned a correct BLOCKED at L4 into a false verdict on a live cluster: payments'
    // own connections to checkout (forwarded, not replies), checkout's replies to them
    // (checkout → payments, is_reply=true), a trace with an unknown conntrack reason, all
    // after checkout's dropped attempts.
    reverse = await startHubble({kind: 'flows', flows: [
      commerceFlow({src: A, dst: B, sport: 38816, dport: HBONE, verdict: 'DROPPED', type: 1, dir: 'INGRESS', secondsAgo: 120}),
      commerceFlow({src: B, dst: A, sport: 41000, dport: HBONE, verdict: 'FORWARDED', type: 5, reply: false, dir: 'EGRESS', secondsAgo: 60}),
      commerceFlow({src: B, dst: A, sport: 41000, dport: HBONE, verdict: 'FORWARDED', type: 4, reply: false, dir: 'INGRESS', secondsAgo: 60}),
      commerceFlow({src: A, dst: B, sport: HBONE, dport: 41000, verdict: 'FORWARDED', type: 4, reply: true, dir: 'INGRESS', secondsAgo: 59}),
      commerceFlow({src: A, dst: B, sport: 33001, dport: HBONE, verdict: 'FORWARDED', type: 4, reply: true, dir: 'EGRESS', secondsAgo: 58}),
      commerceFlow({src: A, dst: B, sport: 33002, dport: HBONE, verdict: 'FORWARDED', type: 4, dir: 'EGRESS', secondsAgo: 57}),
    ]})
    // Control: a genuine A → B connection forwarded after the drops (first packet, is_reply=false).
    forward = await startHubble({kind: 'flows', flows: [
      commerceFlow({src: A, dst: B, sport: 38816, dport: HBONE, verdict: 'DROPPED', type: 1, dir: 'INGRESS', secondsAgo: 120}),
      commerceFlow({src: A, dst: B, sport: 39000, dport: HBONE, verdict: 'FORWARDED', type: 5, reply: false, dir: 'EGRESS', secondsAgo: 30}),
    ]})
  })
  afterAll(async () => {
    await reverse?.stop()
    await forward?.stop()
  })

  it('L4 denied by the policies stays BLOCKED at L4 with B → A flows and replies in the stream', async () => {
    serveWithNock(await l4Blocked())
    const d = await run({evidence: true, hubbleServer: reverse.address})
    expect(d.target.port?.wirePort).toBe(HBONE)
    expect(layer(d, 'l4').status).toBe('DENY')
    expect(layer(d, 'l4').summary).not.toMatch(/datapath forwards/)
    expect(layer(d, 'l4').summary).toMatch(/; Hubble: 1 drop \(POLICY_DENIED\)/)
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(d.warnings.join('\n')).not.toMatch(/Hubble forwarded/)
    // Six flows read; one is checkout → payments on the wire port in its own direction.
    expect(d.evidenceSources?.find((s) => s.source === 'hubble')).toMatchObject({state: 'read', recordsRead: 6, recordsMatched: 1, agents: {read: 1, asked: 1}})
  })

  it('control: a forwarded A → B first packet after the drops is still "the datapath is the truth" (WARN)', async () => {
    serveWithNock(await l4Blocked())
    const d = await run({evidence: true, hubbleServer: forward.address})
    expect(layer(d, 'l4').status).toBe('WARN')
    expect(layer(d, 'l4').summary).toMatch(/^datapath forwards the traffic; /)
    expect(d.warnings).toContainEqual(expect.stringMatching(/^Hubble forwarded 1 flow for this pair although the policies deny it/))
  })
})

describe.skipIf(!hasShared)('evidence state in the diagnosis (§10.14)', () => {
  it('dead Relay and ztunnel logs refused (403): unavailable with reasons, warnings, Tetragon still read, verdict from the policies', async () => {
    const port = await closedPort()
    nock.enableNetConnect('127.0.0.1')
    const forbidden = {http: 403, message: 'pods "ztunnel" is forbidden: User "dev" cannot get resource "pods/log" in namespace "istio-system"'}
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: evidencePods(), logs: {[logKey.ztunnel(NODE_A)]: ztunnelAllowed()}}), {
      [`/api/v1/namespaces/istio-system/pods/ztunnel-${NODE_A}/log`]: forbidden,
      [`/api/v1/namespaces/istio-system/pods/ztunnel-${NODE_B}/log`]: forbidden,
    })
    const d = await run({evidence: true, hubbleServer: `127.0.0.1:${port}`})
    const state = Object.fromEntries((d.evidenceSources ?? []).map((s) => [s.source, s]))
    expect(state.hubble).toMatchObject({state: 'unavailable', reason: expect.stringMatching(new RegExp(`^hubble: GetFlows at 127\\.0\\.0\\.1:${port} (is unavailable|timed out)`))})
    expect(state.ztunnel).toMatchObject({state: 'unavailable', agents: {read: 0, asked: 2}})
    expect(state.ztunnel.reason).toMatch(/^istio-system\/ztunnel-worker-(a|b): forbidden: .*; istio-system\/ztunnel-worker-(a|b): forbidden/)
    expect(state.waypoint).toEqual({source: 'waypoint', state: 'not-asked', reason: 'no waypoint on the path'})
    expect(state.tetragon).toMatchObject({state: 'read', recordsRead: 0, recordsMatched: 0, agents: {read: 2, asked: 2}})
    expect(d.warnings.filter((w) => / evidence unavailable: /.test(w)).map((w) => w.split(':')[0])).toEqual(['hubble evidence unavailable', 'ztunnel evidence unavailable'])
    // Evidence is never required for the verdict (§9.5): the same verdict as without it.
    expect(d.result).toEqual({status: 'ALLOWED', blockedAt: null, explanation: ''})
    expect(layer(d, 'l4').summary).toMatch(/; Hubble unavailable: /)
    expect(layer(d, 'l7').reasons).toContainEqual(expect.stringMatching(/^ztunnel evidence unavailable: /))
    expect(validate(JSON.parse(JSON.stringify(toReport(d)))), JSON.stringify(validate.errors)).toBe(true)
    // Text: one line per source, none wider than 80 columns.
    const text = renderDiagnosisText(d)
    const block = text.slice(text.indexOf('Evidence:')).split('\n').slice(0, 5)
    expect(block[0]).toBe('Evidence:')
    expect(block.slice(1).map((l) => l.split(':')[0].trim())).toEqual(['hubble', 'ztunnel', 'waypoint', 'tetragon'])
    expect(block[4]).toMatch(/^ {2}tetragon: 0 of 0 events, \d\d:\d\d:\d\d-\d\d:\d\d:\d\d$/)
    for (const l of text.split('\n')) if (block.includes(l)) expect(l.length).toBeLessThanOrEqual(80)
  })

  it('dead evidence never unblocks: policies deny, evidence unread → BLOCKED at L4', async () => {
    const port = await closedPort()
    nock.enableNetConnect('127.0.0.1')
    serveWithNock(await l4Blocked(), {[`/api/v1/namespaces/istio-system/pods/ztunnel-${NODE_B}/log`]: {http: 403}})
    const d = await run({evidence: true, hubbleServer: `127.0.0.1:${port}`})
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    // One ztunnel of two answered: partial, and a warning saying which.
    expect(d.evidenceSources?.find((s) => s.source === 'ztunnel')).toMatchObject({state: 'partial', agents: {read: 1, asked: 2}, reason: expect.stringMatching(/^istio-system\/ztunnel-worker-b: forbidden/)})
    expect(d.warnings).toContainEqual(expect.stringMatching(/^ztunnel evidence incomplete: istio-system\/ztunnel-worker-b: forbidden/))
  })

  it('a Relay cut off by the deadline after some flows: partial, what came is used, a warning; it never overturns a denial', async () => {
    const flows = [
      commerceFlow({src: A, dst: B, sport: 38816, dport: HBONE, verdict: 'DROPPED', type: 1, dir: 'INGRESS', secondsAgo: 20}),
    ]
    const forwards = [commerceFlow({src: A, dst: B, sport: 39000, dport: HBONE, verdict: 'FORWARDED', type: 5, reply: false, dir: 'EGRESS', secondsAgo: 10})]
    const hang = await startHubble({kind: 'hang', flows})
    const hangForward = await startHubble({kind: 'hang', flows: forwards})
    try {
      serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: evidencePods()}))
      const d = await run({evidence: true, hubbleServer: hang.address, requestTimeoutMs: 250})
      const reason = expect.stringMatching(/^hubble: GetFlows at 127\.0\.0\.1:\d+ timed out after 250ms \(DEADLINE_EXCEEDED\)$/)
      expect(d.evidenceSources?.find((s) => s.source === 'hubble')).toMatchObject({state: 'partial', recordsRead: 1, recordsMatched: 1, reason})
      expect(d.warnings).toContainEqual(expect.stringMatching(/^hubble evidence incomplete: hubble: GetFlows at .* timed out/))
      // A policy drop of A → B on the wire port was seen: the datapath is the truth.
      expect(layer(d, 'l4').status).toBe('DENY')
      expect(renderDiagnosisText(d)).toMatch(/\n {2}hubble: 1 of 1 flows, \d\d:\d\d:\d\d-\d\d:\d\d:\d\d, incomplete\n/)

      // Forwards in a read cut short cannot overturn a denial: later drops may be missing.
      nock.cleanAll()
      serveWithNock(await l4Blocked())
      const blocked = await run({evidence: true, hubbleServer: hangForward.address, requestTimeoutMs: 250})
      expect(blocked.evidenceSources?.find((s) => s.source === 'hubble')?.state).toBe('partial')
      expect(layer(blocked, 'l4').status).toBe('DENY')
      expect(blocked.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    } finally {
      await hang.stop()
      await hangForward.stop()
    }
  })

  it('the schema requires a reason for a source that was not read', () => {
    const base = toReport({source: {namespace: 'a', name: 'a', kind: 'LatticeService'}, target: {namespace: 'b', name: 'b', kind: 'LatticeService'}, profile: 'seed', trustDomain: 'cluster.local',
      policySource: 'cluster', layers: ['admission', 'cedar', 'declarations', 'l4', 'l7', 'runtime'].map((l) => ({layer: l, status: 'PASS', summary: '', reasons: [], evidence: [], warnings: []})) as never,
      result: {status: 'ALLOWED', blockedAt: null, explanation: ''}, drift: [], warnings: [], fix: null, evidenceSources: []})
    const withSources = (evidenceSources: unknown[]) => validate({...base, evidenceSources})
    expect(withSources([{source: 'hubble', state: 'unavailable', reason: 'refused'}])).toBe(true)
    expect(withSources([{source: 'hubble', state: 'unavailable'}])).toBe(false)
    expect(withSources([{source: 'ztunnel', state: 'read'}])).toBe(false)
    expect(withSources([{source: 'ztunnel', state: 'read', window: {from: 'x', to: 'y'}, recordsRead: 3, recordsMatched: 1}])).toBe(true)
    expect(withSources([{source: 'kafka', state: 'read'}])).toBe(false)
  })

  it('--no-evidence: every source not asked, no warning about them, one text line', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: evidencePods()}))
    const d = await run({evidence: false})
    expect(d.evidenceSources).toEqual(['hubble', 'ztunnel', 'waypoint', 'tetragon'].map((source) => ({source, state: 'not-asked', reason: '--no-evidence'})))
    expect(d.warnings.join('\n')).not.toMatch(/evidence/)
    expect(renderDiagnosisText(d)).toContain('\nEvidence: not read (--no-evidence)\n')
    expect(validate(JSON.parse(JSON.stringify(toReport(d)))), JSON.stringify(validate.errors)).toBe(true)
  })
})

describe('waypoint access log through B\'s waypoint (Envoy EnvoyTextLogFormat, istio/istio telemetry_logging.go)', () => {
  const WP = 'commerce-waypoint-5f7d8c9b6-h4k8s'
  const waypointPod = () => pod(WP, 'commerce-waypoint', {ip: '10.244.2.50', node: NODE_B, sa: 'commerce-waypoint', labels: {'gateway.networking.k8s.io/gateway-name': 'commerce-waypoint'}})
  /** A waypoint access-log line as in the sample: RBAC 403 (no upstream host) or a 200 through to the pod. */
  const access = (o: {from: string; service: string; code: 200 | 403; secondsAgo: number; upstream?: string}) => {
    const t = new Date(Date.now() - o.secondsAgo * 1000).toISOString()
    const details = o.code === 403 ? 'rbac_access_denied_matched_policy[none]' : 'via_upstream'
    return `[${t}] "POST /v1/charges HTTP/1.1" ${o.code} - ${details} - "-" 0 19 0 - "-" "curl/8.7.1" "req-${o.from}-${o.secondsAgo}" "${o.service}:8080" ` +
      `"${o.upstream ? `envoy://connect_originate/${o.upstream}` : '-'}" inbound-vip|8080|http|${o.service}.svc.cluster.local - 10.96.0.20:8080 ${o.from} - default`
  }

  it('a 403 for checkout → payments is an L7 denial; payments\' own request to checkout through the same waypoint is not', async () => {
    const log = [
      access({from: `${B.ip}:47001`, service: `checkout.${NS}`, code: 403, secondsAgo: 20}),
      access({from: `${A.ip}:53390`, service: `payments.${NS}`, code: 403, secondsAgo: 30}),
      access({from: `${B.ip}:47002`, service: `checkout.${NS}`, code: 200, secondsAgo: 10, upstream: `${A.ip}:8080`}),
    ].join('\n') + '\n'
    serveWithNock(await FakeCluster.create({docs: waypointDocs(), useWaypoint: 'commerce-waypoint', extra: [...evidencePods(), waypointPod()],
      logs: {[`${NS}/${WP}/istio-proxy`]: log}}))
    const d = await run({evidence: true, method: 'POST', path: '/v1/charges'})
    expect(d.evidenceSources?.find((s) => s.source === 'waypoint')).toMatchObject({state: 'read', recordsRead: 3, recordsMatched: 1, agents: {read: 1, asked: 1}})
    expect(layer(d, 'l7').status).toBe('DENY')
    expect(layer(d, 'l7').summary).toMatch(/^mesh denies the traffic; .*; mesh logs: 1 RBAC denial \(rbac_access_denied_matched_policy\[none\]\)$/)
    expect(layer(d, 'l7').evidence).toContainEqual(expect.objectContaining({kind: 'WaypointAccessLog', source: 'waypoint'}))
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l7'})
  })
})
