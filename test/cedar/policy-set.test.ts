import {describe, expect, it} from 'vitest'
import {loadCedarPolicies, orderPolicyObjects, schemaWarnings} from '../../src/layers/cedar/index.js'
import {policyObject} from './fixtures.js'

const P = (n: number) => `permit(principal == Lattice::Service::"ns/s${n}", action == Lattice::Action::"AccessSecret", resource);`

describe('loading CedarPolicy objects (§3.6)', () => {
  it('inherited objects first, then local, each by priority descending', () => {
    const order = orderPolicyObjects([
      policyObject('local-low', '', {priority: 1}),
      policyObject('inh-low', '', {priority: 0, inherited: true}),
      policyObject('local-high', '', {priority: 50}),
      policyObject('inh-high', '', {priority: 5, inherited: true}),
      policyObject('local-default', ''),
    ]).map((o) => o.metadata.name)
    expect(order).toEqual(['inh-high', 'inh-low', 'local-high', 'local-low', 'local-default'])
  })

  it('rewrites ids to <object>_policyN in load order and ignores disabled and foreign objects', async () => {
    const set = await loadCedarPolicies([
      policyObject('b-local', `${P(1)}\n${P(2)}`, {priority: 100}),
      policyObject('a-inherited', P(3), {inherited: true}),
      policyObject('off', P(4), {enabled: false}),
      policyObject('elsewhere', P(5), {namespace: 'commerce'}),
    ])
    expect(set.policies.map((p) => p.id)).toEqual(['a-inherited_policy0', 'b-local_policy0', 'b-local_policy1'])
    expect(set.loaded).toEqual(['a-inherited', 'b-local'])
    expect(set.skipped).toEqual([])
    expect(set.notes).toEqual(['CedarPolicy objects outside lattice-system are not loaded: commerce/elsewhere'])
    expect(set.policies[2]).toMatchObject({object: 'b-local', originalId: 'policy1', effect: 'permit', principal: 'Lattice::Service::"ns/s2"'})
  })

  it('skips an object that fails to parse as a whole and reports why', async () => {
    const set = await loadCedarPolicies([policyObject('good', P(1)), policyObject('broken', `${P(2)}\npermit(principal, action, resource) when { principal.name == };`)])
    expect(set.loaded).toEqual(['good'])
    expect(set.policies.map((p) => p.id)).toEqual(['good_policy0'])
    expect(set.skipped).toHaveLength(1)
    expect(set.skipped[0].name).toBe('broken')
    expect(set.skipped[0].reason).toMatch(/unexpected token|expected/)
  })

  it('reports schema type errors as warnings, not as load failures', async () => {
    const set = await loadCedarPolicies([
      policyObject('typo', `permit(principal, action == Lattice::Action::"AccessSecret", resource) when { resource.provder == "vault" };`),
      policyObject('fine', P(1)),
    ])
    expect(set.policies).toHaveLength(2)
    const warnings = schemaWarnings(set)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^CedarPolicy typo: policy typo_policy0 does not match the Lattice schema: .*provder/)
  })

  it('the §3.6 example validates cleanly against the schema', async () => {
    const {COMMERCE_PAYMENTS_POLICIES} = await import('./fixtures.js')
    const set = await loadCedarPolicies([policyObject('commerce-payments', COMMERCE_PAYMENTS_POLICIES, {priority: 10})])
    expect(set.policies.map((p) => `${p.id}:${p.effect}`)).toEqual([
      'commerce-payments_policy0:permit',
      'commerce-payments_policy1:permit',
      'commerce-payments_policy2:permit',
      'commerce-payments_policy3:forbid',
    ])
    expect(schemaWarnings(set)).toEqual([])
  })

  it('notes unlinked templates instead of silently dropping them', async () => {
    const set = await loadCedarPolicies([policyObject('tpl', `permit(principal == ?principal, action, resource);\n${P(1)}`)])
    expect(set.policies.map((p) => p.id)).toEqual(['tpl_policy0'])
    expect(set.notes).toEqual(['CedarPolicy tpl: 1 unlinked template(s) ignored'])
  })
})
