// `platform compile -o json|yaml` is written object by object (src/render/compile-output.ts).
// The JSON stream must be exactly `JSON.stringify({apiVersion: 'v1', kind: 'List', items}, null, 2)`
// — the objects the pre-streaming CLI printed as a bare array — and the YAML the same
// `---`-separated documents; admission/Cedar results, when asked for, follow
// schema/compile-reports.schema.json.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Ajv} from 'ajv'
import {parseAllDocuments} from 'yaml'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {OUTPUT_GROUPS, jsonListPieces, renderYaml, sections, writeCompileOutput, type OutputGroup} from '../../src/render/compile-output.js'
import {loadSpecs} from '../../src/spec/load.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {seedPair, writeSpecs} from '../helpers/specs.js'
import {cli} from '../helpers/cli.js'

const compiled = async (dir: string) => compileFleet(await loadSpecs([dir]), defaultCompileOptions())

async function streamed(list: ReturnType<typeof sections>, format: 'json' | 'yaml', opts = {}): Promise<{text: string; chunks: number}> {
  const chunks: string[] = []
  await writeCompileOutput(list, format, (c) => void chunks.push(c), opts)
  return {text: chunks.join(''), chunks: chunks.length}
}

describe('streamed compile output', () => {
  it('-o json: byte-identical to JSON.stringify of the v1 List, whose items are the objects printed before', async () => {
    const fleet = await compiled(`${PROJECT_ROOT}/examples/commerce`)
    const list = sections(fleet, new Set(OUTPUT_GROUPS))
    const objects = list.flatMap((s) => s.objects)
    const {text} = await streamed(list, 'json')
    expect(text).toBe(JSON.stringify({apiVersion: 'v1', kind: 'List', items: objects}, null, 2) + '\n')
    expect(JSON.parse(text).items).toEqual(JSON.parse(JSON.stringify(objects, null, 2)))
    // nothing selected: still a List
    expect(JSON.parse([...jsonListPieces([])].join(''))).toEqual({apiVersion: 'v1', kind: 'List', items: []})
  })

  it('-o yaml: the streamed text is the rendered text, documents read back to the objects', async () => {
    const fleet = await compiled(`${PROJECT_ROOT}/examples/commerce`)
    const list = sections(fleet, new Set(OUTPUT_GROUPS))
    const {text} = await streamed(list, 'yaml')
    expect(text).toBe(renderYaml(list))
    expect(parseAllDocuments(text).map((d) => d.toJS()).filter((v) => v !== null)).toEqual(list.flatMap((s) => s.objects))
  })

  it('large outputs go out in bounded chunks, waiting for drain', async () => {
    const fleet = await compiled(`${PROJECT_ROOT}/examples/commerce`)
    const list = sections(fleet, new Set(OUTPUT_GROUPS))
    const many = Array.from({length: 40}, () => list).flat()
    const sizes: number[] = []
    let drains = 0
    const {PassThrough} = await import('node:stream')
    const sink = new PassThrough({highWaterMark: 1024})
    sink.on('drain', () => drains++)
    const done = writeCompileOutput(many, 'json', sink)
    sink.on('data', (d: Buffer) => sizes.push(d.length))
    await done
    expect(Math.max(...sizes)).toBeLessThan(3 * 64 * 1024)
    expect(drains).toBeGreaterThan(0)
  })

  it('--layer admission|cedar -o json: ValidationReport / CedarDecisions documents that follow the schema', async () => {
    const schema = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'compile-reports.schema.json'), 'utf8'))
    const validate = new Ajv({allErrors: true}).compile(schema)
    const fleet = await compiled(writeSpecs(seedPair()))
    for (const group of ['admission', 'cedar'] as OutputGroup[]) {
      const {text} = await streamed(sections(fleet, new Set([group])), 'json', {reports: true})
      const list = JSON.parse(text)
      expect(list.kind).toBe('List')
      expect(list.items.length).toBe(2)
      for (const item of list.items) expect(validate(item), JSON.stringify(validate.errors)).toBe(true)
      if (group === 'cedar') {
        const payments = list.items.find((i: any) => i.metadata.name === 'payments')
        expect(payments.status.permitted).toBe(false)
        expect(payments.status.firstFailingGate).toBe('AccessSecret')
      }
    }
  })

  it('the CLI: -o json is a v1 List, --layer cedar -o json is not empty', () => {
    const all = cli(['compile', '--specs', 'examples/commerce', '-o', 'json'])
    expect(all.code).toBe(0)
    const list = JSON.parse(all.stdout)
    expect(list).toMatchObject({apiVersion: 'v1', kind: 'List'})
    expect(list.items.every((i: any) => i.apiVersion !== 'platform.lattice.dev/v1alpha1')).toBe(true)
    const cedar = JSON.parse(cli(['compile', '--specs', 'examples/commerce', '--layer', 'cedar', '-o', 'json']).stdout)
    expect(cedar.items.length).toBeGreaterThan(0)
    expect(new Set(cedar.items.map((i: any) => i.kind))).toEqual(new Set(['CedarDecisions']))
  })
})
