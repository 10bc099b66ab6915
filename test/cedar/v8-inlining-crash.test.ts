// Regression: on Node 20 (V8 11) thousands of authorizations alternating between policy
// buckets aborted the whole process in V8's deoptimizer (inlined JS→Wasm calls). wasm.ts
// turns that inlining off; this runs the triggering pattern in a child process so an
// abort shows up as a failed test instead of a dead test worker.
import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'

const script = `
const {loadCedarPolicies} = await import('./src/layers/cedar/index.ts')
const {serviceEntity, externalEndpointEntity, securityOverrideEntity} = await import('./src/layers/cedar/entities.ts')
const texts = []
for (let k = 0; k < 20; k++) texts.push('permit(principal, action == Lattice::Action::"AccessExternalEndpoint", resource) when { principal.namespace == "ns' + k + '" && resource.host like "*.p' + k + '.com" };')
for (let k = 0; k < 10; k++) texts.push('forbid(principal, action == Lattice::Action::"OverrideSecurity", resource) when { resource.override_id == "privileged" && principal.namespace == "ns' + k + '" };')
const obj = {kind: 'CedarPolicy', metadata: {name: 'x', namespace: 'lattice-system'}, spec: {priority: 0, enabled: true, propagate: true, policies: texts.join('\\n')}, origin: {file: '', index: 0}, raw: {}}
const set = await loadCedarPolicies([obj])
let n = 0
for (let round = 0; round < 3; round++) {
for (let i = 0; i < 3000; i++) n += set.engine.authorize({action: 'AccessExternalEndpoint', principal: serviceEntity('ns' + (i % 100), 'a' + i + '-' + round), resource: externalEndpointEntity('api.p3.com', 443, 'https')}).allowed ? 1 : 0
for (let i = 0; i < 2000; i++) n += set.engine.authorize({action: 'OverrideSecurity', principal: serviceEntity('ns' + (i % 100), 'b' + i + '-' + round), resource: securityOverrideEntity('allowedBinary:/x' + i + '-' + round, 'binary')}).allowed ? 1 : 0
}
console.log('done', n)
`

describe('V8 JS→Wasm inlining crash', () => {
  it('survives many alternating-bucket authorizations', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: PROJECT_ROOT, encoding: 'utf8'})
    expect(r.stderr).not.toMatch(/Fatal error/)
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe('done 90')
  }, 60_000)
})
