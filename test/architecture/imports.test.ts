// Layer modules share the spec and the service graph only: no layer imports another
// layer, and the shared modules import no layer at all. Also: product code never reads
// ../shared (reference material for tests only).
import {readFileSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'

const LAYERS = ['admission', 'cedar', 'cilium', 'istio', 'tetragon']
const SHARED_MODULES = ['src/core', 'src/spec', 'src/graph']

function files(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry)
    if (statSync(p).isDirectory()) out.push(...files(p))
    else if (/\.(ts|tsx|js|mjs)$/.test(entry)) out.push(p)
  }
  return out
}

/** Every module specifier in static imports, re-exports and dynamic imports. */
export function specifiers(source: string): string[] {
  const out: string[] = []
  const re = /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g
  for (const m of source.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3])
  return out
}

function layerOf(absFile: string): string | undefined {
  const rel = path.relative(path.join(PROJECT_ROOT, 'src', 'layers'), absFile)
  if (rel.startsWith('..')) return undefined
  return rel.split(path.sep)[0]
}

function resolvedImports(file: string): string[] {
  return specifiers(readFileSync(file, 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) => path.resolve(path.dirname(file), s))
}

describe('architecture', () => {
  it('finds the specifiers it must police (the scanner itself works)', () => {
    const src = `import {a} from '../istio/x.js'\nexport * from "../cilium/y.js"\nconst m = await import('../tetragon/z.js')\nimport './side.js'`
    expect(specifiers(src)).toEqual(['../istio/x.js', '../cilium/y.js', '../tetragon/z.js', './side.js'])
  })

  it('no layer module imports another layer module', () => {
    const violations: string[] = []
    for (const layer of LAYERS) {
      const dir = path.join(PROJECT_ROOT, 'src', 'layers', layer)
      let list: string[] = []
      try { list = files(dir) } catch { continue }
      for (const f of list) {
        for (const target of resolvedImports(f)) {
          const other = layerOf(target)
          if (other && other !== layer) violations.push(`${path.relative(PROJECT_ROOT, f)} imports layer '${other}'`)
        }
      }
    }
    expect(violations).toEqual([])
  })

  it('shared modules (core, spec, graph) import no layer', () => {
    const violations: string[] = []
    for (const dir of SHARED_MODULES) {
      for (const f of files(path.join(PROJECT_ROOT, dir))) {
        for (const target of resolvedImports(f)) {
          if (layerOf(target)) violations.push(`${path.relative(PROJECT_ROOT, f)} imports ${path.relative(PROJECT_ROOT, target)}`)
        }
      }
    }
    expect(violations).toEqual([])
  })

  it('product code never refers to ../shared', () => {
    const offenders = [...files(path.join(PROJECT_ROOT, 'src')), ...files(path.join(PROJECT_ROOT, 'commands'))]
      .filter((f) => /\.\.\/shared|['"]shared\/upstream/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(PROJECT_ROOT, f))
    expect(offenders).toEqual([])
  })
})
