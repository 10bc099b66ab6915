// Which files a list of --specs/--policies paths names: files as given, directories walked
// recursively for *.yaml, *.yml and *.json, sorted so every run reads in the same order.

import {readdir, stat} from 'node:fs/promises'
import path from 'node:path'
import {InputError} from '../core/errors.js'

const SPEC_FILE = /\.(ya?ml|json)$/i

export async function collectFiles(paths: readonly string[]): Promise<string[]> {
  const seen = new Set<string>()
  const out: string[] = []
  for (const p of paths) {
    const info = await statOrThrow(p)
    const files = info.isDirectory() ? (await walk(p)).sort(byCodeUnit) : [p]
    for (const f of files) {
      const key = path.resolve(f)
      if (seen.has(key)) continue
      seen.add(key)
      out.push(f)
    }
  }
  return out
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  let entries
  try {
    entries = await readdir(dir, {withFileTypes: true})
  } catch (err) {
    throw fsError(dir, err)
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name)
    // Follow symlinks: a linked directory of specs is as good as a real one.
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await statOrThrow(full)).isDirectory())
    if (isDir) out.push(...(await walk(full)))
    else if (SPEC_FILE.test(entry.name)) out.push(full)
  }
  return out
}

async function statOrThrow(p: string) {
  try {
    return await stat(p)
  } catch (err) {
    throw fsError(p, err)
  }
}

/** One-line message for a file-system error (`x.yaml: no such file or directory`). */
export function fsError(p: string, err: unknown): InputError {
  const code = (err as {code?: string}).code
  const what =
    code === 'ENOENT' ? 'no such file or directory'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'is a directory'
    : code === 'ENOTDIR' ? 'not a directory'
    : (err as Error).message?.split('\n')[0] ?? String(err)
  return new InputError(`${p}: ${what}`)
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
