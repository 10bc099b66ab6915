// The pair's pre-filtered load (parse only the documents that can matter) must give the
// same diagnosis as reading every spec, for any pair, any way of naming it, with and
// without a policy dump, on a fleet with the documents that could fool a textual filter.
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import {stringify} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateFleet, writeFleet} from '../../bench/fleet.js'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {diagnoseOffline, loadPairSpecs, type OfflineRequest} from '../../src/diagnose/offline.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {loadSpecs} from '../../src/spec/load.js'

let dir: string
let keys: string[]
let dump: string

const svc = (name: string, ns: string | undefined, resources: Record<string, unknown>) => ({
  apiVersion: 'lattice.dev/v1alpha1',
  kind: 'LatticeService',
  metadata: ns === undefined ? {name} : {name, namespace: ns},
  spec: {workload: {containers: {main: {image: `r/${name}:1`, command: [`/app/${name}`], resources: {limits: {cpu: '1', memory: '1Gi'}}}}, service: {ports: {http: {port: 8080}}}, resources}},
})
const docs = (...objects: unknown[]) => objects.map((o) => stringify(o)).join('---\n')

/** Documents a textual pre-filter could get wrong, each naming services of the generated fleet. */
const SPECIAL: Record<string, string> = {
  'volumes.yaml': docs(
    svc('vol-owner', 'team-001', {data: {type: 'volume', id: 'shared-vol-x', params: {size: '1Gi', allowedConsumers: ['vol-user-a']}}}),
    svc('vol-user-a', 'team-001', {data: {type: 'volume', id: 'shared-vol-x'}, 'svc-00001': {type: 'service', direction: 'outbound'}}),
    svc('vol-user-b', 'team-001', {data: {type: 'volume', id: 'shared-vol-x'}, 'vol-owner': {type: 'service', direction: 'outbound'}}),
  ),
  'dups.yaml': docs(
    svc('dup-name', 'team-002', {'svc-00002': {type: 'service', direction: 'outbound'}}),
    svc('dup-name', 'team-003', {}),
    svc('def-a', undefined, {'def-b': {type: 'service', direction: 'outbound'}}),
    svc('def-b', undefined, {'def-a': {type: 'service', direction: 'inbound'}, 'svc-00005': {type: 'service', direction: 'outbound', namespace: 'team-005'}}),
  ),
  'mesh.yaml': docs(
    {apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', metadata: {name: 'legacy-db', namespace: 'team-004'}, spec: {target: {selector: {app: 'legacy-db'}}, ports: [{name: 'pg', port: 5432}], allowedCallers: [{name: 'svc-00004'}]}},
    {apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', metadata: {name: 'scraper', namespace: 'team-002'}, spec: {target: {selector: {app: 'scraper'}}, ports: [{name: 'http', port: 9090}], dependsAll: true}},
    // a LatticeService sharing a mesh member's key, naming no service of the fleet
    svc('legacy-db', 'team-004', {}),
  ),
  'tricky.yaml': `# esc-caller names svc-00003 only through an escape
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: esc-caller, namespace: team-003}
spec:
  workload:
    containers:
      main: {image: r/esc:1, command: [/app/esc], resources: {limits: {cpu: "1", memory: 1Gi}}}
    service: {ports: {http: {port: 8080}}}
    resources:
      "svc\\x2d00003": {type: service, direction: outbound}
...
--- # tagged names svc-00006 through a tag
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: tagged, namespace: team-006}
spec:
  workload:
    containers:
      main: {image: r/t:1, command: [/app/t], resources: {limits: {cpu: "1", memory: 1Gi}}}
    service: {ports: {http: {port: 8080}}}
    resources:
      ? !!str svc-00006
      : {type: service, direction: outbound}
      note:
        type: custom
        params:
          text: |
            --- svc-00007 in a block scalar
`,
  'crlf.yaml': ('\ufeff' + docs(svc('crlf-a', 'team-000', {'svc-00000': {type: 'service', direction: 'outbound'}}), svc('crlf-b', 'team-000', {'crlf-a': {type: 'service', direction: 'inbound'}}))).replace(/\n/g, '\r\n'),
  'list.yaml': stringify({apiVersion: 'v1', kind: 'List', items: [svc('list-a', 'team-004', {'svc-00004': {type: 'service', direction: 'outbound'}})]}),
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'platform-pair-specs-'))
  const fleet = generateFleet(300, 11)
  writeFleet(dir, {...fleet, cedarPolicies: fleet.cedarPolicies.slice(0, 1)})
  await mkdir(path.join(dir, 'special'))
  for (const [name, text] of Object.entries(SPECIAL)) await writeFile(path.join(dir, 'special', name), text)
  const specs = await loadSpecs([dir])
  keys = [...specs.services, ...specs.meshMembers].map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
  // A dump of two namespaces as `platform compile` writes it, with one object removed (drift).
  const compiled = await compileFleet(specs, defaultCompileOptions())
  const objects = [...compiled.resources.l4, ...compiled.resources.l7, ...compiled.resources.runtime].filter((o) => ['team-000', 'team-001', 'default'].includes(o.metadata.namespace ?? ''))
  dump = path.join(dir, '..', `${path.basename(dir)}-dump.yaml`)
  await writeFile(dump, objects.slice(1).map((o) => stringify(o)).join('---\n'))
}, 60_000)

afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
  await rm(dump, {force: true})
})

async function outcome(req: Omit<OfflineRequest, 'options' | 'specPaths'>, prefilter: boolean): Promise<string> {
  try {
    const d = await diagnoseOffline({...req, specPaths: [dir], options: defaultCompileOptions(), prefilter})
    return JSON.stringify(d)
  } catch (e) {
    return `error: ${(e as Error).message}`
  }
}

async function same(req: Omit<OfflineRequest, 'options' | 'specPaths'>): Promise<void> {
  expect(await outcome(req, true)).toBe(await outcome(req, false))
}

const name = (key: string) => key.slice(key.indexOf('/') + 1)
const ns = (key: string) => key.slice(0, key.indexOf('/'))

describe('pre-filtered pair load', () => {
  it('parses a small part of the fleet for one pair', async () => {
    const {specs} = await loadPairSpecs({specPaths: [dir], source: 'team-000/svc-00000', target: 'team-000/svc-00006'}, false)
    expect(specs.services.length).toBeGreaterThan(2)
    expect(specs.services.length).toBeLessThan(keys.length / 2)
    expect(specs.meshMembers.map((m) => m.metadata.name)).toEqual(['legacy-db', 'scraper'])
  })

  it.each([
    ['team-001/vol-user-b', 'team-001/vol-owner'], // the owner's consent comes from a document naming neither
    ['team-001/vol-user-a', 'team-001/svc-00001'],
    ['team-003/svc-00003', 'team-003/svc-00009'], // named through an escape by esc-caller
    ['team-006/svc-00006', 'team-006/svc-00012'], // named through a tag
    ['team-000/crlf-a', 'team-000/svc-00000'],
    ['team-004/list-a', 'team-004/legacy-db'],
    ['team-004/svc-00004', 'team-004/legacy-db'],
    ['team-004/svc-00010', 'team-004/svc-00016'], // the graph holds the service sharing legacy-db's key
    ['team-002/scraper', 'team-002/svc-00002'],
    ['default/def-a', 'default/def-b'],
    ['dup-name', 'svc-00002'], // ambiguous
    ['team-000/nope', 'team-000/svc-00000'], // unknown: the message lists what is known
    ['svc-99999', 'svc-00000'],
    ['a/b/c', 'svc-00000'],
  ])('%s → %s reads the same as loading everything', async (source, target) => {
    await same({source, target, policyPaths: []})
  })

  it('with a policy dump, including the default namespace', async () => {
    await same({source: 'team-001/vol-user-b', target: 'team-001/svc-00001', policyPaths: [dump]})
    await same({source: 'svc-00000', target: 'svc-00006', policyPaths: [dump]})
    await same({source: 'def-a', target: 'def-b', namespace: 'default', policyPaths: [dump]})
  }, 60_000)

  it('gives the same diagnosis for random pairs, named in every way', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.constantFrom('key', 'bare', 'bare -n'), async (i, j, style) => {
        const [a, b] = [keys[i % keys.length], keys[j % keys.length]]
        const req =
          style === 'key' ? {source: a, target: b}
          : style === 'bare' ? {source: name(a), target: name(b)}
          : {source: name(a), target: name(b), namespace: ns(a)}
        await same({...req, policyPaths: []})
      }),
      {numRuns: 12},
    )
  }, 120_000)
})
