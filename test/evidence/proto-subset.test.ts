// The project's .proto subsets must agree with upstream on every field they declare: same
// number, wire type, cardinality and message/enum type, and enum values with the same numbers.
// The wire round-trip tests cover the sample data; this covers fields the samples leave empty.
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {hasShared, PROJECT_ROOT, sharedPath} from '../helpers/shared.js'

interface Desc {
  format: string
  type: {field?: Array<{name: string; number: number; type: string; label: string; typeName: string}>; value?: Array<{name: string; number: number}>}
}

async function load(file: string, includeDir: string): Promise<Record<string, Desc>> {
  const protoLoader = (await import('@grpc/proto-loader')).default
  return protoLoader.loadSync(file, {keepCase: true, includeDirs: [includeDir]}) as unknown as Record<string, Desc>
}

const shortType = (t: string) => t.split('.').pop()

async function compare(file: string, ownDir: string, upstreamDir: string): Promise<number> {
  const own = await load(file, ownDir)
  const upstream = await load(file, upstreamDir)
  let checked = 0
  for (const [name, desc] of Object.entries(own)) {
    if (name.startsWith('google.') || !desc.type) continue // services are compared below
    const up = upstream[name]
    expect(up, `${name} exists upstream`).toBeDefined()
    if (desc.type.field) {
      for (const f of desc.type.field) {
        const uf = up.type.field?.find((x) => x.name === f.name)
        expect(uf, `${name}.${f.name} exists upstream`).toBeDefined()
        expect({number: f.number, type: f.type, label: f.label, typeName: shortType(f.typeName)}, `${name}.${f.name}`)
          .toEqual({number: uf!.number, type: uf!.type, label: uf!.label, typeName: shortType(uf!.typeName)})
        checked++
      }
    }
    if (desc.type.value) {
      for (const v of desc.type.value) {
        expect(up.type.value?.find((x) => x.name === v.name)?.number, `${name}.${v.name}`).toBe(v.number)
        checked++
      }
    }
  }
  return checked
}

describe.skipIf(!hasShared)('own proto subsets match upstream', () => {
  it('hubble observer/flow', async () => {
    const n = await compare('observer/observer.proto', path.join(PROJECT_ROOT, 'proto', 'hubble'), sharedPath('upstream', 'proto', 'hubble'))
    expect(n).toBeGreaterThan(150)
  })

  it('tetragon sensors/events/tetragon', async () => {
    const n = await compare('tetragon/sensors.proto', path.join(PROJECT_ROOT, 'proto'), sharedPath('upstream', 'proto'))
    expect(n).toBeGreaterThan(60)
  })

  it('services keep the upstream method names and streaming shape', async () => {
    const own = await load('observer/observer.proto', path.join(PROJECT_ROOT, 'proto', 'hubble')) as any
    const up = await load('observer/observer.proto', sharedPath('upstream', 'proto', 'hubble')) as any
    for (const m of ['GetFlows', 'ServerStatus']) {
      expect(own['observer.Observer'][m].path).toBe(up['observer.Observer'][m].path)
      expect(own['observer.Observer'][m].responseStream).toBe(up['observer.Observer'][m].responseStream)
    }
    const ownT = await load('tetragon/sensors.proto', path.join(PROJECT_ROOT, 'proto')) as any
    const upT = await load('tetragon/sensors.proto', sharedPath('upstream', 'proto')) as any
    expect(ownT['tetragon.FineGuidanceSensors'].GetEvents.path).toBe('/tetragon.FineGuidanceSensors/GetEvents')
    expect(ownT['tetragon.FineGuidanceSensors'].GetEvents.responseStream).toBe(upT['tetragon.FineGuidanceSensors'].GetEvents.responseStream)
  })
})
