// The disk cache's bounds and switches (issue 10.6): bounded in bytes as well as entries
// (oldest first), XDG_CACHE_HOME, and off for the rest of the process with --no-cache / live mode.
import {mkdtempSync, readdirSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {cacheMaxBytes, cacheRoot, DEFAULT_MAX_BYTES, diskCache, liveCacheAllowed, prune, setDiskCacheEnabled} from '../../src/core/io/disk-cache.js'

afterEach(() => setDiskCacheEnabled(true))

describe('disk cache', () => {
  it('follows XDG_CACHE_HOME, PLATFORM_CACHE_DIR and PLATFORM_NO_CACHE', () => {
    expect(cacheRoot({XDG_CACHE_HOME: '/x'})).toBe(path.join('/x', 'platform'))
    expect(cacheRoot({XDG_CACHE_HOME: '/x', PLATFORM_CACHE_DIR: '/d'})).toBe('/d')
    expect(cacheRoot({PLATFORM_NO_CACHE: '1', PLATFORM_CACHE_DIR: '/d'})).toBeUndefined()
    expect(cacheMaxBytes({})).toBe(DEFAULT_MAX_BYTES)
    expect(cacheMaxBytes({PLATFORM_CACHE_MAX_BYTES: '1000'})).toBe(1000)
    expect(cacheMaxBytes({PLATFORM_CACHE_MAX_BYTES: 'lots'})).toBe(DEFAULT_MAX_BYTES)
    expect(liveCacheAllowed({})).toBe(false)
    expect(liveCacheAllowed({PLATFORM_CACHE_LIVE: '1'})).toBe(true)
  })

  it('prunes the oldest entries until both the entry and the byte bounds hold', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-dc-'))
    for (let i = 0; i < 6; i++) {
      const f = path.join(dir, `${i}.json`)
      writeFileSync(f, 'x'.repeat(100))
      utimesSync(f, 1000 + i, 1000 + i)
    }
    expect(prune(dir, 10, 350)).toEqual({entries: 3, bytes: 300})
    expect(readdirSync(dir).sort()).toEqual(['3.json', '4.json', '5.json'])
    expect(prune(dir, 2, 10_000)).toEqual({entries: 2, bytes: 200})
    expect(readdirSync(dir).sort()).toEqual(['4.json', '5.json'])
  })

  it('stays under PLATFORM_CACHE_MAX_BYTES as it is written', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-dc-'))
    const prev = process.env.PLATFORM_CACHE_MAX_BYTES
    process.env.PLATFORM_CACHE_MAX_BYTES = '2000'
    try {
      const cache = diskCache<string>('t', 'v1', () => dir)
      for (let i = 0; i < 20; i++) cache.set(`input ${i}`, 'y'.repeat(300))
      const total = readdirSync(dir).length * JSON.stringify({value: 'y'.repeat(300)}).length
      expect(total).toBeLessThanOrEqual(2000)
      expect(readdirSync(dir).length).toBeGreaterThan(0) // bounded, not emptied (which entries go is by mtime: the prune test)
    } finally {
      if (prev === undefined) delete process.env.PLATFORM_CACHE_MAX_BYTES
      else process.env.PLATFORM_CACHE_MAX_BYTES = prev
    }
  })

  it('a prune leaves room (90% of the bound), so a full cache is not rescanned on every write', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-dc-'))
    const prev = process.env.PLATFORM_CACHE_MAX_BYTES
    process.env.PLATFORM_CACHE_MAX_BYTES = '3000'
    try {
      const cache = diskCache<string>('t2', 'v1', () => dir)
      const entry = JSON.stringify({value: 'z'.repeat(200)}).length
      let before = 0
      for (let i = 0; i < 40; i++) {
        cache.set(`input ${i}`, 'z'.repeat(200))
        const now = readdirSync(dir).length
        if (now < before) expect(now * entry).toBeLessThanOrEqual(3000 * 0.9) // this write pruned
        before = now
      }
    } finally {
      if (prev === undefined) delete process.env.PLATFORM_CACHE_MAX_BYTES
      else process.env.PLATFORM_CACHE_MAX_BYTES = prev
    }
  })

  it('setDiskCacheEnabled(false) neither reads nor writes (--no-cache, live mode)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-dc-'))
    const cache = diskCache<number>('t', 'v1', () => dir)
    cache.set('a', 1)
    setDiskCacheEnabled(false)
    expect(cache.get('a')).toBeUndefined()
    cache.set('b', 2)
    expect(readdirSync(dir)).toHaveLength(1)
    expect(cacheRoot({PLATFORM_CACHE_DIR: dir})).toBeUndefined()
  })
})
