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
import {compileFleet, streamFleet} from '../../src/pipeline/fleet.js'
import {OUTPUT_GROUPS, jsonListPieces, renderJsonList, renderYaml, sectionStream, sections, writeCompileOutput, type OutputGroup} from '../../src/render/compile-output.js'
import {generateFleet, writeFleet} from '../../bench/fleet.js'
import {closeSync, mkdtempSync, openSync, rmSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import os from 'node:os'
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
    // Where Cedar's decisions are shown, the informational image gates are among them.
    expect(cedar.items.flatMap((i: any) => i.status.decisions.map((d: any) => d.gate))).toContain('DeployImage')
    expect(cli(['compile', '--specs', 'examples/commerce', '-o', 'yaml']).stdout).toMatch(/^# (permit|DENY {2}) DeployImage /m)
  })

  it('the CLI: stdout redirected to a file (written with fs.writeSync) gets the same bytes as a pipe, YAML and JSON', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'compile-file-'))
    try {
      for (const format of ['json', 'yaml']) {
        const piped = cli(['compile', '--specs', 'examples/commerce', '-o', format])
        const file = path.join(dir, `out.${format}`)
        const fd = openSync(file, 'w')
        const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'run.js'), 'compile', '--specs', 'examples/commerce', '-o', format], {cwd: PROJECT_ROOT, stdio: ['ignore', fd, 'pipe']})
        closeSync(fd)
        expect(r.status).toBe(0)
        expect(piped.stdout.length).toBeGreaterThan(10_000)
        expect(readFileSync(file, 'utf8')).toBe(piped.stdout)
      }
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  // `platform compile` compiles each service's objects as the output reaches them
  // (streamFleet + sectionStream) instead of holding the whole fleet's: the text must be the
  // text of the materialized fleet, for every --layer selection.
  describe('streamFleet: compiled as written, same bytes as compileFleet', () => {
    const selections: OutputGroup[][] = [[...OUTPUT_GROUPS], ['mesh'], ['l4'], ['l7'], ['runtime'], ['l7', 'runtime'], ['admission', 'cedar']]
    const compare = async (dir: string, selected = selections) => {
      const specs = await loadSpecs([dir])
      for (const upstream of [false, true]) {
        const options = {...defaultCompileOptions(), ...(upstream ? {profile: 'upstream' as const} : {})}
        const fleet = await compileFleet(specs, options)
        for (const groups of selected) {
          const want = new Set(groups)
          const label = `${dir} ${groups.join(',')} ${options.profile}`
          expect(renderYaml(sectionStream(await streamFleet(specs, options), want)), label).toBe(renderYaml(sections(fleet, want)))
          expect(renderJsonList(sectionStream(await streamFleet(specs, options), want), {reports: true}), label).toBe(renderJsonList(sections(fleet, want), {reports: true}))
        }
      }
    }
    it('examples/commerce and the seed pair', async () => {
      await compare(`${PROJECT_ROOT}/examples/commerce`)
      await compare(writeSpecs(seedPair()))
    })
    it('a generated 250-service fleet (bench/fleet.ts: cross-namespace dependencies, external egress, Cedar policies)', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'stream-fleet-'))
      try {
        writeFleet(dir, generateFleet(250, 7))
        await compare(dir, [[...OUTPUT_GROUPS], ['runtime']])
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
    // `compile -o json` without --layer shows no Cedar decision, so it skips the informational
    // image gates (commands/compile.ts): they never decide what is emitted.
    it('without the image gates: the same JSON List, the same emitted objects and the same enforced outcomes', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'stream-fleet-'))
      try {
        writeFleet(dir, generateFleet(250, 11))
        for (const d of [dir, `${PROJECT_ROOT}/examples/commerce`]) {
          const specs = await loadSpecs([d])
          const all = await streamFleet(specs, defaultCompileOptions())
          const skipped = await streamFleet(specs, defaultCompileOptions(), {imageGates: false})
          expect(renderJsonList(sectionStream(skipped, new Set(OUTPUT_GROUPS))), d).toBe(renderJsonList(sectionStream(all, new Set(OUTPUT_GROUPS))))
          const enforced = (f: typeof all) => [...f.outcomes.values()].map((o) => [o.key, o.emitted, o.cedar?.permitted, o.cedar?.failureMessage, o.cedar?.denials])
          expect(enforced(skipped)).toEqual(enforced(all))
          const gates = (f: typeof all) => new Set([...f.outcomes.values()].flatMap((o) => o.cedar?.decisions.map((x) => x.gate) ?? []))
          expect(gates(all).has('DeployImage')).toBe(true)
          expect(gates(skipped).has('DeployImage')).toBe(false)
        }
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
    it('an owner whose objects are not contiguous is an internal error, never a reordered output', async () => {
      const fleet = await compileFleet(await loadSpecs([`${PROJECT_ROOT}/examples/commerce`]), defaultCompileOptions())
      const cnps = fleet.resources.l4
      expect(cnps.length).toBeGreaterThan(1)
      const split = {...fleet, resources: {...fleet.resources, l4: [cnps[0], cnps[1], cnps[0]]}}
      expect(() => sections(split, new Set(['l4']))).toThrow(/apart from each other/)
    })
  })
})
