import nock from 'nock'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {readPairState, type PairState, type PairStateEvent, type ReadResult, type RequestRecord} from '../../src/cluster/index.js'
import type {KubeObject} from '../../src/core/kube.js'
import {aggregatedDiscovery, SERVER, testCluster, TOKEN} from './fixtures.js'
import {installPairRoutes, PAIR, pairRoutes, type Fault} from './pair-routes.js'

beforeEach(() => nock.disableNetConnect())
afterEach(() => {
  nock.cleanAll()
  nock.enableNetConnect()
})

/** Every ReadResult of a PairState under the same names the progress events use. */
function results(state: PairState): Record<string, ReadResult<unknown>> {
  const out: Record<string, ReadResult<unknown>> = {discovery: state.installed}
  for (const [key, value] of Object.entries(state)) {
    if (['source', 'target', 'pairNamespaces', 'sinceSeconds', 'installed'].includes(key)) continue
    if ('ok' in (value as object)) out[key === 'cedarPolicies' ? 'cedarPolicies/lattice-system' : key] = value as ReadResult<unknown>
    else for (const [ns, r] of Object.entries(value as Record<string, ReadResult<unknown>>)) out[`${key}/${ns}`] = r
  }
  return out
}

const SOURCES = 31 // distinct ReadResults (servicesB and ciliumConfig each merge two requests; NetworkPolicies of both namespaces)

describe('readPairState', () => {
  it('reads every §9.2 step-1 source with GET only, never a Secret, as plain objects', async () => {
    const records: RequestRecord[] = []
    const scope = installPairRoutes()
    const cluster = await testCluster({records})
    const state = await readPairState(cluster, PAIR)

    expect(scope.isDone()).toBe(true)
    expect(records).toHaveLength(pairRoutes().length)
    for (const r of records) {
      expect(r.method).toBe('GET')
      expect(r.path).not.toContain('/secrets')
    }
    const all = results(state)
    expect(Object.keys(all)).toHaveLength(SOURCES)
    for (const [name, r] of Object.entries(all)) expect(r.ok, `${name}: ${r.ok ? '' : r.reason}`).toBe(true)

    expect(state.pairNamespaces).toEqual(['shop', 'commerce'])
    expect(Object.keys(state.authorizationPolicies)).toEqual(['commerce', 'istio-system'])
    const cnp = (state.cnps.commerce as {ok: true; items: KubeObject[]}).items[0]
    expect(cnp.apiVersion).toBe('cilium.io/v2')
    expect(cnp.kind).toBe('CiliumNetworkPolicy')
    expect(cnp.metadata).toMatchObject({name: 'cnp-mesh-commerce', namespace: 'commerce'})
    const pod = (state.podsB as {ok: true; items: KubeObject[]}).items[0]
    expect(pod).toMatchObject({apiVersion: 'v1', kind: 'Pod', status: {phase: 'Running'}})
    expect(typeof pod.metadata.creationTimestamp).toBe('string') // plain JSON, not a Date
    const services = (state.servicesB as {ok: true; items: KubeObject[]}).items.map((s) => s.metadata.name)
    expect(services).toEqual(['payments', 'payments-admin'])
    expect(state.ciliumConfig).toMatchObject({ok: true, items: [{kind: 'ConfigMap', metadata: {namespace: 'kube-system'}}]})
    expect(state.sinceSeconds).toBe(900)
  })

  it('emits started and finished/failed events for every source', async () => {
    installPairRoutes({'cnps/commerce': {http: 403}})
    const events: PairStateEvent[] = []
    await readPairState(await testCluster(), PAIR, (e) => events.push(e))
    const started = events.filter((e) => e.type === 'source-started').map((e) => e.source)
    const ended = events.filter((e) => e.type !== 'source-started')
    expect(new Set(started).size).toBe(SOURCES)
    expect(ended).toHaveLength(SOURCES)
    expect(ended.find((e) => e.source === 'cnps/commerce')).toMatchObject({
      type: 'source-failed', reason: 'forbidden: cannot list ciliumnetworkpolicies.cilium.io in namespace commerce',
    })
    for (const e of ended) expect(typeof (e as {ms: number}).ms).toBe('number')
    // Every source starts before the first one ends: the fan-out does not await in between.
    const firstEnd = events.findIndex((e) => e.type !== 'source-started')
    expect(events.slice(0, firstEnd)).toHaveLength(SOURCES)
  })

  it('has every independent request in flight at once (no sequential awaits)', async () => {
    const waiting: Array<() => void> = []
    const scope = nock(SERVER)
    scope.get('/apis').reply(200, aggregatedDiscovery())
    for (const route of pairRoutes().filter((r) => r.id !== 'discovery')) {
      let interceptor = scope.get(route.path)
      if (route.query) interceptor = interceptor.query(route.query)
      const code = route.id === 'ciliumConfig/cilium-system' ? 404 : 200
      interceptor.reply((_uri, _body, callback) => {
        waiting.push(() => callback(null, [code, JSON.stringify(route.body)]))
      })
    }
    const done = readPairState(await testCluster(), PAIR)
    const expected = pairRoutes().length - 1
    const deadline = Date.now() + 3000
    while (waiting.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(waiting.length).toBe(expected) // all held at the same time
    for (const release of waiting) release()
    const state = await done
    expect(Object.values(results(state)).every((r) => r.ok)).toBe(true)
  })

  const cases: Array<[string, string, Fault, string, RegExp]> = [
    ['401', 'cnps/shop', {http: 401}, 'unauthorized', /^unauthorized: credentials rejected for list ciliumnetworkpolicies\.cilium\.io in namespace shop$/],
    ['403', 'authorizationPolicies/istio-system', {http: 403}, 'forbidden', /^forbidden: cannot list authorizationpolicies\.security\.istio\.io in namespace istio-system$/],
    ['404 on a CRD collection', 'tracingPolicies', {http: 404}, 'not-installed', /^not installed: list tracingpolicies\.cilium\.io/],
    ['404 on a named object', 'namespaces/shop', {http: 404}, 'not-found', /^not found: get namespaces shop$/],
    ['500', 'ccnps', {http: 500}, 'server-error', /^server error: list ciliumclusterwidenetworkpolicies\.cilium\.io: HTTP 500 \(injected 500\)$/],
    ['a slow answer', 'podsB', {delayMs: 3000}, 'timeout', /^timeout: list pods in namespace commerce: no answer within 300 ms$/],
    ['connection refused', 'gateways/commerce', {error: 'ECONNREFUSED'}, 'unreachable', /^unreachable: list gateways\.gateway\.networking\.k8s\.io in namespace commerce: .*ECONNREFUSED/],
    ['malformed JSON', 'peerAuthentications/commerce', {raw: '{"kind":"PeerAuthenticationList","items":[{'}, 'malformed', /^malformed: list peerauthentications\.security\.istio\.io in namespace commerce: response is not valid JSON$/],
    ['a list without items', 'latticeServices/shop', {raw: '{"kind":"Status","apiVersion":"v1"}'}, 'malformed', /expected a LatticeServiceList/],
    ['403 on one of two Service reads', 'servicesB#label', {http: 403}, 'forbidden', /^forbidden: cannot list services in namespace commerce$/],
  ]

  it.each(cases)('classifies %s on %s while every other source succeeds', async (_label, id, fault, expected, reason) => {
    installPairRoutes({[id]: fault})
    const state = await readPairState(await testCluster({requestTimeoutMs: 300}), PAIR)
    const all = results(state)
    const key = id.replace(/#.*$/, '')
    const broken = all[key]
    expect(broken.ok).toBe(false)
    if (!broken.ok) {
      expect(broken.status).toBe(expected)
      expect(broken.reason).toMatch(reason)
      expect(broken.reason).not.toMatch(/\n/)
    }
    for (const [name, r] of Object.entries(all)) if (name !== key) expect(r.ok, `${name}: ${r.ok ? '' : r.reason}`).toBe(true)
  })

  it('skips CRDs discovery says are absent (Tetragon not installed) without requesting them', async () => {
    const routes = pairRoutes()
      .filter((r) => !r.id.startsWith('tracingPolicies'))
      .map((r) => (r.id === 'discovery' ? {...r, body: aggregatedDiscovery(['cilium.io/v1alpha1/tracingpolicies', 'cilium.io/v1alpha1/tracingpoliciesnamespaced'])} : r))
    const records: RequestRecord[] = []
    const scope = installPairRoutes({}, routes)
    const state = await readPairState(await testCluster({records}), PAIR)
    expect(scope.isDone()).toBe(true)
    expect(records.some((r) => r.path.includes('tracingpolicies'))).toBe(false)
    expect(state.tracingPolicies).toMatchObject({ok: false, status: 'not-installed'})
    expect(state.tracingPoliciesNamespaced.commerce).toMatchObject({ok: false, status: 'not-installed'})
    expect(state.cnps.commerce.ok).toBe(true)
  })

  it('finds cilium-config in cilium-system when kube-system has none', async () => {
    const routes = pairRoutes()
    const cm = routes.find((r) => r.id === 'ciliumConfig/kube-system')!.body as KubeObject
    const moved = {...cm, metadata: {...cm.metadata, namespace: 'cilium-system'}}
    // Renamed so installPairRoutes answers it 200.
    const scope = installPairRoutes({'ciliumConfig/kube-system': {http: 404}}, routes.map((r) =>
      r.id === 'ciliumConfig/cilium-system' ? {...r, id: 'ciliumConfig/moved', body: moved} : r))
    const state = await readPairState(await testCluster(), PAIR)
    expect(scope.isDone()).toBe(true)
    expect(state.ciliumConfig).toMatchObject({ok: true, items: [{metadata: {name: 'cilium-config', namespace: 'cilium-system'}}]})
  })

  it('reports not-found for cilium-config only when neither namespace has it', async () => {
    installPairRoutes({'ciliumConfig/kube-system': {http: 404}})
    const state = await readPairState(await testCluster(), PAIR)
    expect(state.ciliumConfig).toEqual({ok: false, status: 'not-found', reason: 'not found: configmaps cilium-config in namespaces kube-system, cilium-system'})
  })

  it('never lets the kubeconfig token into a reason, even when the server echoes it', async () => {
    const echo = `Authorization: Bearer ${TOKEN} rejected; token=${TOKEN}`
    installPairRoutes({'cnps/shop': {http: 500, message: echo}, 'cnps/commerce': {http: 403, message: echo}, ccnps: {http: 401}, podsA: {error: 'ECONNRESET'}})
    const events: PairStateEvent[] = []
    const state = await readPairState(await testCluster(), PAIR, (e) => events.push(e))
    expect(state.cnps.shop).toMatchObject({ok: false, status: 'server-error'})
    expect(state.cnps.commerce).toMatchObject({ok: false, status: 'forbidden'})
    const text = JSON.stringify({state: Object.values(results(state)).filter((r) => !r.ok), events})
    expect(text).toContain('[redacted]')
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain(TOKEN.slice(0, 20))
  })
})
