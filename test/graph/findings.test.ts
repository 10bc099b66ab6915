import {describe, expect, it} from 'vitest'
import {buildGraph} from '../../src/graph/build.js'
import type {LatticeMeshMember, LatticeService} from '../../src/spec/model.js'
import {both, inb, lmm, out, svc} from './fixtures.js'

const g = (services: LatticeService[], meshMembers: LatticeMeshMember[] = [], opts = {}) => buildGraph({services, meshMembers}, opts)
const ports = {http: {port: 8080}}

describe('§4.7 findings', () => {
  it('one-sided outbound', () => {
    const graph = g([svc('commerce', 'checkout', {resources: {payments: out()}}), svc('commerce', 'payments', {ports})])
    expect(graph.findings).toEqual([
      {
        kind: 'one-sided-outbound',
        from: 'commerce/checkout',
        to: 'commerce/payments',
        message: 'outbound dependency payments declared but no matching inbound declaration found on service payments',
      },
    ])
    expect(graph.findingsFor('commerce/checkout', 'commerce/payments')).toEqual(graph.findings)
    expect(graph.findingsFor('commerce/payments', 'commerce/checkout')).toEqual([])
  })

  it('one-sided outbound across namespaces writes ns/name', () => {
    const graph = g([svc('frontend', 'web', {resources: {api: out({namespace: 'backend'})}}), svc('backend', 'api', {ports})])
    expect(graph.findings.map((f) => f.message)).toEqual([
      'outbound dependency backend/api declared but no matching inbound declaration found on service backend/api',
    ])
  })

  it('one-sided inbound (from = caller, to = callee)', () => {
    const graph = g([svc('commerce', 'checkout'), svc('commerce', 'payments', {ports, resources: {checkout: inb()}})])
    expect(graph.findings).toEqual([
      {
        kind: 'one-sided-inbound',
        from: 'commerce/checkout',
        to: 'commerce/payments',
        message: 'inbound dependency checkout declared but no matching outbound declaration found on service checkout',
      },
    ])
    const cross = g([svc('frontend', 'web'), svc('backend', 'api', {ports, resources: {web: inb({namespace: 'frontend'})}})])
    expect(cross.findings.map((f) => f.message)).toEqual([
      'inbound dependency frontend/web declared but no matching outbound declaration found on service frontend/web',
    ])
  })

  it('missing target (to = the declared ns/name)', () => {
    const graph = g([svc('commerce', 'checkout', {resources: {payments: out(), ledger: out({namespace: 'finance'})}})])
    expect(graph.findings).toEqual([
      {
        kind: 'missing-target',
        from: 'commerce/checkout',
        to: 'commerce/payments',
        message: 'outbound dependency payments declared but service payments does not exist in namespace commerce',
      },
      {
        kind: 'missing-target',
        from: 'commerce/checkout',
        to: 'finance/ledger',
        message: 'outbound dependency finance/ledger declared but service finance/ledger does not exist in namespace finance',
      },
    ])
  })

  it('namespace mismatch', () => {
    const web = svc('frontend', 'web', {resources: {api: out({namespace: 'backend'})}})
    const api = svc('backend', 'api', {ports, resources: {web: inb()}}) // means backend/web
    expect(g([web, api]).findings).toEqual([
      {
        kind: 'namespace-mismatch',
        from: 'frontend/web',
        to: 'backend/api',
        message: 'outbound dependency backend/api declared but api allows web from namespace backend, not frontend',
      },
    ])
  })

  it('wildcard denied by Cedar, only for callers relying on it', () => {
    const b = svc('commerce', 'payments', {ports, resources: {'any-caller': inb({id: '*'}), named: inb()}})
    const a = svc('commerce', 'checkout', {resources: {payments: out()}})
    const named = svc('commerce', 'named', {resources: {payments: out()}})
    const graph = g([a, b, named], [], {wildcardPermitted: () => false})
    expect(graph.findings).toEqual([
      {
        kind: 'wildcard-denied',
        from: 'commerce/checkout',
        to: 'commerce/payments',
        message: 'inbound wildcard on payments denied by Cedar (AllowWildcard on Mesh::"inbound")',
      },
    ])
    expect(g([a, b, named]).findings).toEqual([])
    const cross = g([svc('shop', 'x', {resources: {payments: out({namespace: 'commerce'})}}), b], [], {wildcardPermitted: () => false})
    expect(cross.findings.map((f) => f.message)).toEqual(['inbound wildcard on commerce/payments denied by Cedar (AllowWildcard on Mesh::"inbound")'])
  })

  it('nothing for matched pairs, implicit callers or dependsAll reach; duplicates reported once', () => {
    const a = svc('commerce', 'a', {resources: {b: both(), 'b-again': out({id: 'b'})}})
    const b = svc('commerce', 'b', {ports: {metrics: {port: 9102}}, resources: {a: both()}, routes: {r: {}}})
    const vmagent = lmm('monitoring', 'vmagent', {dependsAll: true})
    expect(g([a, b], [vmagent]).findings).toEqual([])
    const dup = svc('commerce', 'a', {resources: {b: out(), 'b-again': out({id: 'b'})}})
    expect(g([dup, svc('commerce', 'b')]).findings).toHaveLength(1)
  })

  it('reads operator mesh member declarations too', () => {
    const member = lmm('legacy', 'batch', {dependencies: [{namespace: 'commerce', name: 'payments'}], allowedCallers: [{name: 'checkout', namespace: 'commerce'}]})
    const graph = g([svc('commerce', 'payments', {ports}), svc('commerce', 'checkout')], [member])
    expect(graph.findings.map((f) => [f.kind, f.from, f.to, f.message])).toEqual([
      ['one-sided-outbound', 'legacy/batch', 'commerce/payments', 'outbound dependency commerce/payments declared but no matching inbound declaration found on service commerce/payments'],
      ['one-sided-inbound', 'commerce/checkout', 'legacy/batch', 'inbound dependency commerce/checkout declared but no matching outbound declaration found on service commerce/checkout'],
    ])
  })
})
