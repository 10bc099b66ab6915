// `platform --help` must never instantiate the WASM module: importing the layer is free,
// only loading a policy set compiles Cedar.
import {execFileSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'

const script = `
let compiled = 0
const Original = WebAssembly.Module
WebAssembly.Module = function (...args) { compiled++; return new Original(...args) }
const cedar = await import('./src/layers/cedar/index.ts')
const afterImport = compiled
await cedar.loadCedarPolicies([])
console.log(JSON.stringify({afterImport, afterLoad: compiled}))
`

describe('lazy WASM loading', () => {
  it('importing the layer compiles no WASM; the first load does', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: PROJECT_ROOT, encoding: 'utf8'})
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({afterImport: 0, afterLoad: 1})
  }, 30_000)
})
