// Property: on random AuthorizationPolicies, the ztunnel evaluator agrees with a small reference
// model written straight from LATTICE-SPEC §10.12 and istiod's conversion rules
// (pilot/pkg/serviceregistry/ambient/authorization.go handleRule / hasEffectiveRules, ztunnel
// src/rbac.rs matches + state.rs assert_rbac): ALLOW rules with HTTP attributes never match;
// DENY rules lose their HTTP attributes and a `to`/`from`/`when` clause with nothing left
// matches nothing; a rule with no clauses matches everything; deny before allow; an attached
// ALLOW policy means default deny. The model works on the raw YAML, not on converted groups.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {evaluateAuthorization, type PolicyTarget} from '../../src/layers/istio/index.js'
import {ap} from './fixtures.js'

const CHECKOUT = 'cluster.local/ns/commerce/sa/checkout'
const SHOP = 'cluster.local/ns/shop/sa/web'
const target: PolicyTarget = {at: 'ztunnel', namespace: 'commerce', podLabels: {app: 'payments'}}

const sub = <T>(xs: T[]) => fc.subarray(xs, {maxLength: Math.min(2, xs.length)})
const operationArb = fc.record(
  {ports: sub(['8080', '9090', 'http']), notPorts: sub(['9090']), methods: sub(['GET']), paths: sub(['/a']), notPaths: sub(['/b'])},
  {requiredKeys: []},
)
const sourceArb = fc.record(
  {
    principals: sub([CHECKOUT, SHOP, '*', 'cluster.local/ns/commerce/*', '*/sa/web']),
    notPrincipals: sub([CHECKOUT]),
    namespaces: sub(['commerce', 'shop', '*']),
    notNamespaces: sub(['shop']),
    requestPrincipals: sub(['*']),
    remoteIpBlocks: sub(['10.0.0.0/8']),
  },
  {requiredKeys: []},
)
const whenArb = fc.record({key: fc.constantFrom('source.namespace', 'source.principal', 'destination.port', 'request.headers[x]'), values: fc.subarray(['commerce', CHECKOUT, '8080', 'v'], {minLength: 1, maxLength: 2})})
const ruleArb = fc.record(
  {
    to: fc.array(fc.record({operation: operationArb}), {maxLength: 2}),
    from: fc.array(fc.record({source: sourceArb}), {maxLength: 2}),
    when: fc.array(whenArb, {maxLength: 2}),
  },
  {requiredKeys: []},
)
const policyArb = fc.record({
  ns: fc.constantFrom('commerce', 'istio-system', 'shop'),
  action: fc.constantFrom(undefined, 'ALLOW', 'DENY', 'CUSTOM', 'AUDIT'),
  selector: fc.constantFrom(undefined, {matchLabels: {app: 'payments'}}, {matchLabels: {app: 'cart'}}),
  targetRefs: fc.constantFrom(undefined, [{group: '', kind: 'Service', name: 'payments'}]),
  rules: fc.option(fc.array(ruleArb, {maxLength: 3}), {nil: undefined}),
})
const requestArb = fc.record({identity: fc.constantFrom(CHECKOUT, SHOP, undefined), port: fc.constantFrom(8080, 9090)})

type Raw = typeof policyArb extends fc.Arbitrary<infer T> ? T : never

const HTTP_OP = ['methods', 'paths', 'notPaths']
const HTTP_SRC = ['requestPrincipals', 'remoteIpBlocks']
const L4_WHEN = ['source.namespace', 'source.principal', 'destination.port']

function strMatch(pattern: string, v: string): boolean {
  if (pattern === '*') return v !== ''
  if (pattern.startsWith('*')) return v.endsWith(pattern.slice(1))
  if (pattern.endsWith('*')) return v.startsWith(pattern.slice(0, -1))
  return pattern === v
}

function refRuleMatches(rule: any, action: 'ALLOW' | 'DENY', id: string | undefined, port: number): boolean {
  const ns = id ? id.split('/')[2] : ''
  const has = (o: any, f: string) => (o?.[f] ?? []).length > 0
  const http =
    (rule.to ?? []).some((t: any) => HTTP_OP.some((f) => has(t.operation, f))) ||
    (rule.from ?? []).some((f: any) => HTTP_SRC.some((x) => has(f.source, x))) ||
    (rule.when ?? []).some((w: any) => !L4_WHEN.includes(w.key))
  if (http && action === 'ALLOW') return false
  const numeric = (xs: string[] = []) => xs.filter((p) => /^\d+$/.test(p)).map(Number)
  const any = (xs: string[] | undefined, test: (x: string) => boolean) => (xs ?? []).some(test)
  const principal = (p: string) => id !== undefined && strMatch(p, id)
  // Each operation/source is kept only if it still has an L4 attribute; the clause needs one kept entry that matches.
  const opOk = (op: any) => {
    const ports = numeric(op.ports)
    const notPorts = numeric(op.notPorts)
    if (ports.length === 0 && notPorts.length === 0) return false
    return (ports.length === 0 || ports.includes(port)) && !notPorts.includes(port)
  }
  const srcOk = (s: any) => {
    const l4 = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'].some((f) => has(s, f))
    if (!l4) return false
    return (
      (!has(s, 'principals') || any(s.principals, principal)) &&
      !any(s.notPrincipals, principal) &&
      (!has(s, 'namespaces') || any(s.namespaces, (n) => strMatch(n, ns))) &&
      !any(s.notNamespaces, (n) => strMatch(n, ns))
    )
  }
  const whenOk = (w: any) => {
    if (w.key === 'source.namespace') return any(w.values, (v) => strMatch(v, ns))
    if (w.key === 'source.principal') return any(w.values, principal)
    if (w.key === 'destination.port') return numeric(w.values).length > 0 && numeric(w.values).includes(port)
    return false
  }
  if ((rule.to ?? []).length > 0 && !rule.to.some((t: any) => opOk(t.operation))) return false
  if ((rule.from ?? []).length > 0 && !rule.from.some((f: any) => srcOk(f.source))) return false
  return (rule.when ?? []).every(whenOk)
}

function reference(policies: Raw[], id: string | undefined, port: number): 'allow' | 'deny' {
  const applies = policies.filter(
    (p) =>
      !p.targetRefs &&
      (p.action ?? 'ALLOW') !== 'CUSTOM' &&
      p.action !== 'AUDIT' &&
      (p.ns === 'commerce' || p.ns === 'istio-system') &&
      (!p.selector || p.selector.matchLabels.app === 'payments'),
  )
  const matches = (p: Raw) => (p.rules ?? []).some((r) => refRuleMatches(r, (p.action ?? 'ALLOW') as 'ALLOW' | 'DENY', id, port))
  if (applies.some((p) => p.action === 'DENY' && matches(p))) return 'deny'
  const allows = applies.filter((p) => (p.action ?? 'ALLOW') === 'ALLOW')
  if (allows.length === 0) return 'allow'
  return allows.some(matches) ? 'allow' : 'deny'
}

function toObject(p: Raw, i: number): KubeObject {
  const spec: Record<string, unknown> = {}
  if (p.action) spec.action = p.action
  if (p.selector) spec.selector = p.selector
  if (p.targetRefs) spec.targetRefs = p.targetRefs
  if (p.rules) spec.rules = p.rules
  return ap(p.ns, `p${i}`, spec)
}

describe('ztunnel evaluator = reference model of istiod conversion + ztunnel rbac (property)', () => {
  it('agrees on random policies and requests', () => {
    fc.assert(
      fc.property(fc.array(policyArb, {maxLength: 4}), requestArb, (raw, req) => {
        const objects = raw.map(toObject)
        const d = evaluateAuthorization(objects, target, {at: 'ztunnel', sourceIdentity: req.identity ? `spiffe://${req.identity}` : undefined, port: req.port}, {trustDomain: 'cluster.local'})
        expect(d.verdict).toBe(reference(raw, req.identity, req.port))
      }),
      {numRuns: 400},
    )
  })
})
