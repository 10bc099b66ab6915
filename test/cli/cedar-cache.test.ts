// The README pair with the disk cache: a cold run (empty cache directory) compiles Cedar,
// a warm run answers from the cached parses and decisions without compiling the module,
// and both print exactly what `--no-cache` prints (src/layers/cedar/decisions.ts).
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {cli} from '../helpers/cli.js'

// Reports each compile of Cedar's module (megabytes) on stderr.
const hook = `
const mark = (bytes) => { if (bytes.byteLength > 1e6) process.stderr.write('CEDAR-WASM-COMPILED\\n') }
const Module = WebAssembly.Module
WebAssembly.Module = new Proxy(Module, {construct: (target, args) => (mark(args[0]), Reflect.construct(target, args))})
const compile = WebAssembly.compile
WebAssembly.compile = (bytes) => { mark(bytes); return compile(bytes) }
`

const PAIRS = [
  ['commerce/checkout', 'commerce/payments'],
  ['commerce/inventory', 'commerce/orders-db'],
]

describe('Cedar through the disk cache (CLI)', () => {
  it.each(PAIRS)('%s → %s: cold and warm runs print what --no-cache prints; the warm one never compiles Cedar', (a, b) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-cedar-cache-'))
    const hookFile = path.join(dir, 'hook.mjs')
    writeFileSync(hookFile, hook)
    const env = {PLATFORM_NO_CACHE: '', PLATFORM_CACHE_DIR: path.join(dir, 'cache'), NODE_OPTIONS: `--import=${hookFile}`}
    const args = ['debug', 'connectivity', a, b, '--specs', 'examples/commerce', '-o', 'json']
    const reference = cli([...args, '--no-cache'], env)
    const cold = cli(args, env)
    const warm = cli(args, env)
    expect(reference.stderr).toContain('CEDAR-WASM-COMPILED')
    expect(cold.stderr).toContain('CEDAR-WASM-COMPILED')
    expect(warm.stderr).not.toContain('CEDAR-WASM-COMPILED')
    for (const run of [cold, warm]) {
      expect(run.code).toBe(reference.code)
      expect(run.stdout).toBe(reference.stdout)
    }
    expect(JSON.parse(warm.stdout).result.status).toBe(a === 'commerce/checkout' ? 'ALLOWED' : 'BLOCKED')
  }, 60_000)
})
