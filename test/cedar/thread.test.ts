// Fleet-scale Cedar on a worker thread (src/layers/cedar/thread.ts): the worker's engine runs
// over the policies the main thread loaded, and its verdicts prime the main engine. Nothing
// may change: every verdict primed from the worker is the verdict the main thread's own
// engine gives, and a fleet's reports and resources are the same either way. A worker that
// is gone primes nothing, and the main thread still answers.
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import {afterAll, describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {loadCedarPolicies} from '../../src/layers/cedar/index.js'
import type {CedarRequest} from '../../src/layers/cedar/engine.js'
import type {CedarEntity} from '../../src/layers/cedar/entities.js'
import {startCedarThread} from '../../src/layers/cedar/thread.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {loadSpecs} from '../../src/spec/load.js'
import {generateFleet, writeFleet} from '../../bench/fleet.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {policyObject} from './fixtures.js'

const svc = (ns: string, name: string): CedarEntity => ({type: 'Lattice::Service', id: `${ns}/${name}`, attrs: {namespace: ns, name, kind: 'service'}})
const PRINCIPALS = [svc('a', 'one'), svc('b', 'one'), svc('a', 'three')]
const RESOURCES: CedarEntity[] = [
  {type: 'Lattice::SecretPath', id: 'vault:a/k', attrs: {path: 'a/k', provider: 'vault'}},
  {type: 'Lattice::SecretPath', id: 'other:b/k', attrs: {path: 'b/k', provider: 'other'}},
  {type: 'Lattice::Mesh', id: 'inbound', attrs: {}},
]
const ACTIONS = ['AccessSecret', 'AllowWildcard']
const REQUESTS: CedarRequest[] = PRINCIPALS.flatMap((principal) => ACTIONS.flatMap((action) => RESOURCES.map((resource) => ({action, principal, resource}))))

const term = fc.constantFrom('principal.namespace == "a"', '"b" == principal.namespace', 'resource.provider == "vault"', 'resource.path like "a/*"', 'resource.nosuch == "x"', 'principal.name == "one"')
const policy = fc
  .tuple(fc.constantFrom('permit', 'forbid'), fc.constantFrom('principal, action, resource', 'principal, action == Lattice::Action::"AccessSecret", resource', 'principal == Lattice::Service::"a/one", action, resource'), fc.array(term, {maxLength: 2}))
  .map(([effect, scope, terms]) => `${effect}(${scope})${terms.length ? ` when { ${terms.join(' && ')} }` : ''};`)

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, {recursive: true, force: true})))

describe('Cedar answered on a worker thread', () => {
  it('every verdict from the worker is the verdict of the main thread engine (random policies, errors included)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(policy, {minLength: 1, maxLength: 6}), async (texts) => {
        const objects = [policyObject('p', texts.join('\n'))]
        const primed = await loadCedarPolicies(objects)
        const local = await loadCedarPolicies(objects)
        const thread = startCedarThread({mode: 'always', services: PRINCIPALS.length, steal: false})
        expect(thread, 'the built worker file (dist/) is there: vitest global setup builds it').toBeDefined()
        thread!.use(primed)
        // in two asks, as prepareFleet hands them over while admission runs
        thread!.ask(REQUESTS.slice(0, 5))
        thread!.ask(REQUESTS.slice(5))
        const answers = await thread!.answered()
        expect(answers).toHaveLength(REQUESTS.length)
        REQUESTS.forEach((r, i) => expect(answers[i], `request ${i}`).toEqual(local.engine.authorize(r)))
        expect(primed.engine.moduleLoaded, 'every answer came from the worker').toBe(false)
      }),
      {numRuns: 12},
    )
  })

  it('the main thread takes the batches the worker has not reached: every request answered once, by one of the two', async () => {
    const objects = [policyObject('p', 'permit(principal, action, resource) when { resource.provider == "vault" };\nforbid(principal, action, resource) when { principal.namespace == "b" };')]
    const set = await loadCedarPolicies(objects)
    const local = await loadCedarPolicies(objects)
    const thread = startCedarThread({mode: 'always', services: 1})!
    thread.use(set)
    // 3,000 distinct requests: twelve batches, the last ones likely this thread's
    const many = Array.from({length: 1000}, (_, i) => REQUESTS.slice(0, 3).map((r) => ({...r, principal: svc(i % 7 === 0 ? 'b' : 'a', `s${i}`)}))).flat()
    thread.ask(many)
    const answers = await thread.answered()
    expect(answers).toHaveLength(many.length)
    many.forEach((r, i) => expect(answers[i], `request ${i}`).toEqual(local.engine.authorize(r)))
  })

  it('a worker that is gone primes nothing, and the main thread answers', async () => {
    const objects = [policyObject('p', 'permit(principal, action, resource) when { resource.provider == "vault" };')]
    const set = await loadCedarPolicies(objects)
    const thread = startCedarThread({mode: 'always', services: 1})!
    thread.use(set)
    await thread.close()
    thread.ask(REQUESTS)
    expect(await thread.answered()).toEqual(REQUESTS.map(() => undefined))
    expect(set.engine.authorize(REQUESTS[0]).allowed).toBe(true)
    expect(set.engine.authorize(REQUESTS[1]).allowed).toBe(false)
  })

  it('auto: never for a small run; never from source (the worker runs built code)', () => {
    expect(startCedarThread({mode: 'auto', services: 10})).toBeUndefined()
    expect(startCedarThread({mode: 'never', services: 100_000})).toBeUndefined()
  })

  it.each([
    ['examples/commerce', () => `${PROJECT_ROOT}/examples/commerce`],
    ['a generated 300-service fleet', () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'cedar-thread-'))
      dirs.push(dir)
      writeFleet(dir, generateFleet(300))
      return dir
    }],
  ])('%s: the same reports and resources with the gates answered on the worker', async (_name, dirOf) => {
    const dir = dirOf()
    const onWorker = await compileFleet(await loadSpecs([dir]), defaultCompileOptions(), {cedarThread: 'always'})
    const onMain = await compileFleet(await loadSpecs([dir]), defaultCompileOptions(), {cedarThread: 'never'})
    // 300 services ask too few batches for the main thread to take any: the worker answered them all
    expect(onWorker.cedar.engine.moduleLoaded, 'the worker answered the gates').toBe(false)
    expect(onMain.cedar.engine.moduleLoaded).toBe(true)
    expect([...onWorker.outcomes.values()]).toEqual([...onMain.outcomes.values()])
    expect(onWorker.resources).toEqual(onMain.resources)
  })
})
