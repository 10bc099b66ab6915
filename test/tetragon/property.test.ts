// Property: for any service, compile then evaluate: every allowlisted binary runs, any
// other absolute path is killed, unless the service is a wildcard (no policy at all).
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {ContainerSpec, Probe} from '../../src/spec/model.js'
import {allowlistOf, compileTetragon, evaluateExec} from '../../src/layers/tetragon/index.js'
import {graph} from '../helpers/graph.js'
import {container, service} from './fixtures.js'

const segment = fc.stringMatching(/^[a-z0-9._-]{1,8}$/)
const absPath = fc.array(segment, {minLength: 1, maxLength: 4}).map((s) => '/' + s.join('/'))
const anyPath = fc.oneof(absPath, absPath, segment) // relative probe entries happen too
const probe: fc.Arbitrary<Probe | undefined> = fc.option(
  fc.oneof(
    anyPath.map((p) => ({exec: {command: [p, '-c', 'true']}})),
    fc.constant({httpGet: {path: '/healthz', port: 8080}}),
  ),
  {nil: undefined},
)
const containerArb: fc.Arbitrary<ContainerSpec> = fc
  .record({
    command: fc.option(absPath.map((p) => [p, '--serve']), {nil: undefined}),
    allowed: fc.option(fc.array(fc.oneof({weight: 10, arbitrary: absPath}, {weight: 1, arbitrary: fc.constant('*')}), {maxLength: 4}), {nil: undefined}),
    liveness: probe,
    readiness: probe,
  })
  .map(({command, allowed, liveness, readiness}) =>
    container({command, livenessProbe: liveness, readinessProbe: readiness, security: allowed ? {allowedBinaries: allowed} : {}}),
  )
const serviceArb = fc
  .record({
    containers: fc.array(containerArb, {minLength: 1, maxLength: 3}),
    sidecars: fc.array(containerArb, {maxLength: 2}),
  })
  .map(({containers, sidecars}) =>
    service(
      'ns',
      'svc',
      Object.fromEntries(containers.map((c, i) => [`c${i}`, c])),
      {sidecars: Object.fromEntries(sidecars.map((c, i) => [`s${i}`, c]))},
    ),
  )

describe('compile → evaluate round trip', () => {
  it('allowlisted binaries run; other absolute paths are killed; wildcards emit no policy', () => {
    const opts = defaultCompileOptions()
    const pod = {namespace: 'ns', labels: {'app.kubernetes.io/name': 'svc'}}
    fc.assert(
      fc.property(serviceArb, absPath, (svc, probePath) => {
        const allow = allowlistOf(svc)
        const policies = compileTetragon([svc], graph([], []), opts)
        for (const b of allow.values) expect(evaluateExec(policies, pod, b).killed).toBe(false)
        const v = evaluateExec(policies, pod, probePath)
        if (allow.wildcard) {
          expect(policies.some((p) => p.metadata.name === 'allow-binaries-svc')).toBe(false)
          expect(v.killed).toBe(false)
        } else {
          expect(v.killed).toBe(!allow.values.includes(probePath))
        }
      }),
      {numRuns: 300},
    )
  })
})
