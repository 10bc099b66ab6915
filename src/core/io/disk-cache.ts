// A small content-addressed disk cache for pure, expensive parses (spec YAML documents,
// Cedar policy metadata): the key is the SHA-1 of the input text, never a timestamp, so a
// hit is always what a fresh parse would return. Bounded in entries and in bytes (oldest
// entries go first), written atomically, silently skipped when the directory is unusable.
//
// Where: $PLATFORM_CACHE_DIR, else $XDG_CACHE_HOME/platform, else ~/.cache/platform (XDG
// base directories). Off: PLATFORM_NO_CACHE=1, `--no-cache`, and for everything read from a
// cluster (live mode) unless PLATFORM_CACHE_LIVE=1: cluster objects never reach the disk
// unless the user asks for it. PLATFORM_CACHE_MAX_BYTES bounds its size (default 64 MiB).

import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import path from 'node:path'

const MAX_ENTRIES = 4096
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024
/** A prune leaves this fraction of the bounds (hysteresis: see noteWrite). */
const PRUNE_TO = 0.9

let enabled = true

/** Turns the cache off (or on again) for the rest of the process: `--no-cache`, live mode. */
export function setDiskCacheEnabled(on: boolean): void {
  enabled = on
}

/** Live mode: the cache holds what is read from the cluster only when PLATFORM_CACHE_LIVE=1. */
export function liveCacheAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PLATFORM_CACHE_LIVE === '1'
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!enabled || env.PLATFORM_NO_CACHE === '1') return undefined
  if (env.PLATFORM_CACHE_DIR) return env.PLATFORM_CACHE_DIR
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'platform')
}

export function cacheMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.PLATFORM_CACHE_MAX_BYTES)
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_MAX_BYTES
}

export interface DiskCache<T> {
  get(input: string): T | undefined
  set(input: string, value: T): void
}

/** `version` is part of every key: bump it when the cached shape changes. */
export function diskCache<T>(namespace: string, version: string, dir: () => string | undefined = () => {
  const root = cacheRoot()
  return root && path.join(root, namespace)
}): DiskCache<T> {
  const file = (d: string, input: string) => path.join(d, `${createHash('sha1').update(version).update('\u0000').update(input).digest('hex')}.json`)
  return {
    get(input) {
      const d = dir()
      if (!d || !enabled) return undefined
      try {
        return (JSON.parse(readFileSync(file(d, input), 'utf8')) as {value: T}).value
      } catch {
        return undefined
      }
    },
    set(input, value) {
      const d = dir()
      if (!d || !enabled) return
      try {
        mkdirSync(d, {recursive: true})
        const target = file(d, input)
        const tmp = `${target}.${process.pid}.tmp`
        const text = JSON.stringify({value})
        writeFileSync(tmp, text)
        renameSync(tmp, target)
        noteWrite(d, Buffer.byteLength(text))
      } catch {
        // A read-only or full disk only costs speed.
      }
    },
  }
}

/** Per directory: entries and bytes as of the last scan plus what this process wrote since. */
const usage = new Map<string, {entries: number; bytes: number}>()

function noteWrite(dir: string, bytes: number): void {
  let u = usage.get(dir)
  if (!u) usage.set(dir, (u = scan(dir)))
  else {
    u.entries += 1
    u.bytes += bytes
  }
  // Down to 90% of the bounds, not just under them: a full cache would otherwise rescan its
  // whole directory on every later write (a pair writes a few Cedar decision entries).
  if (u.entries > MAX_ENTRIES || u.bytes > cacheMaxBytes()) usage.set(dir, prune(dir, Math.floor(MAX_ENTRIES * PRUNE_TO), Math.floor(cacheMaxBytes() * PRUNE_TO)))
}

function scan(dir: string): {entries: number; bytes: number} {
  const files = entriesOf(dir)
  return {entries: files.length, bytes: files.reduce((n, f) => n + f.size, 0)}
}

function entriesOf(dir: string): Array<{f: string; size: number; t: number}> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        const s = statSync(path.join(dir, f))
        return [{f, size: s.size, t: s.mtimeMs}]
      } catch {
        return [] // removed by another process meanwhile
      }
    })
}

/** Removes the oldest entries until both bounds hold; returns what is left. */
export function prune(dir: string, maxEntries: number, maxBytes: number): {entries: number; bytes: number} {
  const byAge = entriesOf(dir).sort((a, b) => a.t - b.t)
  let bytes = byAge.reduce((n, e) => n + e.size, 0)
  let entries = byAge.length
  for (const e of byAge) {
    if (entries <= maxEntries && bytes <= maxBytes) break
    try {
      unlinkSync(path.join(dir, e.f))
    } catch {
      // another process pruned it first
    }
    entries -= 1
    bytes -= e.size
  }
  return {entries, bytes}
}
