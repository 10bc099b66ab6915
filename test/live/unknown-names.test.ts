// Live lookups of A and B (LATTICE-SPEC §10.16): suggestions come from the LatticeServices
// and LatticeMeshMembers listed in the cluster; a callee A declares that does not exist is
// diagnosed with B as a placeholder (issue 7, point 8).
import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/core/errors.js'
import {out} from '../helpers/specs.js'
import {FakeCluster, seedDocs, serveWithNock} from './fake-cluster.js'
import {layer, run, useNock} from './run.js'

useNock()

describe('live: unknown names', () => {
  it('an undeclared typo of B is an input error suggesting the listed service', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs()}))
    const err = await run({target: 'commerce/paymnts'}).catch((e) => e)
    expect(err).toBeInstanceOf(InputError)
    expect(err.message).toBe('target: unknown service commerce/paymnts (did you mean commerce/payments?)')
  })

  it('a callee A declares that does not exist: BLOCKED at L4, B Unknown, declarations name the §4.7 finding', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs({checkout: {payments: out(), ledger: out()}})}))
    const d = await run({target: 'commerce/ledger'})
    expect(d.target.kind).toBe('Unknown')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(layer(d, 'declarations').summary).toBe('outbound dependency ledger declared but service ledger does not exist in namespace commerce')
    expect(layer(d, 'l4').summary).toMatch(/commerce\/ledger does not exist: no pods to connect to$/)
  })
})
