// The built CLI runs from the esbuild bundle (scripts/bundle-cli.mjs); PLATFORM_UNBUNDLED=1
// runs the same commands from tsc's dist/ and node_modules. Same output, same exit code, on
// help, version, compile, validate, an allowed and a blocked pair and an input error.
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'

/** The built CLI as a child process, asynchronously: both builds run side by side. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'run.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: {...process.env, NO_COLOR: '', FORCE_COLOR: '0', ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({code: code ?? -1, stdout, stderr}))
  })
}

const EX = ['--specs', 'examples/commerce']
const COMMANDS: string[][] = [
  ['--version'],
  ['--help'],
  ['debug', 'connectivity', '--help'],
  ['compile', ...EX, '--layer', 'l4', '--layer', 'cedar', '-o', 'json'],
  ['validate', 'examples/commerce'],
  ['debug', 'connectivity', 'commerce/checkout', 'commerce/payments', ...EX],
  ['debug', 'connectivity', 'commerce/inventory', 'commerce/orders-db', ...EX, '-o', 'json'],
  ['debug', 'connectivity', 'commerce/nosuch', 'commerce/payments', ...EX],
]

describe('bundled CLI = unbundled build', () => {
  it('the bundle is what bin/run.js loads', () => {
    expect(existsSync(path.join(PROJECT_ROOT, 'dist', 'bundle', 'cli', 'platform.js'))).toBe(true)
  })

  it.each(COMMANDS.map((c) => [c.join(' '), c]))('%s', async (_name, args) => {
    const [bundled, unbundled] = await Promise.all([cli(args as string[]), cli(args as string[], {PLATFORM_UNBUNDLED: '1'})])
    expect(bundled.stdout).toBe(unbundled.stdout)
    expect(bundled.stderr).toBe(unbundled.stderr)
    expect(bundled.code).toBe(unbundled.code)
    expect(bundled.stdout.length + bundled.stderr.length).toBeGreaterThan(0)
  }, 60_000)
})
