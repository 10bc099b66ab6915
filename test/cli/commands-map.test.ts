// oclif's `explicit` command strategy finds only the commands src/cli/commands.ts lists: a
// command file under commands/ that is not in the map would silently not exist.
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {COMMANDS} from '../../src/cli/commands.js'
import {PROJECT_ROOT} from '../helpers/shared.js'

function commandIds(dir: string, prefix: string[] = []): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? commandIds(path.join(dir, e.name), [...prefix, e.name]) : e.name.endsWith('.ts') ? [[...prefix, e.name.slice(0, -3)].join(':')] : [],
  )
}

describe('the explicit command map', () => {
  it('lists every command file under commands/, and nothing else', () => {
    expect(Object.keys(COMMANDS).sort()).toEqual(commandIds(path.join(PROJECT_ROOT, 'commands')).sort())
  })

  // scripts/bundle-cli.mjs sorts oclif's commands by code unit instead of localeCompare (whose
  // first use builds ICU's collator at every start): the same order for these ids.
  it('command ids sort the same by code unit as by localeCompare', () => {
    const ids = Object.keys(COMMANDS)
    const byCodeUnit = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    expect(byCodeUnit).toEqual([...ids].sort((a, b) => a.localeCompare(b)))
    for (const id of ids) expect(id).toMatch(/^[a-z:-]+$/)
  })
})
