// LatticeMeshMembers written by operators (LATTICE-SPEC §1.9, §3.3 AllowWildcard, §3.7,
// §4.5, §4.9): their wildcard gates are evaluated and reported like a service's, a member
// that fails one emits no policies, and a missing self-edge is explained by the rule that
// wildcards never create one. Issue 7, point 9.
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {names} from '../../src/core/names.js'
import {diagnoseOffline} from '../../src/diagnose/offline.js'
import type {Diagnosis} from '../../src/diagnose/model.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {loadSpecs} from '../../src/spec/load.js'
import {cedar, inb, out, service, writeSpecs} from '../helpers/specs.js'

function member(ns: string, name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeMeshMember',
    metadata: {name, namespace: ns},
    spec: {target: {selector: {app: name}}, ports: [{name: 'http', port: 8080, peerAuth: 'Strict'}], ...spec},
  }
}

const PERMIT_ALL_WILDCARDS = cedar('wildcards', 'permit (principal, action == Lattice::Action::"AllowWildcard", resource);')

// vmagent-like scraper (dependsAll, custom SA) and a public API member that allows `*`.
const scraper = () => member('monitoring', 'vmagent', {dependsAll: true, serviceAccount: 'vmagent-lattice-metrics'})
const publicApi = () => member('shop', 'public-api', {allowedCallers: [{name: '*'}]})
const web = () => service('shop', 'web', {'public-api': out()})
const api = () => service('monitoring', 'api', {vmagent: inb()})

const diagnose = (docs: unknown[], source: string, target: string): Promise<Diagnosis> =>
  diagnoseOffline({specPaths: [writeSpecs(docs)], policyPaths: [], source, target, options: defaultCompileOptions()})
const layer = (d: Diagnosis, id: string) => d.layers.find((l) => l.layer === id)!

describe('AllowWildcard gates of operator-written members (§3.3, §4.5)', () => {
  it('are evaluated with the principal <ns>/<serviceAccount>, one request per wildcard used', async () => {
    const fleet = await compileFleet(await loadSpecs([writeSpecs([scraper(), publicApi(), web(), api()])]), defaultCompileOptions())
    const vm = fleet.outcomes.get('monitoring/vmagent')!.cedar!
    expect(vm.principal).toBe('monitoring/vmagent-lattice-metrics')
    expect(vm.decisions.map((d) => [d.gate, d.resource, d.allowed])).toEqual([['AllowWildcard', 'Lattice::Mesh::"outbound"', false]])
    expect(vm.failureMessage).toBe('MeshMember failed: Cedar policy denied depends_all (wildcard outbound) for monitoring/vmagent-lattice-metrics; add a permit policy for Action::"AllowWildcard" on Mesh::"outbound"')
    const pub = fleet.outcomes.get('shop/public-api')!.cedar!
    expect(pub.decisions.map((d) => d.resource)).toEqual(['Lattice::Mesh::"inbound"'])
    expect(pub.failureMessage).toBe('MeshMember failed: Cedar policy denied allows_all (wildcard inbound) for shop/public-api; add a permit policy for Action::"AllowWildcard" on Mesh::"inbound"')
  })

  it('a member that fails a gate emits no policies (§4.5); with the permit it does', async () => {
    const denied = await compileFleet(await loadSpecs([writeSpecs([scraper(), publicApi(), web(), api()])]), defaultCompileOptions())
    for (const key of ['monitoring/vmagent', 'shop/public-api']) expect(denied.outcomes.get(key)).toMatchObject({admitted: true, emitted: false})
    const memberObjects = [names.cnp('shop', 'public-api'), names.allowTo('shop', 'public-api'), names.cnp('monitoring', 'vmagent')]
    const emitted = (f: typeof denied) => [...f.resources.l4, ...f.resources.l7].map((o) => o.metadata.name).filter((n) => memberObjects.includes(n))
    expect(emitted(denied)).toEqual([])
    const permitted = await compileFleet(await loadSpecs([writeSpecs([scraper(), publicApi(), web(), api(), PERMIT_ALL_WILDCARDS])]), defaultCompileOptions())
    for (const key of ['monitoring/vmagent', 'shop/public-api']) expect(permitted.outcomes.get(key)).toMatchObject({emitted: true})
    expect(emitted(permitted).sort()).toEqual([...memberObjects].sort())
    expect(permitted.graph.hasEdge('shop/web', 'shop/public-api')).toBe(true)
    expect(permitted.graph.hasEdge('monitoring/vmagent', 'monitoring/api')).toBe(true)
  })

  it('the diagnosis shows the gate on the Cedar line and blocks there, with a verified permit as the fix', async () => {
    const d = await diagnose([scraper(), api()], 'monitoring/vmagent', 'monitoring/api')
    expect(layer(d, 'cedar')).toMatchObject({status: 'DENY', summary: 'monitoring/vmagent: AllowWildcard denied for mesh outbound: no permit policy for this service and resource'})
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'cedar'})
    // Not "neither declares": api allows vmagent; vmagent's dependsAll is what Cedar denied.
    expect(layer(d, 'declarations').summary).toBe('dependsAll on vmagent denied by Cedar (AllowWildcard on Mesh::"outbound"), so it reaches no callee, though api allows it')
    expect(d.fix?.verified).toBe(true)
    expect(d.fix?.changes[0].yaml).toContain('principal == Lattice::Service::"monitoring/vmagent-lattice-metrics"')
    expect(d.fix?.changes[0].yaml).toContain('resource == Lattice::Mesh::"outbound"')

    const ok = await diagnose([scraper(), api(), PERMIT_ALL_WILDCARDS], 'monitoring/vmagent', 'monitoring/api')
    expect(layer(ok, 'cedar')).toMatchObject({status: 'PASS', summary: 'AllowWildcard permitted'})
    expect(ok.result.status).toBe('ALLOWED')
  })
})

describe('self-edges of members with wildcards (§4.5 "the wildcard never creates a self-edge", §4.9)', () => {
  it('dependsAll + allowedCallers [*]: the explanation names the rule, not a missing declaration; the fix is allowPeerTraffic', async () => {
    const d = await diagnose([member('ops', 'agent', {dependsAll: true, allowedCallers: [{name: '*'}]}), PERMIT_ALL_WILDCARDS], 'ops/agent', 'ops/agent')
    expect(d.result.blockedAt).toBe('l4')
    expect(d.result.explanation).toBe('Wildcards never create a self-edge (§4.5): neither the dependsAll nor the inbound wildcard (*) of agent applies to agent itself; pods of agent reach each other only through allowPeerTraffic: true on the member (§4.9).')
    expect(d.fix?.changes).toEqual([{kind: 'Cluster', namespace: 'ops', name: 'agent', path: 'LatticeMeshMember spec', yaml: 'allowPeerTraffic: true'}])
  })

  it('a service that declares itself outbound and allows *: the wildcard does not cover itself; direction both does (verified)', async () => {
    const docs = [service('shop', 'cache', {cache: out(), any: inb({id: '*'})}), PERMIT_ALL_WILDCARDS]
    const d = await diagnose(docs, 'shop/cache', 'shop/cache')
    expect(layer(d, 'declarations').summary).toBe('wildcards never create a self-edge (§4.5): cache declares itself outbound, but its inbound wildcard (*) does not allow cache itself; pods of cache reach each other only through a self-declaration (cache: {type: service, direction: both}) (§4.9)')
    expect(d.fix?.verified).toBe(true)
    expect(d.fix?.changes[0].yaml).toBe('cache: {type: service, direction: both}')
  })

  it('allowPeerTraffic is peer traffic, not a missing declaration: Declarations PASS, ALLOWED', async () => {
    const d = await diagnose([member('ops', 'peers', {allowedCallers: [{name: '*'}], allowPeerTraffic: true}), PERMIT_ALL_WILDCARDS], 'ops/peers', 'ops/peers')
    expect(layer(d, 'declarations')).toMatchObject({status: 'PASS', summary: 'peers → peers: peer traffic (allowPeerTraffic on peers)'})
    expect(d.result.status).toBe('ALLOWED')
  })
})
