// Recently picked services, most recent first, in the XDG cache directory
// ($XDG_CACHE_HOME/platform/tui-recents.json). Best effort: an unreadable or unwritable
// file only loses the ordering.

import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import path from 'node:path'

const MAX = 20

export function recentsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.PLATFORM_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'platform'), 'tui-recents.json')
}

export function readRecents(file = recentsFile()): string[] {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, MAX) : []
  } catch {
    return []
  }
}

export function rememberRecent(key: string, file = recentsFile()): string[] {
  const next = [key, ...readRecents(file).filter((k) => k !== key)].slice(0, MAX)
  try {
    mkdirSync(path.dirname(file), {recursive: true})
    writeFileSync(file, JSON.stringify(next))
  } catch {
    // best effort
  }
  return next
}
