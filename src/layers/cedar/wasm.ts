// Lazy loader for Cedar's official WASM build. `platform --help` and every command that
// never evaluates Cedar must not pay for instantiating the ~3 MB module, so it is only
// imported from inside an async function. The `nodejs` build is used because the default
// ESM build imports the `.wasm` file directly, which Node cannot do without a bundler.

import {setFlagsFromString} from 'node:v8'
import type * as CedarWasmModule from '@cedar-policy/cedar-wasm/nodejs'

export type CedarWasm = typeof CedarWasmModule

let loading: Promise<CedarWasm> | undefined

export interface WasmLoadOptions {
  /** How many services this process will authorize (decides the compiler tiers; see below). */
  services?: number
}

/**
 * Up to this many services a process authorizes too few requests for V8's optimizing wasm
 * tier to pay off: on 2 cores, tiering the ~3 MB module up costs more (one pair on 5,000
 * services: Cedar 750 → 350 ms with the baseline compiler only) than the optimized code
 * saves. Since the engine hands Cedar one or two policies per request (prefilter.ts), the
 * optimized tier no longer pays at fleet scale either: `compile` of 10,000 services took
 * the same wall time with ~0.5 s less CPU and ~65 MB less peak RSS (the optimized code of
 * the module) with the baseline compiler only, and 30,000 services ~1 s less CPU
 * (bench/RESULTS.md, 2026-12-04). Above this, untested: the optimizing tier is kept.
 */
export const BASELINE_ONLY_UP_TO_SERVICES = 50_000

/** V8 flags for the module's compilation: baseline only for short runs. */
export function wasmCompilerFlags(opts: WasmLoadOptions): string[] {
  return opts.services !== undefined && opts.services <= BASELINE_ONLY_UP_TO_SERVICES ? ['--liftoff-only'] : []
}

/** The first call decides how the module is compiled for the whole process. */
export function loadCedarWasm(opts: WasmLoadOptions = {}): Promise<CedarWasm> {
  loading ??= (async () => {
    avoidJsToWasmInliningCrash()
    for (const flag of wasmCompilerFlags(opts)) setFlagsFromString(flag)
    const mod = (await import('@cedar-policy/cedar-wasm/nodejs')) as unknown as CedarWasm & {default?: CedarWasm}
    // A CommonJS module imported from ESM: named exports are detected, `default` is the
    // whole `exports` object. Prefer the latter when present.
    return mod.default && typeof mod.default.isAuthorized === 'function' ? mod.default : mod
  })()
  return loading
}

/**
 * V8 11/12 (Node 20/22) abort the process ("Fatal error ... unreachable code" in
 * Deoptimizer::DoComputeBuiltinContinuation) when TurboFan code with an inlined JS→Wasm
 * call is lazily deoptimized while the Wasm call runs; thousands of authorizations in a
 * row trigger it reliably. Turning that one inlining off removes the crash at no
 * measurable cost. Unknown flags are only warned about, so newer V8s are left alone.
 */
function avoidJsToWasmInliningCrash(): void {
  const major = Number(process.versions.v8.split('.')[0])
  if (major >= 11 && major <= 12) setFlagsFromString('--no-turbo-inline-js-wasm-calls')
}
