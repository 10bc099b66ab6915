// bin/run.js checks the Node version itself (oclif's own check cannot work from the bundle:
// it reads a package.json beside its sources). That check must say what package.json's
// `engines.node` says, and refuse an older Node with one line and exit 2.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'

const run = path.join(PROJECT_ROOT, 'bin', 'run.js')

describe('Node engine check', () => {
  it("bin/run.js's minimum is package.json's engines.node", () => {
    const engines = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).engines.node as string
    const min = /if \(major < (\d+)\)/.exec(readFileSync(run, 'utf8'))?.[1]
    expect(engines).toBe(`>=${min}`)
  })

  it('an older Node gets one line and exit 2, before any command loads', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-engine-'))
    const fake = path.join(dir, 'node18.mjs')
    writeFileSync(fake, "Object.defineProperty(process, 'versions', {value: {...process.versions, node: '18.19.0'}})\nObject.defineProperty(process, 'version', {value: 'v18.19.0'})\n")
    const r = spawnSync(process.execPath, ['--import', fake, run, 'debug', 'connectivity', '--help'], {encoding: 'utf8'})
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe('platform: Node.js >= 20 is required (this is v18.19.0)\n')
  })

  it('the variable that silences oclif\'s check while the bundle loads is not left to the command', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-engine-'))
    const probe = path.join(dir, 'probe.mjs')
    // Runs after the bundle has loaded: reports what the command would see.
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(`ENV=${process.env.OCLIF_DISABLE_ENGINE_WARNING ?? 'unset'}\\n`))\n")
    const r = spawnSync(process.execPath, ['--import', probe, run, 'version'], {encoding: 'utf8', env: {...process.env, OCLIF_DISABLE_ENGINE_WARNING: undefined}})
    expect(r.status).toBe(0)
    expect(r.stderr).toContain('ENV=unset')
  })
})
