// The Cedar worker pool (src/layers/cedar/pool.ts) changes where verdicts are computed,
// never what they are: a generated fleet compiles to the same Cedar reports and the same
// objects with the pool forced on (one and two workers) as without it.
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {compileFleet, type CompiledFleet} from '../../src/pipeline/fleet.js'
import {specSetFromDocuments} from '../../src/spec/load.js'
import {generateFleet} from '../../bench/fleet.js'

function specs() {
  const fleet = generateFleet(400, 7)
  const docs = [...fleet.services, ...fleet.cedarPolicies].map((value, index) => ({value, origin: {file: 'fleet.yaml', index}, label: `document ${index + 1}`}))
  return specSetFromDocuments(docs)
}

const view = (f: CompiledFleet) => ({outcomes: [...f.outcomes.values()], resources: f.resources})

describe('Cedar worker pool', () => {
  it('gives the same reports and objects with and without worker threads', async () => {
    const without = await compileFleet(specs(), defaultCompileOptions(), {cedarPool: {workers: 0}})
    const one = await compileFleet(specs(), defaultCompileOptions(), {cedarPool: {workers: 1, minRequests: 0}})
    const two = await compileFleet(specs(), defaultCompileOptions(), {cedarPool: {workers: 2, minRequests: 0}})
    expect(JSON.stringify(view(one))).toBe(JSON.stringify(view(without)))
    expect(JSON.stringify(view(two))).toBe(JSON.stringify(view(without)))
    expect(without.outcomes.size).toBe(400)
  })
})
