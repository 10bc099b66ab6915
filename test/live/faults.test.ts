// Fault injection, one source at a time, everything else healthy: a source that cannot be
// read makes its layer UNKNOWN (never ALLOWED), a CRD that is not installed makes it SKIP,
// and live evidence that fails or contradicts the evaluation is reported on its layer.
import net from 'node:net'
import nock from 'nock'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {EXIT_CODES} from '../../src/diagnose/result.js'
import type {RunningServer} from '../evidence/upstreamGrpc.js'
import {hasShared} from '../helpers/shared.js'
import {evidencePods, startHubble} from './evidence-fixtures.js'
import {FakeCluster, seedDocs, serveWithNock, type Fault} from './fake-cluster.js'
import {layer, run, useNock} from './run.js'

useNock()

const CNPS = '/apis/cilium.io/v2/namespaces/commerce/ciliumnetworkpolicies'
const CCNPS = '/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies'
const APS = '/apis/security.istio.io/v1/namespaces/commerce/authorizationpolicies'
const PAS = '/apis/security.istio.io/v1/namespaces/commerce/peerauthentications'

async function healthyExcept(faults: Record<string, Fault>, without: string[] = []) {
  serveWithNock(await FakeCluster.create({docs: seedDocs(), without}), faults)
}

describe('one failing source at a time', () => {
  it.each([
    [401, /^could not read Cilium policies \(cilium\.io\/v2\): unauthorized: credentials rejected for list ciliumnetworkpolicies\.cilium\.io in namespace commerce$/],
    [403, /^could not read Cilium policies \(cilium\.io\/v2\): forbidden: cannot list ciliumnetworkpolicies\.cilium\.io in namespace commerce$/],
  ])('%i on CNPs: L4 UNKNOWN with the reason, result UNKNOWN (exit 3), never ALLOWED', async (code, reason) => {
    await healthyExcept({[CNPS]: {http: code}})
    const d = await run()
    expect(layer(d, 'l4').status).toBe('UNKNOWN')
    expect(layer(d, 'l4').summary).toMatch(reason)
    expect(d.result.status).toBe('UNKNOWN')
    expect(EXIT_CODES[d.result.status]).toBe(3)
    expect(d.result.explanation).toMatch(/^Not enough data: l4 could not read Cilium policies/)
    for (const id of ['admission', 'cedar', 'declarations', 'l7', 'runtime']) expect(layer(d, id).status).toBe('PASS')
    // Drift is not computed for a layer whose live objects are unknown.
    expect(d.drift.filter((x) => x.layer === 'l4')).toEqual([])
  })

  it('Tetragon CRDs absent from discovery: runtime SKIP (not installed), ALLOWED with the warning', async () => {
    await healthyExcept({}, ['cilium.io/v1alpha1/tracingpolicies', 'cilium.io/v1alpha1/tracingpoliciesnamespaced'])
    const d = await run()
    expect(layer(d, 'runtime')).toMatchObject({status: 'SKIP', summary: 'not installed (Tetragon TracingPolicies (cilium.io/v1alpha1) not served)'})
    expect(d.result).toEqual({status: 'ALLOWED', blockedAt: null, explanation: ''})
    expect(d.warnings).toContain('Tetragon (runtime) is not enforced on this cluster')
    expect(d.drift.filter((x) => x.layer === 'runtime')).toEqual([])
  })

  it('Istio CRDs absent from discovery: L7 SKIP', async () => {
    await healthyExcept({}, ['security.istio.io/v1/authorizationpolicies', 'security.istio.io/v1/peerauthentications', 'networking.istio.io/v1/serviceentries'])
    const d = await run()
    expect(layer(d, 'l7')).toMatchObject({status: 'SKIP', summary: 'not installed (Istio security policies (security.istio.io) not served)'})
    expect(d.warnings).toContain('Istio (l7) is not enforced on this cluster')
    expect(d.result.status).toBe('ALLOWED')
    expect(d.warnings.join('\n')).not.toMatch(/L7 context incomplete/)
  })

  it('Istio collections answering 404 (stale discovery): L7 SKIP', async () => {
    await healthyExcept({[APS]: {http: 404}, [PAS]: {http: 404}})
    const d = await run()
    expect(layer(d, 'l7').status).toBe('SKIP')
    expect(layer(d, 'l7').summary).toMatch(/^not installed/)
  })

  it('500 on AuthorizationPolicies: L7 UNKNOWN', async () => {
    await healthyExcept({[APS]: {http: 500, message: 'etcdserver: request timed out'}})
    const d = await run()
    expect(layer(d, 'l7')).toMatchObject({status: 'UNKNOWN'})
    expect(layer(d, 'l7').summary).toBe('could not read Istio security policies (security.istio.io): server error: list authorizationpolicies.security.istio.io in namespace commerce: HTTP 500 (etcdserver: request timed out)')
    expect(d.result.status).toBe('UNKNOWN')
  })

  it('CCNPs slower than --request-timeout: L4 UNKNOWN (timeout)', async () => {
    await healthyExcept({[CCNPS]: {delayMs: 2000}})
    const t0 = Date.now()
    const d = await run({requestTimeoutMs: 250})
    expect(Date.now() - t0).toBeLessThan(1900)
    expect(layer(d, 'l4').status).toBe('UNKNOWN')
    expect(layer(d, 'l4').summary).toBe('could not read Cilium policies (cilium.io/v2): timeout: list ciliumclusterwidenetworkpolicies.cilium.io: no answer within 250 ms')
    expect(d.result.status).toBe('UNKNOWN')
  })

  it('malformed JSON on PeerAuthentications: L7 UNKNOWN', async () => {
    await healthyExcept({[PAS]: {raw: '{"apiVersion":"security.istio.io/v1","kind":"PeerAuthenticationList","items":[{"metadata":'}})
    const d = await run()
    expect(layer(d, 'l7').status).toBe('UNKNOWN')
    expect(layer(d, 'l7').summary).toMatch(/malformed: list peerauthentications\.security\.istio\.io in namespace commerce: response is not valid JSON$/)
    expect(d.result.status).toBe('UNKNOWN')
  })

  it('connection refused for the whole API: one line naming the server and the cause, never ALLOWED', async () => {
    // A port that was just free: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port
        s.close(() => resolve(p))
      })
    })
    nock.enableNetConnect('127.0.0.1')
    const error = await run({server: `https://127.0.0.1:${port}`}).then(() => undefined, (e: Error) => e)
    // Inconclusive (exit 3, like UNKNOWN), not an input error; and not "no LatticeService of
    // that name": the cluster was never read.
    expect(error?.name).toBe('InconclusiveError')
    expect((error as {exitCode?: number}).exitCode).toBe(3)
    expect(error?.message).toBe(`cannot tell whether source 'commerce/checkout' exists: could not read the cluster at https://127.0.0.1:${port}: unreachable: list latticeservices.lattice.dev in namespace commerce: connect ECONNREFUSED 127.0.0.1:${port}`)
  })
})

describe.skipIf(!hasShared)('Hubble evidence over gRPC (upstream observer.proto)', () => {
  let unavailable: RunningServer
  let drops: RunningServer
  beforeAll(async () => {
    unavailable = await startHubble({kind: 'unavailable-mid-stream'})
    drops = await startHubble({kind: 'drops'})
  })
  afterAll(async () => {
    await unavailable?.stop()
    await drops?.stop()
  })

  it('UNAVAILABLE mid-stream: Hubble incomplete (state, warning, L4 reasons), the verdict is unchanged', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: evidencePods()}))
    const d = await run({evidence: true, hubbleServer: unavailable.address})
    const l4 = layer(d, 'l4')
    expect(l4.status).toBe('PASS')
    const reason = /^hubble: GetFlows at 127\.0\.0\.1:\d+ is unavailable \(UNAVAILABLE: peer prod\/worker-b is unreachable\)$/
    expect(l4.reasons).toContainEqual(expect.stringMatching(/^Hubble evidence incomplete: hubble: GetFlows at .* \(UNAVAILABLE: peer prod\/worker-b is unreachable\)$/))
    expect(d.result.status).toBe('ALLOWED')
    // Asked for and not fully read: also a warning (§10.14), and its state says why. The one
    // flow that came is payments' own connection to checkout: read, not matched.
    expect(d.warnings).toEqual([expect.stringMatching(/^hubble evidence incomplete: hubble: GetFlows at 127\.0\.0\.1:\d+ is unavailable/)])
    expect(d.evidenceSources?.find((s) => s.source === 'hubble')).toMatchObject({state: 'partial', recordsRead: 1, recordsMatched: 0, reason: expect.stringMatching(reason)})
  })

  it('POLICY_DENIED drops for a pair the policies allow: L4 DENY, "the datapath is the truth"', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: evidencePods()}))
    const d = await run({evidence: true, hubbleServer: drops.address})
    const l4 = layer(d, 'l4')
    expect(l4.status).toBe('DENY')
    expect(l4.summary).toMatch(/^datapath drops the traffic; CiliumNetworkPolicy cnp-mesh-e79249a6 allows .*; Hubble: 2 drops \(POLICY_DENIED\)/)
    expect(l4.summary).not.toMatch(/Hubble: Hubble:/)
    expect(l4.evidence).toContainEqual(expect.objectContaining({kind: 'HubbleFlows', source: 'hubble', count: 2}))
    expect(d.warnings).toContainEqual(expect.stringMatching(/^Hubble shows 2 policy drops for this pair although the policies allow it: the datapath is the truth/))
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
  })
})
