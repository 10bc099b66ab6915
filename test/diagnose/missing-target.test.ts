// LATTICE-SPEC §10.16 (and the §4.1 Unknown node, the third finding of §4.7): a callee A
// declares that does not exist is a diagnosis, BLOCKED at L4 with B as a placeholder; a
// name nobody declares is an input error with "did you mean" suggestions (issue 7, point 8).
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {InputError} from '../../src/core/errors.js'
import {diagnoseOffline} from '../../src/diagnose/offline.js'
import {closestKeys} from '../../src/diagnose/names.js'
import type {Diagnosis} from '../../src/diagnose/model.js'
import {SEED_POLICIES, inb, out, seedPair, service, writeSpecs} from '../helpers/specs.js'

async function diagnose(docs: unknown[], source: string, target: string, prefilter = true): Promise<Diagnosis> {
  return diagnoseOffline({specPaths: [writeSpecs(docs)], policyPaths: [], source, target, options: defaultCompileOptions(), prefilter})
}

const layer = (d: Diagnosis, id: string) => d.layers.find((l) => l.layer === id)!

// checkout declares `paymnts` (a typo of payments) outbound.
const typo = () => [...seedPair({checkout: {paymnts: out()}}), SEED_POLICIES]

describe('declared target that does not exist (§10.16)', () => {
  for (const prefilter of [true, false]) {
    it(`is a diagnosis: Declarations DENY with the third §4.7 finding, BLOCKED at L4, B an Unknown placeholder (${prefilter ? 'staged' : 'full'} load)`, async () => {
      const d = await diagnose(typo(), 'commerce/checkout', 'commerce/paymnts', prefilter)
      expect(d.target).toEqual({namespace: 'commerce', name: 'paymnts', kind: 'Unknown'})
      expect(d.result.status).toBe('BLOCKED')
      expect(d.result.blockedAt).toBe('l4')
      expect(layer(d, 'declarations')).toMatchObject({status: 'DENY', summary: 'outbound dependency paymnts declared but service paymnts does not exist in namespace commerce'})
      expect(d.result.explanation).toBe('Outbound dependency paymnts declared but service paymnts does not exist in namespace commerce.')
    })
  }

  it('L4/L7/runtime lines say what is really there: no pods, A\'s egress allows nothing to B, nothing serves', async () => {
    const d = await diagnose(typo(), 'commerce/checkout', 'commerce/paymnts')
    const l4 = layer(d, 'l4')
    expect(l4.status).toBe('DENY')
    // A's egress was evaluated: the cluster default-deny, no rule for a callee without an edge.
    expect(l4.summary).toBe('no egress rule on checkout for paymnts (wire: HBONE 15008); egress default-deny from CiliumClusterwideNetworkPolicy default-deny; commerce/paymnts does not exist: no pods to connect to')
    expect(l4.summary).not.toMatch(/exposes no ports/)
    expect(layer(d, 'l7')).toMatchObject({status: 'DENY'})
    expect(layer(d, 'l7').summary).toMatch(/^no workload: commerce\/paymnts does not exist/)
    expect(layer(d, 'runtime')).toMatchObject({status: 'DENY', summary: 'nothing serves: commerce/paymnts does not exist (no pods, no entrypoint)'})
    expect(d.target.port).toBeUndefined()
  })

  it('the fix corrects A\'s dependency to the closest known name, or creates B allowing A', async () => {
    const d = await diagnose(typo(), 'commerce/checkout', 'commerce/paymnts')
    expect(d.fix?.verified).toBe(false)
    const [rename, create] = d.fix!.changes
    expect(rename).toMatchObject({kind: 'LatticeService', namespace: 'commerce', name: 'checkout', path: 'spec.workload.resources'})
    expect(rename.yaml).toBe('payments: {type: service, direction: outbound}   # instead of paymnts, which does not exist; closest known service: commerce/payments (replaces paymnts)')
    expect(create).toMatchObject({kind: 'Cluster', namespace: 'commerce', name: 'LatticeService paymnts'})
    expect(create.path).toMatch(/^create \(if paymnts is not a typo for payments/)
    expect(create.yaml).toContain('metadata: {name: paymnts, namespace: commerce}')
    expect(create.yaml).toContain('checkout: {type: service, direction: inbound}')
  })

  it('with no close name the fix only creates B', async () => {
    const docs = [...seedPair({checkout: {ledger: out()}}), SEED_POLICIES]
    const d = await diagnose(docs, 'commerce/checkout', 'ledger')
    expect(d.target.kind).toBe('Unknown')
    expect(d.fix!.changes.map((c) => c.name)).toEqual(['LatticeService ledger'])
  })
})

describe('unknown names nobody declares stay input errors (§10.16), with suggestions', () => {
  it('an undeclared typo of B: exit-2 error naming the closest known service', async () => {
    const err = await diagnose([...seedPair(), SEED_POLICIES], 'commerce/checkout', 'commerce/paymnts').catch((e) => e)
    expect(err).toBeInstanceOf(InputError)
    expect(err.message).toBe('target: unknown service commerce/paymnts (did you mean commerce/payments?)')
  })

  it('an unknown A, even when B declares it inbound: suggestions from known names', async () => {
    const docs = [...seedPair({payments: {checkot: inb()}})]
    const err = await diagnose(docs, 'commerce/checkot', 'commerce/payments').catch((e) => e)
    expect(err).toBeInstanceOf(InputError)
    expect(err.message).toBe('source: unknown service commerce/checkot (did you mean commerce/checkout?)')
  })

  it('nothing close: the known names are listed instead', async () => {
    const err = await diagnose([...seedPair()], 'commerce/checkout', 'commerce/zzzzzzzzzz').catch((e) => e)
    expect(err.message).toBe('target: unknown service commerce/zzzzzzzzzz: no LatticeService or LatticeMeshMember of that name in the loaded specs (known: commerce/checkout, commerce/payments)')
  })

  it('closestKeys: smallest edit distance within a third of the name; the same name in another namespace counts as close', () => {
    const known = ['commerce/payments', 'commerce/checkout', 'billing/payments', 'commerce/orders']
    expect(closestKeys('commerce/paymnts', known)).toEqual(['commerce/payments'])
    expect(closestKeys('shop/orders', known)).toEqual(['commerce/orders'])
    expect(closestKeys('commerce/zzz', known)).toEqual([])
    expect(closestKeys('commerce/payments', known)).toEqual(['billing/payments'])
  })

  it('a service in another namespace with the same name is suggested', async () => {
    const docs = [service('shop', 'web', {api: out({namespace: 'backend'})}), service('backend', 'api')]
    const err = await diagnose(docs, 'shop/web', 'shop/api').catch((e) => e)
    expect(err.message).toBe('target: unknown service shop/api (did you mean backend/api?)')
  })
})
