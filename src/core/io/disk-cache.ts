// A small content-addressed disk cache for pure, expensive parses (spec YAML documents,
// Cedar policy metadata): the key is the SHA-1 of the input text, never a timestamp, so a
// hit is always what a fresh parse would return. Bounded in entries, written atomically,
// silently skipped when the directory is unusable. PLATFORM_CACHE_DIR moves it,
// PLATFORM_NO_CACHE=1 turns it off.

import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import path from 'node:path'

const MAX_ENTRIES = 4096

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PLATFORM_NO_CACHE === '1') return undefined
  if (env.PLATFORM_CACHE_DIR) return env.PLATFORM_CACHE_DIR
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'platform')
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
      if (!d) return undefined
      try {
        return (JSON.parse(readFileSync(file(d, input), 'utf8')) as {value: T}).value
      } catch {
        return undefined
      }
    },
    set(input, value) {
      const d = dir()
      if (!d) return
      try {
        mkdirSync(d, {recursive: true})
        const target = file(d, input)
        const tmp = `${target}.${process.pid}.tmp`
        writeFileSync(tmp, JSON.stringify({value}))
        renameSync(tmp, target)
        prune(d)
      } catch {
        // A read-only or full disk only costs speed.
      }
    },
  }
}

function prune(dir: string): void {
  const entries = readdirSync(dir).filter((f) => f.endsWith('.json'))
  if (entries.length <= MAX_ENTRIES) return
  const byAge = entries.map((f) => ({f, t: statSync(path.join(dir, f)).mtimeMs})).sort((a, b) => a.t - b.t)
  for (const {f} of byAge.slice(0, entries.length - MAX_ENTRIES)) unlinkSync(path.join(dir, f))
}
