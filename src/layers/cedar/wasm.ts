// Lazy loader for Cedar's official WASM build. `platform --help` and every command that
// never evaluates Cedar must not pay for instantiating the ~4 MB module; neither must a
// pair whose Cedar answers are all in the decision cache (decisions.ts), so it is loaded on
// the first request Cedar must answer. The `nodejs` build (CommonJS) compiles synchronously
// on require, which is what a synchronous first request needs. (Compiling the `web` build
// with WebAssembly.compile off the main thread while the specs load was tried: no gain on
// the 2-core machine, so not kept.)

import {readFileSync, statSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type * as CedarWasmModule from '@cedar-policy/cedar-wasm/nodejs'

export type CedarWasm = typeof CedarWasmModule

let loaded: CedarWasm | undefined
let flagsSet = false

export interface WasmLoadOptions {
  /** How many services this process will authorize (decides the compiler tiers; see below). */
  services?: number
}

/**
 * Up to this many services a process authorizes too few requests for V8's optimizing wasm
 * tier to pay off: on 2 cores, tiering the ~3 MB module up costs more (one pair on 5,000
 * services: Cedar 750 → 350 ms with the baseline compiler only) than the optimized code
 * saves. Since the engine hands Cedar one or two policies per request (prefilter.ts), the
 * optimized tier no longer pays at fleet scale either: on a quiet 2-CPU machine `compile`
 * of 10,000 services took 4.13–4.30 s with the baseline compiler only and 4.07–4.19 s
 * tiered, for ~0.25 s less CPU and 20–40 MB less peak RSS (bench/RESULTS.md, 2026-12-05);
 * 30,000 services on a loaded machine: ~1 s less CPU. Above this, untested: tiered.
 */
export const BASELINE_ONLY_UP_TO_SERVICES = 50_000

/** V8 flags for the module's compilation: baseline only for short runs. */
export function wasmCompilerFlags(opts: WasmLoadOptions): string[] {
  return opts.services !== undefined && opts.services <= BASELINE_ONLY_UP_TO_SERVICES ? ['--liftoff-only'] : []
}

const requireCjs = createRequire(import.meta.url)

let nodejsDir: string | undefined

/** The `nodejs` build's directory (its .wasm sits beside the glue). The ESM resolver when
 * there is one: the CommonJS one costs ~1.5 ms on first use, and every import has warmed the
 * ESM one (vitest's module runner has no import.meta.resolve). */
function packageDir(): string {
  if (nodejsDir) return nodejsDir
  const specifier = '@cedar-policy/cedar-wasm/nodejs'
  const resolved = typeof import.meta.resolve === 'function' ? fileURLToPath(import.meta.resolve(specifier)) : requireCjs.resolve(specifier)
  return (nodejsDir = path.dirname(resolved))
}

let versionKey: string | undefined

/**
 * What identifies the Cedar build without loading it (cache keys): the package version and
 * the size of its .wasm, read from disk, so a warm run never compiles the module to ask it.
 */
export function cedarWasmVersion(): string {
  if (versionKey) return versionKey
  const dir = packageDir()
  const {version} = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {version: string}
  return (versionKey = `cedar-wasm@${version}+${statSync(path.join(dir, 'cedar_wasm_bg.wasm')).size}`)
}

/** The first load decides how the module is compiled for the whole process. */
function setCompilerFlags(opts: WasmLoadOptions): void {
  if (flagsSet) return
  flagsSet = true
  // node:v8 (and the internals it loads) only when Cedar is really loaded, not on a warm pair.
  const {setFlagsFromString} = requireCjs('node:v8') as typeof import('node:v8')
  avoidJsToWasmInliningCrash(setFlagsFromString)
  for (const flag of wasmCompilerFlags(opts)) setFlagsFromString(flag)
}

/** The module (loaded once; asynchronous for callers that can wait). */
export async function loadCedarWasm(opts: WasmLoadOptions = {}): Promise<CedarWasm> {
  return loadCedarWasmSync(opts)
}

export function loadCedarWasmSync(opts: WasmLoadOptions = {}): CedarWasm {
  if (loaded) return loaded
  setCompilerFlags(opts)
  const mod = requireCjs('@cedar-policy/cedar-wasm/nodejs') as CedarWasm
  return (loaded = mod)
}

/**
 * V8 11/12 (Node 20/22) abort the process ("Fatal error ... unreachable code" in
 * Deoptimizer::DoComputeBuiltinContinuation) when TurboFan code with an inlined JS→Wasm
 * call is lazily deoptimized while the Wasm call runs; thousands of authorizations in a
 * row trigger it reliably. Turning that one inlining off removes the crash at no
 * measurable cost. Unknown flags are only warned about, so newer V8s are left alone.
 */
function avoidJsToWasmInliningCrash(setFlagsFromString: (flag: string) => void): void {
  const major = Number(process.versions.v8.split('.')[0])
  if (major >= 11 && major <= 12) setFlagsFromString('--no-turbo-inline-js-wasm-calls')
}
