// Spec folders as users have them (issue 10.4) and inputs that must not produce a verdict
// (issue 7.11): read like `kubectl apply -f DIR -R`.
import {mkdtemp, mkdir, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {InputError} from '../../src/core/errors.js'
import {collectInputs} from '../../src/spec/files.js'
import {loadObjects, loadSpecs, loadSpecsReport} from '../../src/spec/load.js'
import {openStagedSpecs} from '../../src/spec/staged.js'

let dir: string
const f = (name: string) => path.join(dir, name)
async function write(name: string, text: string): Promise<string> {
  await mkdir(path.dirname(f(name)), {recursive: true})
  await writeFile(f(name), text)
  return f(name)
}
const svc = (name: string, extra = '') => `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: ${name}, namespace: shop}
spec:
  workload:
    containers:
      main: {image: app:1, command: [/app], resources: {limits: {cpu: 1, memory: 1Gi}}}
${extra}`

async function errorOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(InputError)
  return (err as InputError).message.split(dir + path.sep).join('')
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'platform-inputs-'))
  await write('repo/svc/a.yaml', svc('a'))
  await write('repo/svc/deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n')
  await write('repo/kustomization.yaml', 'resources: [svc/a.yaml]\n')
  await write('repo/chart/values.yaml', 'replicaCount: 2\nimage: {repository: x, tag: "1"}\n')
  await write('repo/.git/config.yaml', 'not: [yaml\n')
  await write('repo/.github/workflows/ci.yml', 'on: [push]\njobs: {b: {runs-on: x}}\n')
  await write('repo/node_modules/pkg/x.yaml', svc('from-node-modules'))
  await write('outside/b.yaml', svc('outside'))
  await symlink(f('outside'), f('repo/linked-out'))
  await symlink(f('repo/svc'), f('repo/linked-in'))
  await symlink(f('repo'), f('repo/svc/loop'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('reading a spec folder like kubectl apply -R', () => {
  it('skips hidden folders and node_modules, and follows no symlink out of the tree', async () => {
    const files = (await collectInputs([f('repo')])).map((i) => path.relative(dir, i.file))
    expect(files).toEqual(['repo/chart/values.yaml', 'repo/kustomization.yaml', 'repo/svc/a.yaml', 'repo/svc/deploy.yaml'])
  })

  it('skips objects of other kinds and documents without kind (counted in others)', async () => {
    const set = await loadSpecs([f('repo')])
    expect(set.services.map((s) => s.metadata.name)).toEqual(['a'])
    expect(set.others.map((o) => o.kind ?? '(none)')).toEqual(['(none)', '(none)', 'Deployment', 'ConfigMap'])
    expect(set.warnings.filter((w) => !w.object)).toEqual([])
  })

  it('a file named explicitly with no Lattice object is a warning; no Lattice object at all is an error', async () => {
    const set = await loadSpecs([f('repo/svc/a.yaml'), f('repo/svc/deploy.yaml')])
    expect(set.warnings.map((w) => `${path.relative(dir, w.origin.file)}: ${w.message}`)).toEqual([
      'repo/svc/deploy.yaml: no LatticeService, LatticeMeshMember or CedarPolicy in this file (skipped 1 Deployment, 1 ConfigMap); nothing read from it',
    ])
    expect(await errorOf(loadSpecs([f('repo/svc/deploy.yaml')]))).toBe('no LatticeService, LatticeMeshMember or CedarPolicy in repo/svc/deploy.yaml (skipped 1 Deployment, 1 ConfigMap)')
    await write('empty/nothing.yaml', '')
    expect(await errorOf(loadSpecs([f('empty')]))).toBe('no LatticeService, LatticeMeshMember or CedarPolicy in empty')
  })

  it('the staged loader (one pair) applies the same rules', async () => {
    await write('staged/a.yaml', `${svc('a')}---\n${svc('b')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n`)
    const staged = await openStagedSpecs([f('staged/a.yaml'), f('repo/svc/deploy.yaml')])
    staged.select(['a'])
    const set = staged.complete()
    expect(set.services.map((s) => s.metadata.name)).toContain('a')
    expect(set.others.map((o) => o.kind)).toContain('ConfigMap')
    expect(set.warnings.filter((w) => !w.object).map((w) => path.relative(dir, w.origin.file))).toEqual(['repo/svc/deploy.yaml'])
    await write('staged/typo.yaml', `${svc('t', '    resources:\n      db: {type: service, namespce: x}\n')}`)
    const typo = await openStagedSpecs([f('staged/typo.yaml')])
    typo.select('all')
    expect(() => typo.complete()).toThrow('unknown field spec.workload.resources.db.namespce (did you mean namespace?)')
  })
})

describe('every problem, not only the first (validate)', () => {
  it('reports unreadable paths, syntax errors, unknown fields and duplicates, and keeps the good objects', async () => {
    await write('many/ok.yaml', svc('ok'))
    await write('many/typo.yaml', svc('typo', '  replica: 2\n'))
    await write('many/broken.yaml', 'kind: [\n')
    await write('many/dup.yaml', svc('ok'))
    const {specs, problems} = await loadSpecsReport([f('many'), f('missing.yaml')])
    expect(specs.services.map((s) => s.origin.file).map((p) => path.relative(dir, p))).toEqual(['many/dup.yaml'])
    expect(problems.map((p) => p.message.split(dir + path.sep).join(''))).toEqual([
      'missing.yaml: no such file or directory',
      expect.stringMatching(/^many\/broken\.yaml: document 1: YAML syntax error/),
      'many/ok.yaml: document 1: duplicate LatticeService shop/ok (first defined in many/dup.yaml: document 1)',
      'many/typo.yaml: document 1: unknown field spec.replica (did you mean replicas?)',
    ])
  })

  it('paths that hold no Lattice object at all are one problem', async () => {
    const {problems} = await loadSpecsReport([f('repo/svc/deploy.yaml')])
    expect(problems.map((p) => p.message.split(dir + path.sep).join(''))).toEqual(['no LatticeService, LatticeMeshMember or CedarPolicy in repo/svc/deploy.yaml (skipped 1 Deployment, 1 ConfigMap)'])
  })
})

describe('--policies inputs must hold a policy object', () => {
  const require = {test: (o: {kind: string}) => o.kind === 'CiliumNetworkPolicy', what: 'policy object'}
  it('a spec file, a ConfigMap or an empty file is an error naming the path', async () => {
    expect(await errorOf(loadObjects([f('repo/svc/a.yaml')], {require}))).toBe('repo/svc/a.yaml: no policy object in it (found 1 LatticeService)')
    await write('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n')
    expect(await errorOf(loadObjects([f('cm.yaml')], {require}))).toBe('cm.yaml: no policy object in it (found 1 ConfigMap)')
    await write('empty.yaml', '')
    expect(await errorOf(loadObjects([f('empty.yaml')], {require}))).toBe('empty.yaml: no policy object in it (empty)')
    await write('dump.yaml', 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: shop}\n')
    expect((await loadObjects([f('dump.yaml'), f('cm.yaml')], {require: {...require, test: (o) => o.kind !== 'Nothing'}})).map((o) => o.kind)).toEqual(['CiliumNetworkPolicy', 'ConfigMap'])
  })
})
