// CLI start-up must never load gRPC: the evidence modules may only reach @grpc/* through
// `import type` (erased) and dynamic import() inside the client factories.
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'

const DIRS = ['src/layers/cilium/hubble', 'src/layers/tetragon/events', 'src/layers/istio/logs']

describe('evidence modules import gRPC lazily', () => {
  it.each(DIRS)('%s has no static value import of @grpc/*', (dir) => {
    const files = readdirSync(path.join(PROJECT_ROOT, dir)).filter((f) => f.endsWith('.ts'))
    expect(files.length).toBeGreaterThan(0)
    for (const f of files) {
      const src = readFileSync(path.join(PROJECT_ROOT, dir, f), 'utf8')
      const staticGrpc = src.split('\n').filter((l) => /^\s*import\s+(?!type\b)[^('"]*['"]@grpc\//.test(l) || /^\s*export\s+[^('"]*from\s+['"]@grpc\//.test(l))
      expect(staticGrpc, `${dir}/${f}`).toEqual([])
    }
  })

  it('loading the Hubble and Tetragon modules does not load grpc-js', async () => {
    const {createRequire} = await import('node:module')
    const require = createRequire(import.meta.url)
    const grpcEntry = require.resolve('@grpc/grpc-js')
    const before = grpcEntry in require.cache
    await import('../../src/layers/cilium/hubble/index.js')
    await import('../../src/layers/tetragon/events/index.js')
    await import('../../src/layers/istio/logs/index.js')
    // Only meaningful in a fresh worker; vitest isolates test files, so nothing loaded it before.
    expect(before).toBe(false)
    expect(grpcEntry in require.cache).toBe(false)
  })
})
