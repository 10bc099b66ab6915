// The engine only chooses which policies Cedar sees (scope buckets, partial-evaluation
// shortcut, memo). Property: it answers exactly like one plain cedar-wasm call against the
// whole policy set — same decision, same determining policies.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {loadCedarPolicies} from '../../src/layers/cedar/index.js'
import {loadCedarWasm} from '../../src/layers/cedar/wasm.js'
import {type CedarEntity, serviceEntity, secretPathEntity, securityOverrideEntity, meshEntity} from '../../src/layers/cedar/entities.js'
import {plainIsAuthorized, policyObject} from './fixtures.js'

const ACTIONS = ['AccessSecret', 'OverrideSecurity', 'AllowWildcard']
const PRINCIPALS = [serviceEntity('a', 'one'), serviceEntity('a', 'two'), serviceEntity('b', 'one')]
const RESOURCES: CedarEntity[] = [secretPathEntity('vault', 'a/k'), securityOverrideEntity('privileged', 'container'), meshEntity('inbound')]

const principalScope = fc.constantFrom(
  'principal',
  'principal == Lattice::Service::"a/one"',
  'principal in Lattice::Service::"a/two"',
  'principal is Lattice::Service',
  'principal == Lattice::Service::"zz/none"',
)
const actionScope = fc.constantFrom(
  'action',
  ...ACTIONS.map((a) => `action == Lattice::Action::"${a}"`),
  'action in [Lattice::Action::"AccessSecret", Lattice::Action::"AllowWildcard"]',
  'action == Action::"AccessSecret"',
)
const resourceScope = fc.constantFrom('resource', 'resource == Lattice::SecretPath::"vault:a/k"', 'resource is Lattice::Mesh')
const condition = fc.constantFrom(
  '',
  ' when { principal.namespace == "a" }',
  ' when { resource.provider == "vault" }',
  ' when { resource has override_id && resource.override_id == "privileged" }',
  ' unless { principal.name == "two" }',
  ' when { resource.no_such_attr == "x" }',
)
const policy = fc
  .tuple(fc.constantFrom('permit', 'forbid'), principalScope, actionScope, resourceScope, condition)
  .map(([e, p, a, r, c]) => `${e}(${p}, ${a}, ${r})${c};`)

describe('engine equivalence with plain Cedar', () => {
  it('bucketed/shortcut/memoized answers equal one isAuthorized call on the full set', async () => {
    const cedar = await loadCedarWasm()
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(policy, {maxLength: 4}), {maxLength: 3}), async (objects) => {
        const set = await loadCedarPolicies(objects.map((texts, i) => policyObject(`o${i}`, texts.join('\n'))))
        for (const principal of PRINCIPALS)
          for (const action of ACTIONS)
            for (const resource of RESOURCES) {
              const got = set.engine.authorize({action, principal, resource})
              const plain = plainIsAuthorized(cedar, set, action, principal, resource)
              expect(got.allowed).toBe(plain.decision === 'allow')
              expect([...got.policies].sort()).toEqual([...plain.diagnostics.reason].sort())
              expect(got.error).toBeUndefined()
            }
      }),
      {numRuns: 25, seed: 20260501},
    )
  }, 60_000)
})
