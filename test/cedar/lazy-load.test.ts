// `platform --help` must never instantiate the WASM module: importing the layer is free,
// loading a policy set whose parses are cached (here: none to parse) is free too, and the
// first request Cedar must answer compiles it once (src/layers/cedar/wasm.ts).
import {execFileSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'

// Counts compiles of Cedar's module (megabytes; tsx's own lexer WASM is a few KB).
const script = `
let compiled = 0
const count = (bytes) => { if (bytes.byteLength > 1e6) compiled++ }
const Original = WebAssembly.Module
WebAssembly.Module = new Proxy(Original, {construct: (target, args) => (count(args[0]), Reflect.construct(target, args))})
const originalCompile = WebAssembly.compile
WebAssembly.compile = (bytes) => { count(bytes); return originalCompile(bytes) }
const cedar = await import('./src/layers/cedar/index.ts')
const afterImport = compiled
const set = await cedar.loadCedarPolicies([])
const afterLoad = compiled
cedar.wildcardPermitted(set, 'ns/a', 'inbound')
cedar.wildcardPermitted(set, 'ns/b', 'outbound')
console.log(JSON.stringify({afterImport, afterLoad, afterAuthorize: compiled}))
`

describe('lazy WASM loading', () => {
  it('importing the layer and loading an empty set compile no WASM; the first request does, once', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: PROJECT_ROOT, encoding: 'utf8'})
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({afterImport: 0, afterLoad: 0, afterAuthorize: 1})
  }, 30_000)
})
