// Cedar's policy parse on a worker thread (src/layers/cedar/parse-offthread.ts, used by the
// live pair): what the worker hands back is what the main thread's parse returns for the
// same objects (same function, same input), and policy-set.ts uses it only for exactly that
// (object name, text). Runs the built worker (dist/bundle/cedar/parse-worker.js).
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {load} from 'js-yaml'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {existsSync} from 'node:fs'

const dist = (p: string) => import(pathToFileURL(path.join(PROJECT_ROOT, 'dist', 'src', p)).href)
const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'bundle', 'cedar', 'parse-worker.js'))

type Obj = {metadata: {name: string; namespace: string}; spec: {policies: string}}
const examples = String(readFileSync(path.join(PROJECT_ROOT, 'examples', 'commerce', 'cedar-policies.yaml'), 'utf8')).split(/^---$/m).map((d) => load(d) as Obj).filter((o) => o?.spec?.policies)
// One object that does not parse: its reason must come back too (§3.6 rule 4: skipped whole).
const broken: Obj = {metadata: {name: 'broken', namespace: 'lattice-system'}, spec: {policies: 'permit (principal, action, resource) when { ;'}}

describe.skipIf(!built)('Cedar policy parse on a worker thread (built)', () => {
  it('primes policy-set.ts with the same parse the main thread makes, so the loaded set is identical', async () => {
    expect(examples.length).toBeGreaterThan(0)
    const objects = [...examples, broken]
    const {loadCedarPolicies} = await dist('layers/cedar/policy-set.js')
    const {startPolicyParser, cedarParseWorkerFile} = await dist('layers/cedar/parse-offthread.js')
    expect(cedarParseWorkerFile()).toBe(path.join(PROJECT_ROOT, 'dist', 'bundle', 'cedar', 'parse-worker.js'))
    const inline = await loadCedarPolicies(objects, {services: 2})
    const parser = startPolicyParser({services: 2})
    expect(parser).toBeDefined()
    expect(await parser.parse(objects)).toBe(true)
    const primed = await loadCedarPolicies(objects, {services: 2})
    expect(primed.policies).toEqual(inline.policies)
    expect(primed.skipped).toEqual(inline.skipped)
    expect(primed.skipped.map((s: {name: string}) => s.name)).toEqual(['broken'])
    expect(primed.loaded).toEqual(inline.loaded)
  })

  it('the primed parses are the worker\'s: a changed text is parsed again, not looked up', async () => {
    const {startPolicyParser} = await dist('layers/cedar/parse-offthread.js')
    const {loadCedarPolicies} = await dist('layers/cedar/policy-set.js')
    const parser = startPolicyParser({services: 2})
    await parser.parse(examples)
    const changed = examples.map((o, i) => (i === 0 ? {...o, spec: {policies: `${o.spec.policies}\nforbid (principal, action, resource);`}} : o))
    const set = await loadCedarPolicies(changed, {services: 2})
    expect(set.policies.some((p: {text: string; effect: string}) => p.effect === 'forbid' && /forbid\s*\(\s*principal,\s*action,\s*resource\s*\)/.test(p.text))).toBe(true)
  })

  it('a worker that cannot start or answer leaves the parse to the main thread (never rejects)', async () => {
    const {startPolicyParser} = await dist('layers/cedar/parse-offthread.js')
    const parser = startPolicyParser({services: 2})
    parser.close()
    await expect(parser.parse(examples)).resolves.toBe(false)
  })

  it('policy-set.ts takes a primed parse for exactly that object name and text', async () => {
    const {loadCedarPolicies, primeParsedPolicies} = await dist('layers/cedar/policy-set.js')
    primeParsedPolicies([{object: 'primed', text: 'T', parsed: {reason: 'the primed parse'}}])
    const obj = (name: string, policies: string) => ({metadata: {name, namespace: 'lattice-system'}, spec: {policies}})
    expect((await loadCedarPolicies([obj('primed', 'T')])).skipped).toEqual([{name: 'primed', reason: 'the primed parse'}])
    // Another name with the same text is parsed (T is not Cedar).
    expect((await loadCedarPolicies([obj('other', 'T')])).skipped[0].reason).not.toBe('the primed parse')
  })
})
