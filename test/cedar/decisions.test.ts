// The persistent Cedar decision cache (src/layers/cedar/decisions.ts) is a pure memo: an
// answer read back from disk equals what Cedar computes, and anything Cedar is given that
// changes (a policy text, an entity attribute, the Cedar build) is a miss.
import {mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import {afterEach, describe, expect, it} from 'vitest'
import {setDiskCacheEnabled} from '../../src/core/io/disk-cache.js'
import {loadCedarPolicies} from '../../src/layers/cedar/index.js'
import {CedarEngine, type CedarRequest} from '../../src/layers/cedar/engine.js'
import {decisionStore, PersistentCedarEngine} from '../../src/layers/cedar/decisions.js'
import {type CedarWasm, cedarWasmVersion, loadCedarWasm} from '../../src/layers/cedar/wasm.js'
import {type CedarEntity, meshEntity, secretPathEntity, serviceEntity} from '../../src/layers/cedar/entities.js'
import {policyObject} from './fixtures.js'

afterEach(() => setDiskCacheEnabled(true))

const tempStore = (version = cedarWasmVersion()) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'platform-decisions-'))
  return {dir, store: decisionStore(version, () => dir)}
}
/** A module that must not be needed: every answer has to come from the disk. */
const noCedar = (): CedarWasm => {
  throw new Error('cedar-wasm loaded on a warm cache')
}

const ACTIONS = ['AccessSecret', 'AllowWildcard']
const PRINCIPALS = [serviceEntity('a', 'one'), serviceEntity('b', 'two')]
const RESOURCES: CedarEntity[] = [secretPathEntity('vault', 'a/k'), secretPathEntity('aws', 'b/k'), meshEntity('inbound')]
const requests = (): CedarRequest[] => PRINCIPALS.flatMap((principal) => ACTIONS.flatMap((action) => RESOURCES.map((resource) => ({action, principal, resource}))))

const policy = fc
  .tuple(
    fc.constantFrom('permit', 'forbid'),
    fc.constantFrom('principal', 'principal == Lattice::Service::"a/one"'),
    fc.constantFrom('action', 'action == Lattice::Action::"AccessSecret"'),
    fc.constantFrom('', ' when { resource.provider == "vault" }', ' when { principal.namespace == "b" }', ' when { resource.nope == 1 }'),
  )
  .map(([e, p, a, c]) => `${e}(${p}, ${a}, resource)${c};`)

describe('persistent Cedar decisions', () => {
  it('answers read back from disk equal Cedar\'s own (cold engine, warm engine without the module, plain engine)', async () => {
    const cedar = await loadCedarWasm()
    await fc.assert(
      fc.asyncProperty(fc.array(policy, {minLength: 1, maxLength: 5}), async (texts) => {
        const {policies} = await loadCedarPolicies([policyObject('p', texts.join('\n'))])
        const {store} = tempStore()
        const cold = new PersistentCedarEngine(cedar, policies, store)
        const first = requests().map((r) => cold.authorize(r))
        cold.flush()
        const warm = new PersistentCedarEngine(noCedar, policies, store)
        const plain = new CedarEngine(cedar, policies)
        expect(requests().map((r) => warm.authorize(r))).toEqual(first)
        expect(requests().map((r) => plain.authorize(r))).toEqual(first)
      }),
      {numRuns: 20, seed: 20261204},
    )
  }, 60_000)

  it('a changed policy text or entity attribute is a miss', async () => {
    const cedar = await loadCedarWasm()
    const load = async (text: string) => (await loadCedarPolicies([policyObject('p', text)])).policies
    const permitVault = await load('permit(principal, action, resource) when { resource.provider == "vault" };')
    const permitAws = await load('permit(principal, action, resource) when { resource.provider == "aws" };')
    const {store} = tempStore()
    const req = {action: 'AccessSecret', principal: serviceEntity('a', 'one'), resource: secretPathEntity('vault', 'a/k')}
    const cold = new PersistentCedarEngine(cedar, permitVault, store)
    expect(cold.authorize(req).allowed).toBe(true)
    cold.flush()
    expect(new PersistentCedarEngine(noCedar, permitVault, store).authorize(req).allowed).toBe(true)
    // Another policy text: not the stored answer (which would say allowed).
    expect(new PersistentCedarEngine(cedar, permitAws, store).authorize(req).allowed).toBe(false)
    // Another resource attribute, another principal attribute: not stored, so Cedar is asked.
    const otherResource = {...req, resource: {...req.resource, attrs: {...req.resource.attrs, provider: 'aws'}}}
    expect(() => new PersistentCedarEngine(noCedar, permitVault, store).authorize(otherResource)).toThrow(/loaded on a warm cache/)
    const otherPrincipal = {...req, principal: {...req.principal, attrs: {...req.principal.attrs, name: 'two'}}}
    expect(() => new PersistentCedarEngine(noCedar, permitVault, store).authorize(otherPrincipal)).toThrow(/loaded on a warm cache/)
  })

  it('another Cedar build in the same directory misses', async () => {
    const cedar = await loadCedarWasm()
    const {policies} = await loadCedarPolicies([policyObject('p', 'permit(principal, action, resource);')])
    const {dir, store} = tempStore()
    const req = {action: 'AllowWildcard', principal: serviceEntity('a', 'one'), resource: meshEntity('inbound')}
    const cold = new PersistentCedarEngine(cedar, policies, store)
    cold.authorize(req)
    cold.flush()
    expect(readdirSync(dir)).toHaveLength(1)
    const otherBuild = decisionStore('cedar-wasm@9.9.9+1', () => dir)
    expect(() => new PersistentCedarEngine(noCedar, policies, otherBuild).authorize(req)).toThrow(/loaded on a warm cache/)
    expect(new PersistentCedarEngine(noCedar, policies, store).authorize(req).allowed).toBe(true)
  })

  it('never stores a failure (Cedar could not evaluate)', () => {
    const failing = {preparsePolicySet: () => ({type: 'failure', errors: [{message: 'boom'}]})} as unknown as CedarWasm
    const {dir, store} = tempStore()
    const engine = new PersistentCedarEngine(failing, [{id: 'p_policy0', object: 'p', originalId: 'policy0', effect: 'permit', text: 'permit(principal, action, resource);', actions: 'all', principal: 'all'}], store)
    const v = engine.authorize({action: 'AllowWildcard', principal: serviceEntity('a', 'one'), resource: meshEntity('inbound')})
    expect(v.error).toBe('boom')
    engine.flush()
    expect(readdirSync(dir)).toEqual([])
  })

  it('--no-cache: nothing is read or written', async () => {
    const cedar = await loadCedarWasm()
    const {policies} = await loadCedarPolicies([policyObject('p', 'permit(principal, action, resource);')])
    const {dir, store} = tempStore()
    const req = {action: 'AllowWildcard', principal: serviceEntity('a', 'one'), resource: meshEntity('inbound')}
    const warmUp = new PersistentCedarEngine(cedar, policies, store)
    warmUp.authorize(req)
    warmUp.flush()
    const stored = readFileSync(path.join(dir, readdirSync(dir)[0]), 'utf8')
    setDiskCacheEnabled(false)
    expect(() => new PersistentCedarEngine(noCedar, policies, store).authorize(req)).toThrow(/loaded on a warm cache/)
    const other = new PersistentCedarEngine(cedar, policies, store)
    other.authorize({...req, resource: meshEntity('outbound')})
    other.flush()
    expect(readdirSync(dir)).toHaveLength(1)
    expect(readFileSync(path.join(dir, readdirSync(dir)[0]), 'utf8')).toBe(stored)
  })
})
