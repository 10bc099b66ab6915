// Which files a list of --specs/--policies paths names, read like `kubectl apply -f DIR -R`:
// files as given, directories walked recursively for *.yaml, *.yml and *.json, sorted so
// every run reads in the same order. While walking, hidden entries (`.git`, `.github`, …)
// and `node_modules` are ignored, and a symlink is followed only when its target stays
// inside the directory named (a link out of the tree is not the user's specs). `-` is
// standard input.

import {readdir, realpath, stat} from 'node:fs/promises'
import path from 'node:path'
import {InputError} from '../core/errors.js'

const SPEC_FILE = /\.(ya?ml|json)$/i

/** The name standard input goes by in messages and origins (`-` on the command line). */
export const STDIN = '<stdin>'

export interface InputFile {
  file: string
  /** Named on the command line (not found by walking a directory). */
  explicit: boolean
}

export async function collectFiles(paths: readonly string[]): Promise<string[]> {
  return (await collectInputs(paths)).map((f) => f.file)
}

export async function collectInputs(paths: readonly string[]): Promise<InputFile[]> {
  const seen = new Set<string>()
  const out: InputFile[] = []
  for (const p of paths) {
    if (p === '-') {
      if (!seen.has(STDIN)) out.push({file: STDIN, explicit: true})
      seen.add(STDIN)
      continue
    }
    const info = await statOrThrow(p)
    const root = info.isDirectory() ? await realpathOrThrow(p) : ''
    const files = info.isDirectory() ? (await walk(p, root, new Set([root]))).sort(byCodeUnit) : [p]
    for (const f of files) {
      const key = path.resolve(f)
      if (seen.has(key)) continue
      seen.add(key)
      out.push({file: f, explicit: !info.isDirectory()})
    }
  }
  return out
}

/** Entries a recursive apply never means: VCS and tool folders, dotfiles, dependencies. */
export function ignoredEntry(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules'
}

async function walk(dir: string, root: string, visited: Set<string>): Promise<string[]> {
  const out: string[] = []
  let entries
  try {
    entries = await readdir(dir, {withFileTypes: true})
  } catch (err) {
    throw fsError(dir, err)
  }
  // Real entries first: a folder reached both directly and through a link inside the tree is read at its real place.
  entries.sort((a, b) => Number(a.isSymbolicLink()) - Number(b.isSymbolicLink()))
  for (const entry of entries) {
    if (ignoredEntry(entry.name)) continue
    const full = path.join(dir, entry.name)
    let isDir = entry.isDirectory()
    let isFile = entry.isFile()
    if (entry.isSymbolicLink()) {
      const target = await realpath(full).catch(() => undefined)
      if (!target || !inside(root, target)) continue // dangling, or out of the tree
      const info = await stat(target).catch(() => undefined)
      isDir = Boolean(info?.isDirectory())
      isFile = Boolean(info?.isFile())
    }
    if (isDir) {
      const real = await realpath(full).catch(() => full)
      if (visited.has(real)) continue // a link back up the tree
      visited.add(real)
      out.push(...(await walk(full, root, visited)))
    } else if (isFile && SPEC_FILE.test(entry.name)) out.push(full)
  }
  return out
}

function inside(root: string, target: string): boolean {
  const rel = path.relative(root, target)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

async function statOrThrow(p: string) {
  try {
    return await stat(p)
  } catch (err) {
    throw fsError(p, err)
  }
}

async function realpathOrThrow(p: string): Promise<string> {
  try {
    return await realpath(p)
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
    : code === 'ELOOP' ? 'too many levels of symbolic links'
    : (err as Error).message?.split('\n')[0] ?? String(err)
  return new InputError(`${p}: ${what}`)
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
