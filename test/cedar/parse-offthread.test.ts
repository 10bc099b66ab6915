// Cedar's policy parse shared with a worker thread (src/layers/cedar/parse-offthread.ts, used
// by the live pair): what the worker hands over is what the main thread's parse returns for
// the same objects (same function, same input), policy-set.ts takes it only for exactly that
// (object name, text), and nothing ever waits for the worker. Runs the built worker
// (dist/bundle/cedar/parse-worker.js; `npm run build`).
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {load} from 'js-yaml'
import {afterEach, describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {busyElsewhere, spareCore} from '../../src/layers/cedar/parse-offthread.js'

const dist = (p: string) => import(pathToFileURL(path.join(PROJECT_ROOT, 'dist', 'src', p)).href)
const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'bundle', 'cedar', 'parse-worker.js'))

type Obj = {metadata: {name: string; namespace: string}; spec: {policies: string; priority?: number}}
const examples = String(readFileSync(path.join(PROJECT_ROOT, 'examples', 'commerce', 'cedar-policies.yaml'), 'utf8')).split(/^---$/m).map((d) => load(d) as Obj).filter((o) => o?.spec?.policies)
// One object that does not parse: its reason must come over too (§3.6 rule 4: skipped whole).
const broken: Obj = {metadata: {name: 'broken', namespace: 'lattice-system'}, spec: {policies: 'permit (principal, action, resource) when { ;', priority: -5}}

async function allReceived(parser: {received(): unknown[]}, n: number): Promise<void> {
  const t0 = Date.now()
  while (parser.received().length < n) {
    if (Date.now() - t0 > 10_000) throw new Error(`only ${parser.received().length} of ${n} parses came`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

// Whatever the machine's load while the tests run.
process.env.PLATFORM_CEDAR_IN_THREAD = '0'

const opened: Array<{close(): void}> = []
afterEach(() => opened.splice(0).forEach((p) => p.close()))

describe('when a worker is worth starting', () => {
  it('only when a core is left for it beside this process\'s busy threads and other processes\' runnable ones', () => {
    // 2 CPUs: the main thread alone and nothing else running: yes; with the Hubble worker: no.
    expect(spareCore(0, 2, 1)).toBe(true)
    expect(spareCore(0, 2, 2)).toBe(false)
    expect(spareCore(1, 2, 1)).toBe(false)
    expect(spareCore(0.4, 2, 1)).toBe(true)
    expect(spareCore(2, 8, 2)).toBe(true)
    expect(spareCore(0, 1, 1)).toBe(false)
  })

  it('other processes\' demand is a number (from /proc/loadavg on Linux)', () => {
    const n = busyElsewhere()
    expect(Number.isFinite(n)).toBe(true)
    expect(n).toBeGreaterThanOrEqual(0)
  })
})

describe.skipIf(!built)('Cedar policy parse shared with a worker thread (built)', () => {
  async function start() {
    const {startPolicyParser, cedarParseWorkerFile} = await dist('layers/cedar/parse-offthread.js')
    expect(cedarParseWorkerFile()).toBe(path.join(PROJECT_ROOT, 'dist', 'bundle', 'cedar', 'parse-worker.js'))
    const parser = startPolicyParser({services: 2})
    expect(parser).toBeDefined()
    opened.push(parser)
    return parser
  }

  it('the policy set built from the worker\'s parses equals the main thread\'s own', async () => {
    expect(examples.length).toBeGreaterThan(0)
    const objects = [...examples, broken]
    const {loadCedarPolicies} = await dist('layers/cedar/policy-set.js')
    const inline = await loadCedarPolicies(objects, {services: 2})
    const parser = await start()
    parser.submit(objects)
    await allReceived(parser, objects.length)
    parser.attach(await dist('layers/cedar/policy-set.js'))
    const shared = await loadCedarPolicies(objects, {services: 2})
    expect(shared.policies).toEqual(inline.policies)
    expect(shared.skipped).toEqual(inline.skipped)
    expect(shared.skipped.map((s: {name: string}) => s.name)).toEqual(['broken'])
    expect(shared.loaded).toEqual(inline.loaded)
  })

  it('the worker starts from the end of the load order (the main thread starts from the front)', async () => {
    const {orderPolicyObjects} = await dist('layers/cedar/policy-set.js')
    const objects = [...examples, broken]
    const parser = await start()
    parser.submit(objects)
    await allReceived(parser, objects.length)
    const order = orderPolicyObjects(objects).map((o: Obj) => o.metadata.name)
    expect(parser.received().map((e: {object: string}) => e.object)).toEqual([...order].reverse())
  })

  it('a changed text is parsed again, not taken from the worker', async () => {
    const {loadCedarPolicies} = await dist('layers/cedar/policy-set.js')
    const parser = await start()
    parser.submit(examples)
    await allReceived(parser, examples.length)
    parser.attach(await dist('layers/cedar/policy-set.js'))
    const changed = examples.map((o, i) => (i === 0 ? {...o, spec: {...o.spec, policies: `${o.spec.policies}\nforbid (principal, action, resource);`}} : o))
    const set = await loadCedarPolicies(changed, {services: 2})
    expect(set.policies.some((p: {text: string; effect: string}) => p.effect === 'forbid' && /forbid\s*\(\s*principal,\s*action,\s*resource\s*\)/.test(p.text))).toBe(true)
  })

  it('nothing parsed yet: the compile parses everything itself, without waiting', async () => {
    const {loadCedarPolicies} = await dist('layers/cedar/policy-set.js')
    const inline = await loadCedarPolicies(examples, {services: 2})
    const parser = await start()
    parser.submit(examples)
    parser.attach(await dist('layers/cedar/policy-set.js'))
    // Asked at once: the worker is still compiling cedar-wasm.
    expect(parser.received()).toEqual([])
    expect((await loadCedarPolicies(examples, {services: 2})).policies).toEqual(inline.policies)
  })

  it('a failed CedarPolicies read ends the worker: nothing is handed over', async () => {
    const parser = await start()
    parser.submitWhenRead(Promise.resolve({ok: false}))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(parser.received()).toEqual([])
  })

  it('policy-set.ts asks the source for exactly that object name and text, and forgets it once detached', async () => {
    const {loadCedarPolicies, setParsedPolicySource} = await dist('layers/cedar/policy-set.js')
    const obj = (name: string, policies: string) => ({metadata: {name, namespace: 'lattice-system'}, spec: {policies}})
    setParsedPolicySource({get: (object: string, text: string) => (object === 'given' && text === 'T' ? {reason: 'from the source'} : undefined)})
    try {
      expect((await loadCedarPolicies([obj('given', 'T')])).skipped).toEqual([{name: 'given', reason: 'from the source'}])
      expect((await loadCedarPolicies([obj('other', 'T')])).skipped[0].reason).not.toBe('from the source')
    } finally {
      setParsedPolicySource(undefined)
    }
    expect((await loadCedarPolicies([obj('given', 'T')])).skipped[0].reason).not.toBe('from the source')
  })
})
