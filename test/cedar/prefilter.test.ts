// Policy pre-filtering (src/layers/cedar/prefilter.ts): a policy is left out of a request
// only when Cedar itself would skip it, and entities carry only the attributes some policy
// of the bucket reads. Property: on random policies and requests the engine answers exactly
// like one plain cedar-wasm `isAuthorized` call against the whole set with full entities —
// same decision, same determining policies, same erroring policies and error messages.
// Evaluation order followed: cedar-policy-core `Policy::condition` (scope && conditions,
// conditions in order, `unless` negated) and the evaluator's short-circuit `And`.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {loadCedarPolicies} from '../../src/layers/cedar/index.js'
import {loadCedarWasm} from '../../src/layers/cedar/wasm.js'
import type {CedarEntity} from '../../src/layers/cedar/entities.js'
import {policyGuard, policyReads, ruledOut} from '../../src/layers/cedar/prefilter.js'
import {plainIsAuthorized, policyObject} from './fixtures.js'

const svc = (ns: string, name: string, extra: Record<string, string> = {}): CedarEntity => ({type: 'Lattice::Service', id: `${ns}/${name}`, attrs: {namespace: ns, name, kind: 'service', ...extra}})
// a/one and a/three share every guard input on `namespace` but not on `name`: the engine
// remembers kept policies per guard signature (engine.ts guardedBucket), which must not leak.
const PRINCIPALS: CedarEntity[] = [svc('a', 'one'), svc('b', 'one'), svc('c', 'two'), svc('a', 'three'), {type: 'Lattice::Service', id: 'x/bare', attrs: {name: 'bare'}}]
const RESOURCES: CedarEntity[] = [
  {type: 'Lattice::SecretPath', id: 'vault:a/k', attrs: {path: 'a/k', provider: 'vault'}},
  {type: 'Lattice::SecretPath', id: 'other:b/k', attrs: {path: 'b/k', provider: 'other'}},
  {type: 'Lattice::Volume', id: 'a/v', attrs: {namespace: 'a', volume_id: 'v'}},
]
const ACTIONS = ['AccessSecret', 'AccessVolume']

const literal = fc.constantFrom('"a"', '"b"', '"c"', '"vault"', '"a/k"', '1', 'true')
const access = fc.constantFrom('principal.namespace', 'principal.name', 'principal.nosuch', 'resource.provider', 'resource.namespace', 'resource.path')
const guardTerm = fc.oneof(
  fc.tuple(access, literal).map(([a, l]) => `${a} == ${l}`),
  fc.tuple(access, literal).map(([a, l]) => `${l} == ${a}`),
  fc.tuple(access, literal).map(([a, l]) => `${a} != ${l}`),
)
const laterTerm = fc.constantFrom(
  'resource.path like "a/*"',
  'principal.name == "one"',
  'resource has path',
  'principal has kind',
  'resource.zzz == "q"',
  'Lattice::Service::"a/one".kind == "service"',
  'principal.namespace == resource.namespace',
  '(if true then principal else resource).name == "one"',
)
const body = fc.tuple(guardTerm, fc.array(laterTerm, {maxLength: 2})).map(([g, rest]) => [g, ...rest].join(' && '))
const conditions = fc.oneof(
  body.map((b) => ` when { ${b} }`),
  fc.tuple(body, body).map(([b, c]) => ` when { ${b} } unless { ${c} }`),
  fc.tuple(body, body).map(([b, c]) => ` unless { ${c} } when { ${b} }`),
  fc.tuple(body, body).map(([b, c]) => ` when { ${b} || ${c} }`),
  fc.constant(''),
)
const scope = fc.constantFrom('principal, action, resource', 'principal, action == Lattice::Action::"AccessSecret", resource', 'principal == Lattice::Service::"a/one", action, resource')
const policy = fc.tuple(fc.constantFrom('permit', 'forbid'), scope, conditions).map(([e, s, c]) => `${e}(${s})${c};`)

describe('Cedar policy pre-filter equivalence (guards and attribute pruning vs the unfiltered set)', () => {
  it('answers exactly like isAuthorized on every policy with full entities', async () => {
    const cedar = await loadCedarWasm()
    let dropped = 0
    // Entities no policy of the bucket dereferences are left out of the call (engine.ts):
    // count those calls, so the property is known to cover them.
    let entitiesLeftOut = 0
    const stateful = cedar.statefulIsAuthorized
    cedar.statefulIsAuthorized = (call) => {
      if (call.entities.length < 2) entitiesLeftOut++
      return stateful(call)
    }
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(policy, {minLength: 1, maxLength: 6}), {minLength: 1, maxLength: 3}), async (objects) => {
        const set = await loadCedarPolicies(objects.map((texts, i) => policyObject(`p${i}`, texts.join('\n'))))
        for (const principal of PRINCIPALS)
          for (const action of ACTIONS)
            for (const resource of RESOURCES) {
              dropped += set.policies.filter((p) => p.guard && ruledOut(p.guard, principal, resource)).length
              const got = set.engine.authorize({action, principal, resource})
              const plain = plainIsAuthorized(cedar, set, action, principal, resource)
              expect(got.error).toBeUndefined()
              expect(got.allowed).toBe(plain.decision === 'allow')
              expect([...got.policies].sort()).toEqual([...plain.diagnostics.reason].sort())
              expect([...got.policyErrors].sort()).toEqual(plain.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`).sort())
            }
      }),
      {numRuns: 120, seed: 20261205},
    )
    cedar.statefulIsAuthorized = stateful
    // The property is only meaningful if the filter actually dropped policies and entities.
    expect(dropped).toBeGreaterThan(100)
    expect(entitiesLeftOut).toBeGreaterThan(100)
  }, 120_000)

  it('reads a guard only from the leftmost term of the first `when`', async () => {
    const cedar = await loadCedarWasm()
    const json = (text: string) => {
      const r = cedar.policyToJson(text)
      if (r.type !== 'success') throw new Error('parse')
      return r.json as never
    }
    expect(policyGuard(json('permit(principal, action, resource) when { principal.namespace == "t" && resource.path like "x*" };'))).toEqual({on: 'principal', attr: 'namespace', value: 't'})
    expect(policyGuard(json('permit(principal, action, resource) when { "t" == resource.provider };'))).toEqual({on: 'resource', attr: 'provider', value: 't'})
    expect(policyGuard(json('permit(principal, action, resource) when { resource.path like "x*" && principal.namespace == "t" };'))).toBeUndefined()
    expect(policyGuard(json('permit(principal, action, resource) unless { principal.namespace == "t" };'))).toBeUndefined()
    expect(policyGuard(json('permit(principal, action, resource) when { principal.namespace == 3 };'))).toBeUndefined()
    expect(policyGuard(json('permit(principal, action, resource) when { principal.namespace == "t" || true };'))).toBeUndefined()
    expect(policyReads(json('permit(principal, action, resource) when { principal.namespace == "t" && resource has path };'))).toEqual({principal: ['namespace'], resource: ['path']})
    expect(policyReads(json('permit(principal, action, resource) when { Lattice::Service::"a/b".name == "b" };'))).toEqual({principal: 'all', resource: 'all'})
  })
})
