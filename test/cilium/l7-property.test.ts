// Properties of L7 rules at L4 (l7.ts), on random CNP rule sets with and without
// `rules.http` (pkg/policy wildcardL3L4Rules / TestMergeAllowAllL3AndShadowedL7: rules for
// the same traffic add up; an HTTP rule only narrows its own port to the requests it admits):
// - L7 only narrows: stripping every `rules` never turns an allow into a deny;
// - an allow without a known request holds for every request;
// - a request that passes is never a definite deny once the request is unknown (UNKNOWN at worst).
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {evaluateDirection, type L4Flow, type L4Peer, type PodPeer} from '../../src/layers/cilium/index.js'

type Rule = Record<string, unknown>
const APPS = ['x', 'y']
const http = fc.record(
  {method: fc.constantFrom('GET', 'POST', 'GET|POST', ''), path: fc.constantFrom('/', '/public', '/api/.*', '')},
  {requiredKeys: []},
)
const entry = fc.record({
  ports: fc.array(fc.record({port: fc.constantFrom('80', '8080', '0'), protocol: fc.constantFrom('TCP', 'ANY')}), {minLength: 1, maxLength: 2}),
  rules: fc.option(fc.record({http: fc.array(http, {maxLength: 2})}), {nil: undefined}),
})
const peer = fc.oneof(
  fc.constant({}),
  fc.constantFrom(...APPS).map((app) => ({fromEndpoints: [{matchLabels: {'k8s:app': app}}]})),
  fc.constant({fromEntities: ['cluster']}),
)
const rule = fc.tuple(peer, fc.option(fc.array(entry, {minLength: 1, maxLength: 2}), {nil: undefined})).map(([p, ports]): Rule => (ports ? {...p, toPorts: ports} : p))
const policies = fc.array(fc.record({select: fc.constantFrom('all', 'x'), ingress: fc.array(rule, {minLength: 1, maxLength: 3})}), {minLength: 1, maxLength: 2})
const request = fc.record({method: fc.constantFrom('GET', 'POST', 'DELETE'), path: fc.constantFrom('/', '/public', '/api/v1', '/private')})

const toObjects = (ps: Array<{select: string; ingress: Rule[]}>): KubeObject[] =>
  ps.map((p, i) => ({apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name: `p${i}`, namespace: 'a'}, spec: {endpointSelector: p.select === 'all' ? {} : {matchLabels: {'k8s:app': p.select}}, ingress: p.ingress}}))
const stripL7 = (objs: KubeObject[]): KubeObject[] => JSON.parse(JSON.stringify(objs), (k, v) => (k === 'rules' ? undefined : v))

const subject: PodPeer = {kind: 'pod', namespace: 'a', labels: {app: 'x'}}
const verdict = (objs: KubeObject[], from: L4Peer, flow: L4Flow) => {
  const v = evaluateDirection(objs, 'ingress', subject, from, flow)
  return v.allowed ? 'allow' : v.undetermined.length > 0 ? 'unknown' : 'deny'
}
const from = fc.constantFrom(...APPS).map((app): L4Peer => ({kind: 'pod', namespace: 'a', labels: {app}}))
const port = fc.constantFrom(80, 8080, 9090)

describe('L7 rules at L4 (property)', () => {
  it('stripping every L7 rule never turns an allow into a deny or undetermined', () => {
    fc.assert(
      fc.property(policies, from, port, fc.option(request, {nil: undefined}), (ps, src, p, req) => {
        const objs = toObjects(ps)
        const flow: L4Flow = {port: p, protocol: 'TCP', ...(req ? {request: req} : {})}
        if (verdict(objs, src, flow) === 'allow') expect(verdict(stripL7(objs), src, flow)).toBe('allow')
      }),
      {numRuns: 1500},
    )
  })
  it('allowed with no request known ⇒ allowed for every request; allowed for a request ⇒ never a definite deny without it', () => {
    fc.assert(
      fc.property(policies, from, port, request, (ps, src, p, req) => {
        const objs = toObjects(ps)
        const bare = verdict(objs, src, {port: p, protocol: 'TCP'})
        const withReq = verdict(objs, src, {port: p, protocol: 'TCP', request: req})
        if (bare === 'allow') expect(withReq).toBe('allow')
        if (withReq === 'allow') expect(bare).not.toBe('deny')
      }),
      {numRuns: 1500},
    )
  })
})
