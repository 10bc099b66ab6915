// Laziness and error propagation of the Cedar worker pool.
import {describe, expect, it} from 'vitest'
import {authorizeService, loadCedarPolicies, prefetchServiceVerdicts} from '../../src/layers/cedar/index.js'
import {container, permitAll, policyObject, resource, service} from './fixtures.js'

const fleet = (n: number) =>
  Array.from({length: n}, (_, i) =>
    service({
      ns: `ns${i % 5}`,
      name: `svc${i}`,
      containers: {main: container({image: `registry.example.com/svc${i}:1`, command: ['/app']})},
      resources: {db: resource({type: 'secret', id: `ns${i % 5}/svc${i}/db`, params: {provider: 'vault'}})},
    }),
  )

// A namespace-dependent forbid: partial evaluation cannot decide AccessSecret for every
// principal at once, so each request is a full Cedar call (the pool's work).
const residualPolicies = [permitAll('AccessSecret'), 'forbid(principal, action == Lattice::Action::"AccessSecret", resource) when { principal.namespace == "ns3" };'].join('\n')

describe('Cedar worker pool', () => {
  it('starts no worker for a small fleet, a single service, or by default', async () => {
    const set = await loadCedarPolicies([policyObject('p', permitAll('AccessSecret'))])
    expect(prefetchServiceVerdicts(set, fleet(1), {}, {workers: 2}).pooled).toBe(false)
    expect(prefetchServiceVerdicts(set, fleet(200), {}, {workers: 2}).pooled).toBe(false)
    // Opt-in: no worker by default, however large the fleet.
    expect(prefetchServiceVerdicts(set, fleet(2000), {}).pooled).toBe(false)
  })

  it('answers every request in the workers and the reports match the unpooled ones', async () => {
    const objects = [policyObject('p', residualPolicies)]
    const services = fleet(600)
    const pooled = await loadCedarPolicies(objects)
    const prefetch = prefetchServiceVerdicts(pooled, services, {}, {workers: 2, minRequests: 0})
    expect(prefetch.pooled).toBe(true)
    await prefetch.finish()
    const plain = await loadCedarPolicies(objects)
    for (const svc of services) expect(authorizeService(pooled, svc, {services})).toEqual(authorizeService(plain, svc, {services}))
  })

  it('rejects with the error a worker raised, and stops the workers', async () => {
    const services = fleet(600)
    const set = await loadCedarPolicies([policyObject('p', residualPolicies)])
    authorizeService(set, services[0], {services}) // this thread's engine has indexed the policies
    // A corrupt loaded policy makes a fresh engine (the worker's) throw.
    set.policies.push({...set.policies[0], id: 'broken', actions: 42 as unknown as string[]})
    const prefetch = prefetchServiceVerdicts(set, services, {}, {workers: 1, minRequests: 0, helpHere: false})
    expect(prefetch.pooled).toBe(true)
    await expect(prefetch.finish()).rejects.toThrow(/includes is not a function/)
  })

  it('rejects with the error this thread raised', async () => {
    const set = await loadCedarPolicies([policyObject('p', permitAll('AccessSecret'))])
    set.policies.push({...set.policies[0], id: 'broken', actions: 42 as unknown as string[]})
    expect(() => prefetchServiceVerdicts(set, fleet(600), {}, {workers: 1, minRequests: 0})).toThrow(TypeError)
  })
})
