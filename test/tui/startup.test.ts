// Start-up cost: ink and React load only on the TUI path. `platform --help`, the text report
// and the non-TTY fallback of `-i` never import them (a resolve hook records what loads).
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'

function traced(args: string[]): {code: number; stdout: string; stderr: string; ui: string[]} {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'trace-')), 'imports.txt')
  const r = spawnSync(process.execPath, ['--import', path.join(PROJECT_ROOT, 'test/tui/fixtures/trace-imports.mjs'), path.join(PROJECT_ROOT, 'bin/run.js'), ...args], {
    cwd: PROJECT_ROOT, encoding: 'utf8', env: {...process.env, TRACE_IMPORTS_FILE: file, NO_COLOR: '1'}, timeout: 60_000,
  })
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ui: existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []}
}

describe('ink and React are imported only by the TUI path', () => {
  it('the hook sees them when the TUI module loads (the probe works)', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'trace-')), 'imports.txt')
    spawnSync(process.execPath, ['--import', path.join(PROJECT_ROOT, 'test/tui/fixtures/trace-imports.mjs'), '-e', `import(${JSON.stringify(path.join(PROJECT_ROOT, 'dist/src/render/tui/index.js'))})`], {env: {...process.env, TRACE_IMPORTS_FILE: file}, encoding: 'utf8'})
    const seen = readFileSync(file, 'utf8')
    expect(seen).toMatch(/node_modules\/ink\//)
    expect(seen).toMatch(/node_modules\/react\//)
  })

  it('platform --help', () => {
    const r = traced(['--help'])
    expect(r.code).toBe(0)
    expect(r.ui).toEqual([])
  })

  it('the text report (debug connectivity ... --specs)', () => {
    const r = traced(['debug', 'connectivity', 'commerce/inventory', 'commerce/orders-db', '--specs', 'examples/commerce'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Result: BLOCKED at L4.')
    expect(r.ui).toEqual([])
  })

  it('-i without a TTY: the text report, a one-line note on stderr, exit code as for text, no ink', () => {
    const r = traced(['debug', 'connectivity', 'commerce/inventory', 'commerce/orders-db', '--specs', 'examples/commerce', '-i'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Result: BLOCKED at L4.')
    expect(r.stderr).toBe('platform: not a terminal: printing the text report instead of the TUI\n')
    expect(r.ui).toEqual([])
  })

  it('debug tui without a TTY falls back the same way (allowed pair: exit 0)', () => {
    const r = traced(['debug', 'tui', 'commerce/checkout', 'commerce/payments', '--specs', 'examples/commerce'])
    expect(r.stderr).toBe('platform: not a terminal: printing the text report instead of the TUI\n')
    expect(r.stdout).toContain('Result: ALLOWED.')
    expect(r.code).toBe(0)
    expect(r.ui).toEqual([])
  })

  it('--watch offline is an input error (exit 2)', () => {
    const r = traced(['debug', 'connectivity', 'commerce/checkout', 'commerce/payments', '--specs', 'examples/commerce', '--watch'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('platform: --watch follows a live cluster: run without --specs (or with --live), for one pair\n')
  })
})
