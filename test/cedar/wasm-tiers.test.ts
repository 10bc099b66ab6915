// How the Cedar module is compiled depends on how much the process will ask of it: the
// baseline compiler alone for a pair or a small fleet, V8's optimizing tier for large fleets.
import {execFileSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {BASELINE_ONLY_UP_TO_SERVICES, wasmCompilerFlags} from '../../src/layers/cedar/wasm.js'
import {PROJECT_ROOT} from '../helpers/shared.js'

describe('Cedar wasm compiler tiers', () => {
  it('baseline only up to the threshold, default tiering above it and when unknown', () => {
    expect(wasmCompilerFlags({services: 2})).toEqual(['--liftoff-only'])
    expect(wasmCompilerFlags({services: BASELINE_ONLY_UP_TO_SERVICES})).toEqual(['--liftoff-only'])
    expect(wasmCompilerFlags({services: BASELINE_ONLY_UP_TO_SERVICES + 1})).toEqual([])
    expect(wasmCompilerFlags({})).toEqual([])
  })

  it('a process that loads Cedar for a pair still gets Cedar verdicts (the flag is accepted at run time)', () => {
    const script = `
const cedar = await import('./src/layers/cedar/index.ts')
const set = await cedar.loadCedarPolicies([{kind: 'CedarPolicy', metadata: {name: 'p', namespace: 'lattice-system'}, spec: {enabled: true, priority: 0, propagate: true, policies: 'permit (principal, action == Lattice::Action::"AllowWildcard", resource);'}, origin: {file: 'x', index: 0}, raw: {}}], {services: 2})
console.log(JSON.stringify({permitted: cedar.wildcardPermitted(set, 'ns/a', 'inbound')}))
`
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({permitted: true})
  }, 30_000)
})
