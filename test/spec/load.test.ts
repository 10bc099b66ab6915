// The spec loader: directories, recursion, multi-doc YAML, Lists, JSON, empty documents,
// one-line InputErrors, seed-shape tolerance and defaults.
import {mkdtemp, mkdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {InputError} from '../../src/core/errors.js'
import {loadObjects, loadSpecs, originOf} from '../../src/spec/load.js'

let dir: string
const f = (name: string) => path.join(dir, name)

async function write(name: string, text: string): Promise<string> {
  await mkdir(path.dirname(f(name)), {recursive: true})
  await writeFile(f(name), text)
  return f(name)
}

const svc = (name: string, ns = 'commerce', extra = '') => `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  workload:
    containers:
      main: {image: app:1, command: [/app], resources: {limits: {cpu: 1, memory: 1Gi}}}
${extra}`

async function inputError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(InputError)
  const message = (err as InputError).message
  expect(message).not.toContain('\n')
  return message.replace(dir + path.sep, '')
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'platform-spec-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('loadSpecs', () => {
  it('walks directories recursively in sorted order, reading .yaml, .yml and .json only', async () => {
    await write('tree/b.yaml', svc('b'))
    await write('tree/a/z.yml', svc('z'))
    await write('tree/a/y.json', JSON.stringify({apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService', metadata: {name: 'y', namespace: 'commerce'}, spec: {workload: {containers: {}}}}))
    await write('tree/c.txt', 'not yaml: [')
    const set = await loadSpecs([f('tree')])
    expect(set.services.map((s) => s.metadata.name)).toEqual(['y', 'z', 'b'])
    expect(set.services[0].origin).toEqual({file: f('tree/a/y.json'), index: 0})
    expect(set.others).toEqual([])
  })

  it('reads multi-document YAML with empty documents, Lists, mesh members and Cedar policies', async () => {
    const file = await write('multi.yaml', `# leading comment
---
${svc('checkout')}
---
---
apiVersion: v1
kind: List
items:
  - apiVersion: lattice.dev/v1alpha1
    kind: LatticeMeshMember
    metadata: {name: nzbget, namespace: media}
    spec: {target: {selector: {app: nzbget}}}
  - apiVersion: lattice.dev/v1alpha1
    kind: CedarPolicy
    metadata: {name: p, namespace: lattice-system}
    spec: {policies: "permit(principal, action, resource);"}
`)
    const set = await loadSpecs([file])
    expect(set.services.map((s) => s.origin)).toEqual([{file, index: 0}])
    expect(set.meshMembers.map((m) => [m.metadata.name, m.origin.index, m.derived])).toEqual([['nzbget', 1, false]])
    expect(set.cedarPolicies[0].spec).toEqual({priority: 0, enabled: true, propagate: true, policies: 'permit(principal, action, resource);'})
    expect(set.warnings).toEqual([])
  })

  it('defaults a missing namespace to default with a warning', async () => {
    const file = await write('nons.yaml', svc('x').replace(', namespace: commerce', ''))
    const set = await loadSpecs([file])
    expect(set.services[0].metadata.namespace).toBe('default')
    expect(set.warnings).toEqual([{origin: {file, index: 0}, object: 'default/x', path: 'metadata.namespace', message: "metadata.namespace not set; using 'default'"}])
  })

  it('normalizes the seed shape with one warning per rewrite, keeping .raw unchanged', async () => {
    const file = await write('seed.yaml', `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: legacy, namespace: shop}
spec:
  workload:
    containers:
      - name: main
        image: app:1
        securityContext:
          runAsUser: 1000
          capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}
`)
    const set = await loadSpecs([file])
    const s = set.services[0]
    expect(s.spec.workload.containers.main.security).toEqual({runAsUser: 1000, capabilities: ['NET_BIND_SERVICE'], dropCapabilities: ['ALL']})
    expect(Array.isArray(s.raw.spec.workload.containers)).toBe(true)
    expect(s.raw.spec.workload.containers[0].securityContext.capabilities).toEqual({add: ['NET_BIND_SERVICE'], drop: ['ALL']})
    expect(set.warnings.map((w) => `${w.object} ${w.path}: ${w.message}`)).toEqual([
      'shop/legacy spec.workload.containers: containers written as a list of {name: ...} items (seed shape); read as a map keyed by name',
      "shop/legacy spec.workload.containers.main.securityContext: 'securityContext' read as 'security' (seed shape)",
      "shop/legacy spec.workload.containers.main.security.capabilities.drop: 'capabilities.drop' read as 'dropCapabilities' (seed shape)",
      "shop/legacy spec.workload.containers.main.security.capabilities.add: 'capabilities.add' read as 'capabilities' (seed shape)",
    ])
  })

  it('fails with one line per input problem', async () => {
    expect(await inputError(loadSpecs([f('missing.yaml')]))).toBe('missing.yaml: no such file or directory')
    await write('syntax.yaml', `${svc('ok')}---\nmetadata: {name: [x\n`)
    expect(await inputError(loadSpecs([f('syntax.yaml')]))).toMatch(/^syntax\.yaml: document 2: YAML syntax error at line \d+, column \d+: \S.*$/)
    await write('kind.yaml', `${svc('ok')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n`)
    // Other kinds are skipped as `kubectl apply -R` users keep them beside the specs; a near-miss is a typo.
    expect((await loadSpecs([f('kind.yaml')])).others.map((o) => o.kind)).toEqual(['Deployment'])
    await write('typo.yaml', 'apiVersion: lattice.dev/v1alpha1\nkind: LatticeSevice\nmetadata: {name: a}\n')
    expect(await inputError(loadSpecs([f('typo.yaml')]))).toBe("typo.yaml: document 1: unknown kind 'LatticeSevice' (did you mean LatticeService?)")
    await write('noname.yaml', 'apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {namespace: a}\n')
    expect(await inputError(loadSpecs([f('noname.yaml')]))).toBe('noname.yaml: document 1: metadata.name: missing')
    await write('scalar.yaml', '- a\n- b\n')
    expect(await inputError(loadSpecs([f('scalar.yaml')]))).toBe('scalar.yaml: document 1: expected an object with apiVersion, kind and metadata, got a list')
    await write('nokind.yaml', 'apiVersion: lattice.dev/v1alpha1\nmetadata: {name: a}\n')
    expect(await inputError(loadSpecs([f('nokind.yaml')]))).toBe('nokind.yaml: document 1: kind: missing (expected LatticeService, LatticeMeshMember or CedarPolicy)')
    await write('version.yaml', 'apiVersion: lattice.dev/v1\nkind: LatticeService\nmetadata: {name: a}\n')
    expect(await inputError(loadSpecs([f('version.yaml')]))).toBe("version.yaml: document 1: apiVersion: unsupported 'lattice.dev/v1' for LatticeService (expected lattice.dev/v1alpha1)")
    await write('listitem.yaml', 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: c}\n')
    expect(await inputError(loadSpecs([f('listitem.yaml')]))).toBe(`no LatticeService, LatticeMeshMember or CedarPolicy in listitem.yaml (skipped 1 ConfigMap)`)
    await write('bad.json', '{"apiVersion": "lattice.dev/v1alpha1",\n "kind" "x"}')
    expect(await inputError(loadSpecs([f('bad.json')]))).toMatch(/^bad\.json: JSON syntax error at line 2, column 9: \S/)
    await write('bad2.json', '{"kind": }')
    expect(await inputError(loadSpecs([f('bad2.json')]))).toMatch(/^bad2\.json: JSON syntax error( at line 1, column 10)?: Unexpected token '?}'?$/)
    await write('dup.yaml', `${svc('twice')}---\n${svc('twice')}`)
    expect(await inputError(loadSpecs([f('dup.yaml')]))).toBe(`dup.yaml: document 2: duplicate LatticeService commerce/twice (first defined in ${f('dup.yaml')}: document 1)`)
  })

  it('fills the documented defaults', async () => {
    const file = await write('defaults.yaml', svc('d', 'commerce', `    service:
      ports: {http: {port: 80, targetPort: 8080}}
    resources:
      payments: {}
  sidecars:
    init-db: {image: db:1, init: true, command: [/migrate]}
`))
    const s = (await loadSpecs([file])).services[0]
    expect(s.spec.replicas).toBe(1)
    expect(s.spec.workload.service).toEqual({ports: {http: {port: 80, targetPort: 8080, protocol: 'TCP'}}, serviceType: 'ClusterIP', hostnames: [], publishDns: false})
    expect(s.spec.workload.resources.payments).toEqual({type: 'service', direction: 'outbound', directionSet: false})
    expect(s.spec.sidecars['init-db']).toMatchObject({init: true, command: ['/migrate'], variables: {}, files: {}, volumes: {}, security: {}})
    expect(s.spec).toMatchObject({sysctls: {}, imagePullSecrets: []})
    expect(s.spec.workload.containers.main.resources).toEqual({limits: {cpu: '1', memory: '1Gi'}})
  })
})

describe('loadObjects', () => {
  it('accepts any Kubernetes object, flattens Lists and typed Lists, and records origins', async () => {
    const file = await write('dump/policies.yaml', `apiVersion: v1
kind: List
items:
  - apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: {name: cnp-mesh-e79249a6, namespace: commerce}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicyList
items:
  - metadata: {name: allow-to-3d68c7ca, namespace: commerce}
`)
    const objs = await loadObjects([f('dump')])
    expect(objs.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`)).toEqual([
      'cilium.io/v2 CiliumNetworkPolicy cnp-mesh-e79249a6',
      'security.istio.io/v1 AuthorizationPolicy allow-to-3d68c7ca',
    ])
    expect(originOf(objs[1])).toEqual({file, index: 1})
    expect(Object.keys(objs[0])).not.toContain('origin')
  })

  it('rejects objects without apiVersion, kind or metadata.name', async () => {
    await write('noapi.yaml', 'kind: ConfigMap\nmetadata: {name: x}\n')
    expect(await inputError(loadObjects([f('noapi.yaml')]))).toBe('noapi.yaml: document 1: apiVersion: missing')
    await write('nom.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 7}\n')
    expect(await inputError(loadObjects([f('nom.yaml')]))).toBe('nom.yaml: document 1: metadata.name: expected a string, got number 7')
  })
})
