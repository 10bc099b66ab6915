// Normalization is total (never throws) and keeps what can be kept.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {SEED_EXEMPT_NAMESPACES} from '../../src/core/constants.js'
import {admitService} from '../../src/layers/admission/index.js'
import {normalizeCedarPolicy, normalizeMeshMember, normalizeService} from '../../src/spec/normalize.js'

const origin = {file: 'f.yaml', index: 0}
const wrap = (spec: unknown) => ({apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService', metadata: {name: 'a', namespace: 'n'}, spec})

describe('normalizeService', () => {
  it('keeps bad values where possible instead of throwing', () => {
    const raw = wrap({
      replicas: '2',
      workload: {
        containers: {main: {image: 42, command: ['/a', 3, {x: 1}], resources: {limits: {cpu: 0.5}}}},
        resources: {p: {direction: 'sideways', type: 7}, q: {direction: {}}},
        service: {ports: {http: {port: 'eighty'}}},
      },
    })
    const before = JSON.stringify(raw)
    const svc = normalizeService(raw, origin)
    expect(svc.spec.replicas).toBe(2)
    expect(svc.spec.workload.containers.main).toMatchObject({image: '42', command: ['/a', '3'], resources: {limits: {cpu: '0.5'}}})
    expect(svc.spec.workload.resources.p).toEqual({type: '7', direction: 'sideways', directionSet: true})
    expect(svc.spec.workload.resources.q).toEqual({type: 'service', direction: 'outbound', directionSet: true})
    expect(svc.spec.workload.service?.ports.http.port).toBe(0)
    expect(svc.raw).toBe(raw)
    expect(JSON.stringify(raw)).toBe(before)
  })

  it('never throws on arbitrary JSON under spec, and neither does admission', () => {
    fc.assert(
      fc.property(fc.jsonValue({maxDepth: 5}), (spec) => {
        const svc = normalizeService(wrap(spec), origin)
        expect(svc.kind).toBe('LatticeService')
        admitService(svc, {exemptNamespaces: SEED_EXEMPT_NAMESPACES})
      }),
      {numRuns: 300},
    )
  })

  it('never throws on arbitrary JSON shaped like a workload', () => {
    const anyJson = fc.jsonValue({maxDepth: 3})
    const container = fc.dictionary(fc.constantFrom('image', 'command', 'resources', 'files', 'security', 'securityContext', 'livenessProbe', 'variables'), anyJson)
    const spec = fc.record({
      workload: fc.record({
        containers: fc.oneof(fc.dictionary(fc.string(), container), fc.array(fc.record({name: anyJson}).chain((n) => container.map((c) => ({...c, ...n}))))),
        resources: fc.dictionary(fc.string(), fc.dictionary(fc.constantFrom('type', 'direction', 'params', 'id'), anyJson)),
        service: anyJson,
      }, {requiredKeys: []}),
      sidecars: anyJson,
    }, {requiredKeys: []})
    fc.assert(
      fc.property(spec, (s) => {
        normalizeService(wrap(s), origin)
        admitService(normalizeService(wrap(s), origin), {exemptNamespaces: []})
      }),
      {numRuns: 150},
    )
  })
})

describe('normalizeMeshMember / normalizeCedarPolicy', () => {
  it('fills §1.9 and §3.6 defaults', () => {
    const m = normalizeMeshMember({kind: 'LatticeMeshMember', metadata: {name: 'm', namespace: 'media'}, spec: {target: {namespace: 'media'}, ports: [{name: 'http', port: 80}], dependencies: [{name: 'x'}], egress: [{target: {cidr: '10.0.0.5/32'}, ports: [53], protocol: 'udp'}]}}, origin)
    expect(m.derived).toBe(false)
    expect(m.spec).toEqual({
      target: {namespace: 'media'},
      ports: [{name: 'http', port: 80, peerAuth: 'Strict'}],
      allowedCallers: [],
      dependencies: [{name: 'x', namespace: 'media'}],
      egress: [{target: {cidr: '10.0.0.5/32'}, ports: [53], protocol: 'UDP'}],
      allowPeerTraffic: false,
      dependsAll: false,
      ambient: true,
    })
    const c = normalizeCedarPolicy({kind: 'CedarPolicy', metadata: {name: 'p', namespace: 'lattice-system'}, spec: {priority: 10, enabled: false, description: 'd'}}, origin)
    expect(c.spec).toEqual({priority: 10, enabled: false, propagate: true, policies: '', description: 'd'})
  })

  it('is total on garbage', () => {
    fc.assert(fc.property(fc.jsonValue({maxDepth: 4}), (v) => {
      normalizeMeshMember({metadata: v, spec: v}, origin)
      normalizeCedarPolicy({metadata: v, spec: v}, origin)
      normalizeService(v, origin)
    }), {numRuns: 200})
  })
})
