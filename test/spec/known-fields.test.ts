// Strict field validation of spec files (issue 7.11): unknown fields are input errors with
// the field path and the closest valid name, as `kubectl apply --validate=strict` rejects
// them; maps keyed by user names accept any key and check their values.
import fc from 'fast-check'
import {distance} from 'fastest-levenshtein'
import {describe, expect, it} from 'vitest'
import {LATTICE_SERVICE_SHAPE, MESH_MEMBER_SHAPE} from '../../src/layers/admission/schema.js'
import type {Shape} from '../../src/layers/admission/serde.js'
import {CEDAR_POLICY_FIELDS, LATTICE_SERVICE_FIELDS, MESH_MEMBER_FIELDS, formatUnknownField, unknownFields, type FieldTree} from '../../src/spec/known-fields.js'
import {seedPair} from '../helpers/specs.js'

const messages = (value: unknown, tree: FieldTree) => unknownFields(value, tree).map(formatUnknownField)

describe('known fields', () => {
  it('the seed pair (every §1.1 field) has no unknown field', () => {
    for (const s of seedPair()) expect(messages(s, LATTICE_SERVICE_FIELDS)).toEqual([])
  })

  it('names the path and the closest valid name (the typo from the issue)', () => {
    const [checkout] = seedPair() as any[]
    checkout.spec.workload.resources.payments.namespce = 'commerce'
    checkout.spec.workload.containers.main.securityContxt = {}
    checkout.spec.replica = 2
    expect(messages(checkout, LATTICE_SERVICE_FIELDS)).toEqual([
      'unknown field spec.workload.containers.main.securityContxt (did you mean security?)',
      'unknown field spec.workload.resources.payments.namespce (did you mean namespace?)',
      'unknown field spec.replica (did you mean replicas?)',
    ])
  })

  it('suggests only plausible names; case slips are always caught', () => {
    expect(unknownFields({spec: {workload: {}, Replicas: 1}}, LATTICE_SERVICE_FIELDS)).toEqual([{path: 'spec.Replicas', suggestion: 'replicas'}])
    expect(unknownFields({spec: {workload: {}, frobnicate: 1}}, LATTICE_SERVICE_FIELDS)).toEqual([{path: 'spec.frobnicate'}])
  })

  it('user-named maps accept any key and check the values; free-form objects are not checked', () => {
    const svc = {
      spec: {
        workload: {
          containers: {'any-name': {image: 'x', variables: {ANY_VAR: 'v'}, files: {'/etc/a.conf': {content: 'x', mod: '0644'}}}},
          service: {ports: {whatever: {port: 80, tragetPort: 8080}}},
          resources: {db: {type: 'postgres', params: {anything: {goes: true}}}},
        },
        sidecars: {envoy: {image: 'e', init: false, sidecarOnly: 1}},
        observability: {metrics: {port: 9102, anything: true}},
        sysctls: {'net.core.somaxconn': '1024'},
      },
      metadata: {name: 'a', labels: {any: 'label'}, annotations: {any: 'x'}},
      status: {whatever: 1},
    }
    expect(unknownFields(svc, LATTICE_SERVICE_FIELDS).map((u) => u.path)).toEqual([
      'spec.workload.containers.any-name.files["/etc/a.conf"].mod',
      'spec.workload.service.ports.whatever.tragetPort',
      'spec.sidecars.envoy.sidecarOnly',
    ])
  })

  it('list items are checked with their index (mesh members)', () => {
    const lmm = {spec: {target: {selector: {app: 'x'}}, allowedCallers: [{name: 'a', namespace: 'b', l7: {methods: ['GET']}}, {name: 'c', namspace: 'd'}], egress: [{target: {fqnd: 'x.com'}, ports: [443]}]}}
    expect(messages(lmm, MESH_MEMBER_FIELDS)).toEqual([
      'unknown field spec.allowedCallers[1].namspace (did you mean namespace?)',
      'unknown field spec.egress[0].target.fqnd (did you mean fqdn?)',
    ])
  })

  it('CedarPolicy spec fields (§3.6)', () => {
    expect(messages({spec: {policies: 'permit(principal, action, resource);', enable: false}}, CEDAR_POLICY_FIELDS)).toEqual(['unknown field spec.enable (did you mean enabled?)'])
  })

  it('covers every field of the typed shape admission reads (src/layers/admission/schema.ts)', () => {
    // Every struct field admission knows must be known here too, at the same path.
    const missing: string[] = []
    const walk = (shape: Shape, tree: FieldTree, path: string) => {
      if (tree === null) return
      if (shape.t === 'struct') {
        if (!('fields' in tree)) return void missing.push(`${path}: expected a struct`)
        for (const [k, sub] of Object.entries(shape.fields)) {
          if (!Object.hasOwn(tree.fields, k)) missing.push(`${path}.${k}`)
          else walk(sub, tree.fields[k], `${path}.${k}`)
        }
      } else if (shape.t === 'map' && 'mapOf' in tree) walk(shape.of, tree.mapOf, `${path}.*`)
      else if (shape.t === 'list' && 'listOf' in tree) walk(shape.of, tree.listOf, `${path}[]`)
    }
    walk(LATTICE_SERVICE_SHAPE, LATTICE_SERVICE_FIELDS, 'LatticeService')
    walk(MESH_MEMBER_SHAPE, MESH_MEMBER_FIELDS, 'LatticeMeshMember')
    expect(missing).toEqual([])
  })

  it('property: a one-letter typo in any field of the seed pair is rejected at its path, never silently dropped', () => {
    // Every (object path, key) of the seed pair whose parent is a checked struct.
    const [checkout] = seedPair() as any[]
    const places: Array<{parent: string[]; key: string}> = []
    const visit = (v: unknown, p: string[]) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return
      for (const k of Object.keys(v)) {
        places.push({parent: p, key: k})
        visit((v as any)[k], [...p, k])
      }
    }
    visit(checkout, [])
    const checked = places.filter(({parent, key}) => {
      const probe = structuredClone(checkout)
      const obj = parent.reduce((o: any, k) => o[k], probe)
      obj[`${key}zz`] = obj[key]
      delete obj[key]
      return unknownFields(probe, LATTICE_SERVICE_FIELDS).length > 0
    })
    expect(checked.length).toBeGreaterThan(20)
    fc.assert(fc.property(fc.constantFrom(...checked), fc.nat(), fc.constantFrom('a', 'e', 's', 'x'), fc.constantFrom('insert', 'delete', 'replace'), ({parent, key}, at, ch, op) => {
      const i = at % key.length
      const typo = op === 'insert' ? key.slice(0, i) + ch + key.slice(i) : op === 'delete' ? key.slice(0, i) + key.slice(i + 1) : key.slice(0, i) + ch + key.slice(i + 1)
      const probe = structuredClone(checkout)
      const obj = parent.reduce((o: any, k) => o[k], probe)
      if (typo === key || typo === '' || typo in obj) return
      const found = unknownFields({...probe, __probe: undefined}, LATTICE_SERVICE_FIELDS) // baseline
      expect(found.map((u) => u.path)).toEqual(['__probe'])
      obj[typo] = obj[key]
      delete obj[key]
      const after = unknownFields(probe, LATTICE_SERVICE_FIELDS)
      // Either the typo hit another valid name at that place, or it is reported there.
      if (after.length === 0) return
      expect(after).toHaveLength(1)
      expect(after[0].path.endsWith(typo) || after[0].path.endsWith(`[${JSON.stringify(typo)}]`)).toBe(true)
      // The suggestion is the original name, or another one at least as close to the typo.
      if (key.length >= 3) {
        expect(after[0].suggestion).toBeDefined()
        expect(distance(after[0].suggestion!, typo)).toBeLessThanOrEqual(distance(key, typo))
      }
    }), {numRuns: 300})
  })
})
