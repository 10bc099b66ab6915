// LATTICE-SPEC §4.6 and §10.15: the namespace ingress gateway `<ns>-ingress-istio` exists,
// offline too, whenever a service of that namespace has ingress routes, so it is an
// implicit caller (an edge) of every such service. Fixture modelled on upstream lattice's
// media-stack fixture as the spec cites it: jellyfin and nzbget allow `<ns>-ingress-istio`
// (they have routes), sonarr has none. Issue 7, point 10.
import {describe, expect, it} from 'vitest'
import {buildGraph} from '../../src/graph/build.js'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {diagnoseOffline} from '../../src/diagnose/offline.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {loadSpecs} from '../../src/spec/load.js'
import {lmm, svc} from './fixtures.js'
import {inb, out, service, writeSpecs} from '../helpers/specs.js'

const ports = {http: {port: 8096}}
const routes = {web: {kind: 'HTTPRoute', hosts: ['media.example.com']}}

describe('the namespace ingress gateway is a node wherever routes exist (§10.15)', () => {
  const jellyfin = svc('media', 'jellyfin', {ports, routes})
  const nzbget = svc('media', 'nzbget', {ports: {http: {port: 6789}}, routes})
  const sonarr = svc('media', 'sonarr', {ports: {http: {port: 8989}}, resources: {jellyfin: {direction: 'outbound'}}})

  it('gets an edge to every service of the namespace with routes, and no other', () => {
    const graph = buildGraph({services: [jellyfin, nzbget, sonarr], meshMembers: []})
    const gw = graph.node('media/media-ingress-istio')!
    expect(gw).toMatchObject({kind: 'LatticeMeshMember', serviceAccount: 'media-ingress-istio', dependsAll: true, ambient: true, platform: 'ingress-gateway'})
    // Its pods are the Gateway `<ns>-ingress` (Appendix A).
    expect(gw.selector).toEqual({'gateway.networking.k8s.io/gateway-name': 'media-ingress'})
    expect(graph.outbound('media/media-ingress-istio').map((e) => [e.to, e.implicit, e.viaDependsAll])).toEqual([
      ['media/jellyfin', true, true],
      ['media/nzbget', true, true],
    ])
  })

  it('is platform-deployed: its dependsAll needs no Cedar AllowWildcard permit', () => {
    const graph = buildGraph({services: [jellyfin], meshMembers: []}, {wildcardPermitted: () => false})
    expect(graph.hasEdge('media/media-ingress-istio', 'media/jellyfin')).toBe(true)
  })

  it('does not exist in a namespace without routes', () => {
    const graph = buildGraph({services: [sonarr, svc('other', 'x', {ports, routes})], meshMembers: []})
    expect(graph.node('media/media-ingress-istio')).toBeUndefined()
    expect(graph.node('other/other-ingress-istio')).toBeDefined()
  })

  it('an operator-written member of that name wins (and keeps its own Cedar gate)', () => {
    const own = lmm('media', 'media-ingress-istio', {dependsAll: true, target: {selector: {app: 'my-gw'}}})
    const graph = buildGraph({services: [jellyfin], meshMembers: [own]}, {wildcardPermitted: () => false})
    expect(graph.node('media/media-ingress-istio')?.selector).toEqual({app: 'my-gw'})
    expect(graph.node('media/media-ingress-istio')?.platform).toBeUndefined()
    expect(graph.hasEdge('media/media-ingress-istio', 'media/jellyfin')).toBe(false)
  })
})

describe('compiled policies and the offline diagnosis (§10.15, §4.6)', () => {
  const docs = () => [
    service('media', 'jellyfin', {sonarr: inb()}, {ports: {http: {port: 8096}}, spec: {ingress: {routes}}}),
    service('media', 'nzbget', {}, {ports: {http: {port: 6789}}, spec: {ingress: {routes}}}),
    service('media', 'sonarr', {jellyfin: out()}, {ports: {http: {port: 8989}}}),
  ]

  it('callees with routes admit the gateway at L4 and L7; nothing is emitted for the gateway itself', async () => {
    const fleet = await compileFleet(await loadSpecs([writeSpecs(docs())]), defaultCompileOptions())
    const cnp = fleet.resources.l4.find((o) => o.metadata.name === 'cnp-mesh-3c5caa8d')! // h8(media/jellyfin)
    const froms = (cnp.spec as any).ingress.flatMap((r: any) => r.fromEndpoints ?? [])
    expect(froms).toContainEqual({matchLabels: {'k8s:gateway.networking.k8s.io/gateway-name': 'media-ingress', 'k8s:io.kubernetes.pod.namespace': 'media'}})
    const allow = fleet.resources.l7.find((o) => o.metadata.name === 'allow-to-c1bf3311')! // h8(media/nzbget)
    expect(JSON.stringify(allow.spec)).toContain('cluster.local/ns/media/sa/media-ingress-istio')
    expect([...fleet.resources.l4, ...fleet.resources.l7, ...fleet.resources.mesh].some((o) => o.metadata.name.includes('ingress-istio'))).toBe(false)
  })

  for (const prefilter of [true, false]) {
    it(`platform debug connectivity media/media-ingress-istio media/jellyfin is diagnosable offline: ALLOWED (${prefilter ? 'staged' : 'full'} load)`, async () => {
      const d = await diagnoseOffline({specPaths: [writeSpecs(docs())], policyPaths: [], source: 'media/media-ingress-istio', target: 'media/jellyfin', options: defaultCompileOptions(), prefilter})
      expect(d.source).toEqual({namespace: 'media', name: 'media-ingress-istio', kind: 'LatticeMeshMember'})
      expect(d.layers.map((l) => `${l.layer}:${l.status}`)).toEqual(['admission:PASS', 'cedar:PASS', 'declarations:PASS', 'l4:PASS', 'l7:PASS', 'runtime:PASS'])
      expect(d.layers.find((l) => l.layer === 'declarations')!.summary).toBe('media-ingress-istio → jellyfin: dependsAll on media-ingress-istio, implicit caller of jellyfin')
      // The gateway's egress is the supporting CCNP for gateway pods (§5.3), its ingress the callee's CNP.
      expect(d.layers.find((l) => l.layer === 'l4')!.summary).toContain('mesh-proxy-egress allows egress to jellyfin:8096 (wire: HBONE 15008)')
      expect(d.result.status).toBe('ALLOWED')
    })
  }

  it('a service without routes is not reachable from the gateway (no implicit caller)', async () => {
    const d = await diagnoseOffline({specPaths: [writeSpecs(docs())], policyPaths: [], source: 'media/media-ingress-istio', target: 'media/sonarr', options: defaultCompileOptions()})
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
  })
})
