// `platform compile -o yaml` is written with js-yaml for speed; it must read back, with the
// `yaml` reference reader (YAML 1.2 core schema), to exactly the compiled objects.
import {parseAllDocuments} from 'yaml'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {OUTPUT_GROUPS, renderYaml, sections, type Section} from '../../src/render/compile-output.js'
import {loadSpecs} from '../../src/spec/load.js'
import {PROJECT_ROOT} from '../helpers/shared.js'

const readBack = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as unknown).filter((v) => v !== null)

describe('compile YAML output', () => {
  it('examples/commerce: every document reads back to the compiled object, headers are comments', async () => {
    const fleet = await compileFleet(await loadSpecs([`${PROJECT_ROOT}/examples/commerce`]), defaultCompileOptions())
    const list = sections(fleet, new Set(OUTPUT_GROUPS))
    const text = renderYaml(list)
    expect(text).toContain('# ===== L4 (Cilium) =====')
    expect(readBack(text)).toEqual(list.flatMap((s) => s.objects))
  })

  it('strings that look like other types, keys with odd characters, multi-line text', () => {
    const scalar = fc.oneof(
      fc.constantFrom('8080', '0x1F', '1e3', '.inf', 'null', '~', 'yes', 'no', 'on', 'true', 'False', '', ' lead', 'trail ', '#x', '- a', 'a: b', '*ref', '&a', '!tag', '%d', '@x', '`x', "'q'", '"dq"', '2026-12-02', '12:30', 'multi\nline\n', 'tab\there', 'é€😀', 'C:\\path'),
      fc.string(),
      fc.integer(),
      fc.double({noNaN: true, noDefaultInfinity: true}),
      fc.boolean(),
    )
    const value = fc.letrec((tie) => ({
      v: fc.oneof({depthSize: 'small'}, scalar, fc.array(tie('v'), {maxLength: 3}), fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('k8s:app.kubernetes.io/name', 'a b', '8080', 'null')), tie('v'), {maxKeys: 3})),
    })).v
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value, {maxKeys: 4}), (spec) => {
        const obj = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}, spec} as KubeObject
        const list: Section[] = [{group: 'l4', owner: 'ns/x', objects: [obj, obj], notes: []}]
        // -0 and 0 are one value in YAML.
        const norm = (v: unknown) => JSON.parse(JSON.stringify(v))
        expect(norm(readBack(renderYaml(list)))).toEqual(norm([obj, obj]))
      }),
      {numRuns: 300},
    )
  })
})
