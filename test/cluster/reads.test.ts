import nock from 'nock'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {ForbiddenRequestError, isServed, RESOURCES, type RequestRecord, type ResourceDef} from '../../src/cluster/index.js'
import {assertAllowed} from '../../src/cluster/request.js'
import {aggregatedDiscovery, legacyDiscovery, list, objects as o, SERVER, status, testCluster} from './fixtures.js'

beforeEach(() => nock.disableNetConnect())
afterEach(() => {
  nock.cleanAll()
  nock.enableNetConnect()
})

function api(): nock.Scope {
  // Optional: core reads never consult discovery.
  return nock(SERVER).get('/apis').optionally().reply(200, aggregatedDiscovery())
}

describe('typed reads', () => {
  it('lists pods with a server-side label selector and fills apiVersion/kind on items', async () => {
    api().get('/api/v1/namespaces/commerce/pods').query({labelSelector: 'app.kubernetes.io/name=payments'})
      .reply(200, list('v1', 'Pod', [o.pod('commerce', 'payments-1', 'payments'), o.pod('commerce', 'payments-2', 'payments')]))
    const cluster = await testCluster()
    const pods = await cluster.pods('commerce', {labelSelector: 'app.kubernetes.io/name=payments'})
    expect(pods.ok && pods.items.map((p) => [p.apiVersion, p.kind, p.metadata.name])).toEqual([['v1', 'Pod', 'payments-1'], ['v1', 'Pod', 'payments-2']])
  })

  const kinds: Array<[string, (c: Awaited<ReturnType<typeof testCluster>>) => Promise<unknown>, string, Record<string, string> | undefined, object, string, string]> = [
    ['latticeservices', (c) => c.latticeServices('commerce'), '/apis/lattice.dev/v1alpha1/namespaces/commerce/latticeservices', undefined, o.latticeService('commerce', 'payments'), 'lattice.dev/v1alpha1', 'LatticeService'],
    ['latticemeshmembers', (c) => c.latticeMeshMembers('commerce'), '/apis/lattice.dev/v1alpha1/namespaces/commerce/latticemeshmembers', undefined, o.meshMember('commerce', 'payments'), 'lattice.dev/v1alpha1', 'LatticeMeshMember'],
    ['cedarpolicies', (c) => c.cedarPolicies(), '/apis/lattice.dev/v1alpha1/namespaces/lattice-system/cedarpolicies', undefined, o.cedarPolicy('p'), 'lattice.dev/v1alpha1', 'CedarPolicy'],
    ['services by label', (c) => c.services('commerce', {labelSelector: 'app.kubernetes.io/name=payments'}), '/api/v1/namespaces/commerce/services', {labelSelector: 'app.kubernetes.io/name=payments'}, o.service('commerce', 'payments'), 'v1', 'Service'],
    ['ciliumendpoints', (c) => c.ciliumEndpoints('commerce', {labelSelector: 'app.kubernetes.io/name=payments'}), '/apis/cilium.io/v2/namespaces/commerce/ciliumendpoints', {labelSelector: 'app.kubernetes.io/name=payments'}, o.ciliumEndpoint('commerce', 'payments-1', 'payments'), 'cilium.io/v2', 'CiliumEndpoint'],
    ['ciliumnetworkpolicies', (c) => c.ciliumNetworkPolicies('commerce'), '/apis/cilium.io/v2/namespaces/commerce/ciliumnetworkpolicies', undefined, o.cnp('commerce', 'cnp-mesh-3d68c7ca'), 'cilium.io/v2', 'CiliumNetworkPolicy'],
    ['ciliumclusterwidenetworkpolicies', (c) => c.ciliumClusterwideNetworkPolicies(), '/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies', undefined, o.ccnp('default-deny'), 'cilium.io/v2', 'CiliumClusterwideNetworkPolicy'],
    ['authorizationpolicies', (c) => c.authorizationPolicies('istio-system'), '/apis/security.istio.io/v1/namespaces/istio-system/authorizationpolicies', undefined, o.authorizationPolicy('istio-system', 'mesh-default-deny'), 'security.istio.io/v1', 'AuthorizationPolicy'],
    ['peerauthentications', (c) => c.peerAuthentications('commerce'), '/apis/security.istio.io/v1/namespaces/commerce/peerauthentications', undefined, o.peerAuthentication('commerce', 'strict'), 'security.istio.io/v1', 'PeerAuthentication'],
    ['serviceentries', (c) => c.serviceEntries('commerce'), '/apis/networking.istio.io/v1/namespaces/commerce/serviceentries', undefined, o.serviceEntry('commerce', 'se-auto-b3a048a9'), 'networking.istio.io/v1', 'ServiceEntry'],
    ['gateways by label', (c) => c.gateways('commerce', {labelSelector: 'istio.io/waypoint-for=service'}), '/apis/gateway.networking.k8s.io/v1/namespaces/commerce/gateways', {labelSelector: 'istio.io/waypoint-for=service'}, o.gateway('commerce', 'commerce-waypoint'), 'gateway.networking.k8s.io/v1', 'Gateway'],
    ['tracingpolicies', (c) => c.tracingPolicies(), '/apis/cilium.io/v1alpha1/tracingpolicies', undefined, o.tracingPolicy('baseline'), 'cilium.io/v1alpha1', 'TracingPolicy'],
    ['tracingpoliciesnamespaced', (c) => c.tracingPoliciesNamespaced('commerce'), '/apis/cilium.io/v1alpha1/namespaces/commerce/tracingpoliciesnamespaced', undefined, o.tracingPolicyNamespaced('commerce', 'allow-binaries-payments'), 'cilium.io/v1alpha1', 'TracingPolicyNamespaced'],
  ]

  it.each(kinds)('lists %s as plain objects', async (_name, read, path, query, object, apiVersion, kind) => {
    let interceptor = api().get(path)
    if (query) interceptor = interceptor.query(query)
    const scope = interceptor.reply(200, list(apiVersion, kind, [object as Record<string, unknown>]))
    const result = await read(await testCluster()) as {ok: boolean; items: Array<Record<string, unknown>>}
    expect(scope.isDone()).toBe(true)
    expect(result.ok).toBe(true)
    expect(result.items).toEqual([object]) // identical to the object, apiVersion/kind restored
  })

  it('gets namespaces, services and configmaps by name; a missing one is not-found', async () => {
    const scope = nock(SERVER)
      .get('/api/v1/namespaces/commerce').reply(200, o.namespace('commerce'))
      .get('/api/v1/namespaces/kube-system/services/hubble-relay').reply(200, o.service('kube-system', 'hubble-relay'))
      .get('/api/v1/namespaces/istio-system/configmaps/istio').reply(200, o.configMap('istio-system', 'istio', {mesh: 'trustDomain: cluster.local'}))
      .get('/api/v1/namespaces/ghost').reply(404, status(404, 'NotFound', 'namespaces "ghost" not found'))
    const cluster = await testCluster()
    expect(await cluster.namespaceObject('commerce')).toMatchObject({ok: true, items: [{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'commerce'}}]})
    expect(await cluster.service('kube-system', 'hubble-relay')).toMatchObject({ok: true, items: [{kind: 'Service'}]})
    expect(await cluster.istioConfig()).toMatchObject({ok: true, items: [{data: {mesh: 'trustDomain: cluster.local'}}]})
    expect(await cluster.namespaceObject('ghost')).toEqual({ok: false, status: 'not-found', reason: 'not found: get namespaces ghost'})
    expect(scope.isDone()).toBe(true)
  })

  it('treats `items: null` as an empty list and an item without a name as malformed', async () => {
    api()
      .get('/apis/cilium.io/v2/namespaces/a/ciliumnetworkpolicies').reply(200, {apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicyList', metadata: {resourceVersion: '1'}, items: null})
      .get('/apis/cilium.io/v2/namespaces/b/ciliumnetworkpolicies').reply(200, {apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicyList', metadata: {resourceVersion: '1'}, items: [{metadata: {}}]})
    const cluster = await testCluster()
    expect(await cluster.ciliumNetworkPolicies('a')).toEqual({ok: true, items: []})
    expect(await cluster.ciliumNetworkPolicies('b')).toMatchObject({ok: false, status: 'malformed', reason: expect.stringContaining('item 0 has no metadata.name')})
  })
})

describe('discovery', () => {
  it('reads aggregated discovery once per cluster', async () => {
    const scope = nock(SERVER).get('/apis').once().reply(200, aggregatedDiscovery(['cilium.io/v1alpha1/tracingpolicies']))
    const cluster = await testCluster()
    const [a, b] = await Promise.all([cluster.discoverInstalled(), cluster.discoverInstalled()])
    expect(a).toBe(b)
    expect(scope.isDone()).toBe(true)
    const installed = a.ok ? a.items[0] : undefined
    expect(installed && isServed(installed, RESOURCES.ciliumNetworkPolicies)).toBe(true)
    expect(installed && isServed(installed, RESOURCES.tracingPolicies)).toBe(false)
    expect(installed && isServed(installed, RESOURCES.pods)).toBe(true)
  })

  it('falls back to legacy per-group documents and marks unreadable group-versions indeterminate', async () => {
    const scope = legacyDiscovery(nock(SERVER), ['security.istio.io/v1/peerauthentications'])
    nock.removeInterceptor({hostname: 'k8s.test', port: 6443, proto: 'https', method: 'GET', path: '/apis/gateway.networking.k8s.io/v1'})
    scope.get('/apis/gateway.networking.k8s.io/v1').reply(503, status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'))
    const cluster = await testCluster()
    const result = await cluster.discoverInstalled()
    expect(result.ok).toBe(true)
    const installed = result.ok ? result.items[0] : {resources: [], indeterminate: []}
    expect(installed.resources).toContain('cilium.io/v2/ciliumendpoints')
    expect(installed.resources).not.toContain('cilium.io/v2/ciliumendpoints/status')
    expect(isServed(installed, RESOURCES.authorizationPolicies)).toBe(true)
    expect(isServed(installed, RESOURCES.peerAuthentications)).toBe(false)
    expect(isServed(installed, RESOURCES.gateways)).toBeUndefined()
    // Not served → answered without a request; indeterminate → asked.
    scope.get('/apis/gateway.networking.k8s.io/v1/namespaces/commerce/gateways').reply(200, list('gateway.networking.k8s.io/v1', 'Gateway', []))
    expect(await cluster.peerAuthentications('commerce')).toMatchObject({ok: false, status: 'not-installed'})
    expect(await cluster.gateways('commerce')).toEqual({ok: true, items: []})
  })

  it('when discovery itself fails, a 404 on a CRD collection still reads as not-installed', async () => {
    nock(SERVER)
      .get('/apis').reply(403, status(403, 'Forbidden', 'forbidden'))
      .get('/apis/cilium.io/v1alpha1/tracingpolicies').reply(404, '404 page not found', {'Content-Type': 'text/plain'})
    const cluster = await testCluster()
    const result = await cluster.tracingPolicies()
    expect(result).toMatchObject({ok: false, status: 'not-installed', reason: 'not installed: list tracingpolicies.cilium.io (the API server does not serve this resource)'})
  })
})

describe('the request guard', () => {
  const secrets: ResourceDef = {group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, crd: false}

  it('refuses Secrets before anything is sent', async () => {
    const records: RequestRecord[] = []
    const cluster = await testCluster({records})
    await expect(cluster.list(secrets, 'commerce')).rejects.toBeInstanceOf(ForbiddenRequestError)
    await expect(cluster.get(secrets, 'commerce', 'db')).rejects.toThrow(/never reads Secrets/)
    expect(records).toEqual([])
  })

  it('allows GET everywhere except Secrets, and POST only for SelfSubjectAccessReview', () => {
    expect(() => assertAllowed('GET', '/api/v1/namespaces/commerce/pods')).not.toThrow()
    expect(() => assertAllowed('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).not.toThrow()
    for (const [method, path] of [
      ['GET', '/api/v1/secrets'],
      ['GET', '/api/v1/namespaces/commerce/secrets/db?x=1'],
      ['GET', '/api/v1/namespaces/commerce%2Fsecrets'],
      ['POST', '/api/v1/namespaces/commerce/pods'],
      ['POST', '/api/v1/namespaces/commerce/pods/p/exec'],
      ['DELETE', '/api/v1/namespaces/commerce/pods/p'],
      ['PATCH', '/apis/cilium.io/v2/namespaces/commerce/ciliumnetworkpolicies/x'],
      ['PUT', '/api/v1/namespaces/commerce/configmaps/istio'],
    ]) expect(() => assertAllowed(method, path), `${method} ${path}`).toThrow(ForbiddenRequestError)
  })
})
