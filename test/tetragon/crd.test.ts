// Every object the runtime compiler emits validates against the real Tetragon CRD schemas.
import {readFileSync} from 'node:fs'
import {Ajv, type ValidateFunction} from 'ajv'
import {parse} from 'yaml'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {compileTetragon, tetragonBaseline} from '../../src/layers/tetragon/index.js'
import {graph, node} from '../helpers/graph.js'
import {hasShared, sharedPath} from '../helpers/shared.js'
import {checkout, container, payments, service} from './fixtures.js'

function validator(file: string): ValidateFunction {
  const crd = parse(readFileSync(sharedPath('upstream', 'crds', 'tetragon', file), 'utf8'))
  const version = crd.spec.versions.find((v: {name: string}) => v.name === 'v1alpha1')
  const ajv = new Ajv({strict: false, allErrors: true})
  // Kubernetes extensions (x-kubernetes-*, int-or-string formats) are not JSON Schema.
  ajv.addFormat('int32', true)
  ajv.addFormat('int64', true)
  return ajv.compile(version.schema.openAPIV3Schema)
}

describe.skipIf(!hasShared)('Tetragon CRD schema validation', () => {
  const validators: Record<string, ValidateFunction> = hasShared
    ? {TracingPolicy: validator('cilium.io_tracingpolicies.yaml'), TracingPolicyNamespaced: validator('cilium.io_tracingpoliciesnamespaced.yaml')}
    : {}

  const g = graph([node({ns: 'commerce', name: 'payments', egress: [{target: {fqdn: 'api.stripe.com'}, ports: [443], protocol: 'TCP'}]})], [])
  const withVolumes = service('media', 'jellyfin', {main: container({command: ['/jellyfin/jellyfin'], volumes: {'/cache': {medium: 'Memory'}}})})

  for (const profile of ['seed', 'upstream'] as const) {
    it(`${profile} profile: every emitted object is valid`, () => {
      const opts = defaultCompileOptions({profile})
      const objs = [...tetragonBaseline(opts), ...compileTetragon([checkout(), payments(), withVolumes], g, opts)]
      expect(objs.length).toBeGreaterThan(profile === 'seed' ? 10 : 3)
      for (const o of objs) {
        const validate = validators[o.kind]
        expect(validate, o.kind).toBeDefined()
        const ok = validate(o)
        expect(validate.errors ?? [], `${o.kind} ${o.metadata.name}`).toEqual([])
        expect(ok).toBe(true)
      }
    })
  }

  it('the schema is strict enough to reject a wrong operator and a wrong arg type', () => {
    const bad = compileTetragon([checkout()], graph([], []), defaultCompileOptions({profile: 'upstream'}))[0]
    const v = validators.TracingPolicyNamespaced
    const op = structuredClone(bad)
    op.spec.kprobes[0].selectors[0].matchArgs[0].operator = 'NotIn'
    expect(v(op)).toBe(false)
    const ty = structuredClone(bad)
    ty.spec.kprobes[0].args[0].type = 'binprm'
    expect(v(ty)).toBe(false)
  })
})
