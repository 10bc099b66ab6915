import {existsSync, mkdtempSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {describe, expect, it} from 'vitest'
import {CACHE_MIN_BYTES, cacheDir, readCached, writeCached} from '../../src/spec/parse-cache.js'
import {parseDocuments} from '../../src/spec/documents.js'

function bigYaml(n: number, tag = 'a'): string {
  const docs: string[] = []
  for (let i = 0; docs.join('---\n').length < CACHE_MIN_BYTES + 1000; i++) {
    docs.push(stringify({apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService', metadata: {name: `svc-${tag}-${i}`, namespace: 'ns'}, spec: {replicas: n, workload: {containers: {main: {image: 'x:1', command: ['/bin/x'], resources: {limits: {cpu: '1', memory: '1Gi'}}}}}}}))
  }
  return docs.join('---\n')
}

describe('parsed-spec cache', () => {
  it('returns exactly the parsed documents on the second read, keyed by content', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-cache-'))
    const text = bigYaml(2)
    expect(readCached(text, dir)).toBeUndefined()
    const first = parseDocuments(text, 'f.yaml')
    writeCached(text, first.map((d) => d.value), dir)
    expect(readdirSync(dir)).toHaveLength(1)
    expect(readCached(text, dir)).toEqual(first.map((d) => d.value))
    // Same size, different content: a miss, not a stale hit.
    expect(readCached(text.replace('replicas: 2', 'replicas: 3'), dir)).toBeUndefined()
  })

  it('through parseDocuments: identical results cold and warm, corrupt entries ignored', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-cache-'))
    const prev = process.env.PLATFORM_CACHE_DIR
    const noCache = process.env.PLATFORM_NO_CACHE
    process.env.PLATFORM_CACHE_DIR = dir
    delete process.env.PLATFORM_NO_CACHE
    try {
      const text = bigYaml(5, 'b')
      const cold = parseDocuments(text, 'f.yaml')
      const entries = path.join(dir, 'specs')
      expect(readdirSync(entries)).toHaveLength(1)
      const warm = parseDocuments(text, 'f.yaml')
      expect(warm).toEqual(cold)
      writeFileSync(path.join(entries, readdirSync(entries)[0]), '{not json')
      expect(parseDocuments(text, 'f.yaml')).toEqual(cold)
    } finally {
      if (prev === undefined) delete process.env.PLATFORM_CACHE_DIR
      else process.env.PLATFORM_CACHE_DIR = prev
      if (noCache !== undefined) process.env.PLATFORM_NO_CACHE = noCache
    }
  })

  it('small files are never cached; PLATFORM_NO_CACHE=1 turns it off; an unusable dir only costs speed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-cache-'))
    writeCached('kind: X\n', [{kind: 'X'}], dir)
    expect(existsSync(dir) && readdirSync(dir)).toEqual([])
    expect(cacheDir({PLATFORM_NO_CACHE: '1'})).toBeUndefined()
    expect(cacheDir({XDG_CACHE_HOME: '/c'})).toBe(path.join('/c', 'platform', 'specs'))
    expect(cacheDir({XDG_CACHE_HOME: '/c', PLATFORM_CACHE_DIR: '/d'})).toBe(path.join('/d', 'specs'))
    // A "directory" below a regular file cannot be created (ENOTDIR).
    const file = path.join(dir, 'plain-file')
    writeFileSync(file, 'x')
    expect(() => writeCached(bigYaml(1, 'c'), [], path.join(file, 'cache'))).not.toThrow()
    expect(readCached(bigYaml(1, 'c'), path.join(file, 'cache'))).toBeUndefined()
  })
})

describe('Cedar policy parse cache', () => {
  it('a warm load gives the same policy set as a cold one', async () => {
    const {loadCedarPolicies} = await import('../../src/layers/cedar/index.js')
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-cache-'))
    const noCache = process.env.PLATFORM_NO_CACHE
    delete process.env.PLATFORM_NO_CACHE
    process.env.PLATFORM_CACHE_DIR = dir
    try {
      const obj = {kind: 'CedarPolicy' as const, metadata: {name: 'p', namespace: 'lattice-system'}, spec: {priority: 0, enabled: true, propagate: true, policies: 'permit (principal, action == Lattice::Action::"AccessSecret", resource);\nforbid (principal == Lattice::Service::"a/b", action, resource);'}, origin: {file: 'x', index: 0}, raw: {apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy', metadata: {name: 'p'}}}
      const strip = (s: {policies: unknown[]; skipped: unknown[]; loaded: unknown[]}) => ({policies: s.policies, skipped: s.skipped, loaded: s.loaded})
      const cold = strip(await loadCedarPolicies([obj]))
      expect(readdirSync(path.join(dir, 'cedar'))).toHaveLength(1)
      const warm = strip(await loadCedarPolicies([obj]))
      expect(warm).toEqual(cold)
      expect(cold.policies).toHaveLength(2)
    } finally {
      delete process.env.PLATFORM_CACHE_DIR
      if (noCache !== undefined) process.env.PLATFORM_NO_CACHE = noCache
    }
  })
})
