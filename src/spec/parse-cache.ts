// Parsed spec files, cached so the 3 AM loop (edit, re-run, re-run) does not re-parse
// thousands of YAML documents each time: JSON.parse is ~10× faster than any YAML parser.
// Content-keyed (src/core/io/disk-cache.ts); only for files large enough to repay it.

import path from 'node:path'
import {cacheRoot, diskCache} from '../core/io/disk-cache.js'

/** Below this size parsing is cheaper than a cache round trip. */
export const CACHE_MIN_BYTES = 32 * 1024

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const root = cacheRoot(env)
  return root && path.join(root, 'specs')
}

const caches = new Map<string, ReturnType<typeof diskCache<unknown[]>>>()
function cacheIn(dir: string) {
  let c = caches.get(dir)
  if (!c) caches.set(dir, (c = diskCache<unknown[]>('specs', 'documents/1', () => dir)))
  return c
}

export function readCached(text: string, dir = cacheDir()): unknown[] | undefined {
  if (!dir || text.length < CACHE_MIN_BYTES) return undefined
  const v = cacheIn(dir).get(text)
  return Array.isArray(v) ? v : undefined
}

export function writeCached(text: string, values: unknown[], dir = cacheDir()): void {
  if (!dir || text.length < CACHE_MIN_BYTES) return
  cacheIn(dir).set(text, values)
}
