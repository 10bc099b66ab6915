// Staged loading parses only what is selected, and what it parses is exactly what loadSpecs
// reads (values, origins, labels, error messages); skipped documents cannot fail it.
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadSpecs} from '../../src/spec/load.js'
import {CACHE_MIN_BYTES} from '../../src/spec/parse-cache.js'
import {openStagedSpecs} from '../../src/spec/staged.js'

let dir: string
const f = (name: string) => path.join(dir, name)

const svc = (name: string, resources = '      peer: {type: service, direction: outbound}\n') => `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: ${name}
  namespace: commerce
spec:
  workload:
    containers:
      main: {image: app:1, command: [/app], resources: {limits: {cpu: 1, memory: 1Gi}}}
    resources:
${resources}`

const mesh = `apiVersion: lattice.dev/v1alpha1
kind: LatticeMeshMember
metadata: {name: legacy, namespace: commerce}
spec: {target: {selector: {app: legacy}}, ports: [{name: http, port: 80}]}
`

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'platform-staged-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

const withoutRaw = (set: Awaited<ReturnType<typeof loadSpecs>>) => ({...set, warnings: []})

describe('openStagedSpecs', () => {
  it('parses non-services at once and services when a needle names them, with the origins and labels of loadSpecs', async () => {
    const file = f('mixed.yaml')
    await writeFile(file, `# comment\n---\n${svc('cart')}---\n---\n${mesh}...\n${svc('shop', '      stock: {type: service}\n')}---\n${svc('stock')}`)
    const staged = await openStagedSpecs([file])
    expect(staged.partial().services).toEqual([])
    expect(staged.partial().meshMembers.map((m) => m.metadata.name)).toEqual(['legacy'])
    staged.select(['stock'])
    expect(staged.counts()).toEqual({parsed: 3, skipped: 1})
    const all = await loadSpecs([file])
    const byName = (name: string) => all.services.find((s) => s.metadata.name === name)
    expect(staged.complete().services).toEqual([byName('shop'), byName('stock')])
    expect(staged.complete().services.map((s) => s.origin)).toEqual([{file, index: 2}, {file, index: 3}])
    staged.select('all')
    expect(withoutRaw(staged.complete())).toEqual(withoutRaw(all))
  })

  it('ignores errors in skipped documents and reports errors in parsed ones as loadSpecs does', async () => {
    const file = f('broken.yaml')
    await writeFile(file, `${svc('cart')}---\n${svc('bad', '      x: [unclosed\n')}---\n${svc('shop', '      cart: {type: service}\n')}---\n${svc('cart')}`)
    const staged = await openStagedSpecs([file])
    staged.select(['shop'])
    expect(staged.complete().services.map((s) => s.metadata.name)).toEqual(['shop'])
    // A duplicate of a selected service is still reported, with loadSpecs's message.
    staged.select(['cart'])
    const expected = await loadSpecs([file]).then(() => 'no error', (e: Error) => e.message)
    expect(expected).toMatch(/document 2: YAML syntax error/)
    expect(() => staged.complete()).toThrow(/broken.yaml: document 4: duplicate LatticeService commerce\/cart \(first defined in .*broken.yaml: document 1\)/)
    // The broken document itself, once selected, fails as loadSpecs fails.
    expect(() => staged.select(['bad'])).toThrow(expected)
  })

  it('reads a Windows file with a byte-order mark', async () => {
    const file = f('crlf.yaml')
    await writeFile(file, `\ufeff${svc('cart')}---\n${svc('shop')}`.replace(/\n/g, '\r\n'))
    const staged = await openStagedSpecs([file])
    staged.select(['shop'])
    const all = await loadSpecs([file])
    // The first document starts with the byte-order mark: not certainly plain, so parsed.
    expect(staged.complete().services).toEqual(all.services)
    expect(staged.counts()).toEqual({parsed: 2, skipped: 0})
  })

  it('takes the values of a file from the parse cache when it has them', async () => {
    const file = f('big.yaml')
    const docs: string[] = []
    for (let i = 0; docs.join('---\n').length < CACHE_MIN_BYTES + 1000; i++) docs.push(svc(`svc-${String(i).padStart(3, '0')}`))
    await writeFile(file, docs.join('---\n'))
    const prev = {dir: process.env.PLATFORM_CACHE_DIR, no: process.env.PLATFORM_NO_CACHE}
    process.env.PLATFORM_CACHE_DIR = f('cache')
    delete process.env.PLATFORM_NO_CACHE
    try {
      const all = await loadSpecs([file]) // writes the cache
      const staged = await openStagedSpecs([file])
      staged.select(['svc-007'])
      expect(staged.complete().services).toEqual([all.services[7]])
    } finally {
      process.env.PLATFORM_CACHE_DIR = prev.dir
      if (prev.no !== undefined) process.env.PLATFORM_NO_CACHE = prev.no
      if (prev.dir === undefined) delete process.env.PLATFORM_CACHE_DIR
    }
  })
})
