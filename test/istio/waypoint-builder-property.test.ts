// Properties of the waypoint RBAC as istiod's builder makes it (pilot/pkg/security/authz/
// builder/builder.go, model/model.go rule.checkError): what the builder cannot generate — an
// HTTP attribute on a TCP chain, a value that does not convert — only ever makes an ALLOW
// smaller and a DENY wider. So switching a port to TCP, or adding an unconvertible value,
// must never turn a verdict into `allow` (fail closed), whatever the rules.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {evaluateAuthorization, type AuthzRequest, type PolicyTarget} from '../../src/layers/istio/index.js'

const waypoint: PolicyTarget = {at: 'waypoint', namespace: 'shop', gateway: 'shop-waypoint', services: [{namespace: 'shop', name: 'api'}]}
const gwRef = {targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shop-waypoint'}]}
const ctx = {trustDomain: 'cluster.local'}

const sourceArb = fc.record(
  {
    principals: fc.subarray(['cluster.local/ns/shop/sa/web', 'cluster.local/ns/shop/sa/*', '*']),
    namespaces: fc.subarray(['shop', 'other']),
    ipBlocks: fc.subarray(['10.0.0.0/8', '10.0.0.0/33', 'not-an-ip']),
    requestPrincipals: fc.subarray(['iss/sub']),
  },
  {requiredKeys: []},
)
const operationArb = fc.record(
  {
    ports: fc.subarray(['80', '8080', 'http']),
    notPorts: fc.subarray(['81', 'grpc']),
    methods: fc.subarray(['GET', 'POST']),
    paths: fc.subarray(['/admin', '/api/*']),
    hosts: fc.subarray(['api.shop']),
  },
  {requiredKeys: []},
)
const whenArb = fc.record({key: fc.constantFrom('source.ip', 'destination.port', 'request.headers[x]', 'source.namespace'), values: fc.subarray(['10.1.2.3', '80', 'y', 'shop'], {minLength: 1})})
const ruleArb = fc.record(
  {from: fc.array(fc.record({source: sourceArb}), {maxLength: 2}), to: fc.array(fc.record({operation: operationArb}), {maxLength: 2}), when: fc.array(whenArb, {maxLength: 2})},
  {requiredKeys: []},
)
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'POST'),
  path: fc.constantFrom('/admin', '/api/x', '/', '/public/../admin?x=1'),
  sourceIp: fc.constantFrom('10.1.2.3', '192.168.0.1'),
})

const policy = (action: string, rules: unknown[]): KubeObject => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: {name: action.toLowerCase(), namespace: 'shop'},
  spec: {...gwRef, action, rules},
})
const run = (objs: KubeObject[], r: {method: string; path: string; sourceIp: string}, tcp: boolean) => {
  const req: AuthzRequest = {at: 'waypoint', sourceIdentity: 'spiffe://cluster.local/ns/shop/sa/web', port: 80, ...r, ...(tcp ? {protocol: 'tcp' as const} : {})}
  return evaluateAuthorization(objs, waypoint, req, ctx).verdict
}

describe('waypoint builder semantics fail closed', () => {
  it('a TCP chain never allows what the HTTP chain denies (ALLOW rules only get skipped, DENY rules only get wider)', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, {maxLength: 3}), fc.array(ruleArb, {maxLength: 2}), requestArb, (allowRules, denyRules, r) => {
        const objs = [policy('ALLOW', allowRules), ...(denyRules.length > 0 ? [policy('DENY', denyRules)] : [])]
        if (run(objs, r, false) === 'deny') expect(run(objs, r, true)).toBe('deny')
      }),
      {numRuns: 400},
    )
  })
  it('an ALLOW rule with an unconvertible port ("http") never allows, whatever else it says', () => {
    fc.assert(
      fc.property(ruleArb, requestArb, (rule, r) => {
        const withBad = {...rule, to: [{operation: {ports: ['80', 'http']}}]}
        expect(run([policy('ALLOW', [withBad])], r, false)).toBe('deny')
      }),
      {numRuns: 200},
    )
  })
})
