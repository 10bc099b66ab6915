// Static checks of e2e-kind/ that run everywhere (the suite itself needs Docker and kind):
// shellcheck on the scripts, every manifest it applies validated against the upstream CRD
// schemas, the rendered workloads consistent with the compiled policies, the e2e fleet
// faithful to examples/commerce, and the one-line skip when the tools are missing.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, readdirSync, symlinkSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import {renderWorkloads} from '../../e2e-kind/render-workloads.js'
import {cli} from '../helpers/cli.js'
import {crdValidators} from '../helpers/crds.js'
import {hasShared, PROJECT_ROOT, SKIP_REASON, sharedPath} from '../helpers/shared.js'

const E2E = path.join(PROJECT_ROOT, 'e2e-kind')
type Obj = Record<string, any>

function docsOf(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null && typeof d === 'object')
}
const docsIn = (file: string) => docsOf(readFileSync(file, 'utf8'))
const specsIn = (dir: string) =>
  readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => docsIn(path.join(dir, f)))
    .filter((d) => d.kind === 'LatticeService')

let compiled: Obj[] = []
let workloads: Obj[] = []
beforeAll(() => {
  const r = cli(['compile', '--specs', 'e2e-kind/specs', '-o', 'yaml'])
  // 1: commerce/reports is denied by Cedar on purpose (the Cedar scenario).
  expect(r.code, r.stderr).toBe(1)
  expect(r.stderr).toMatch(/denied commerce\/reports/)
  expect(r.stderr).not.toMatch(/rejected/)
  compiled = docsOf(r.stdout)
  workloads = renderWorkloads(specsIn(path.join(E2E, 'specs')), compiled)
})

describe('e2e-kind scripts', () => {
  const scripts = readdirSync(E2E).filter((f) => f.endsWith('.sh'))
  const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0

  it.skipIf(!hasShellcheck)('pass shellcheck', () => {
    const r = spawnSync('shellcheck', ['-x', ...scripts], {cwd: E2E, encoding: 'utf8'})
    expect(r.stdout + r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
  if (!hasShellcheck) it.skip('pass shellcheck (skipped: shellcheck is not installed; .ci/run installs it)', () => {})

  it('npm run e2e:kind skips with one clear line when the tools are missing', () => {
    // A PATH holding only bash, node and the basics: no docker, kind, helm, cilium, istioctl.
    const bin = mkdtempSync(path.join(os.tmpdir(), 'e2e-path-'))
    for (const tool of ['bash', 'dirname', 'printf', 'cat', 'env']) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).stdout.trim()
      if (found) symlinkSync(found, path.join(bin, tool))
    }
    const r = spawnSync(path.join(bin, 'bash'), [path.join(E2E, 'run.sh')], {encoding: 'utf8', env: {PATH: bin}})
    expect(r.status).toBe(0)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    expect(r.stdout).toMatch(/^e2e-kind: skipped: missing docker, kind, kubectl, helm, cilium, istioctl/)
  })
})

describe.skipIf(!hasShared)('e2e-kind manifests against the upstream CRD schemas', () => {
  it('every compiled Cilium, Istio and Tetragon object validates', () => {
    const validators = crdValidators()
    let checked = 0
    for (const o of compiled) {
      const v = validators.get(o.kind)
      if (!v) continue
      const r = v.validate(o, o.apiVersion)
      expect(r.ok, `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}: ${r.errors}`).toBe(true)
      checked++
    }
    expect(checked).toBeGreaterThan(30)
  })

  it('pins the releases whose CRDs and protos ../shared holds', () => {
    const sources = readFileSync(sharedPath('upstream', 'SOURCES.md'), 'utf8')
    const env = Object.fromEntries(
      readFileSync(path.join(E2E, 'versions.env'), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => l.split('=') as [string, string]),
    )
    expect(sources).toContain(`v${env.CILIUM_VERSION}`)
    expect(sources).toContain(env.ISTIO_VERSION)
    expect(sources).toContain(`v${env.TETRAGON_VERSION}`)
  })
})
if (!hasShared) describe.skip(`e2e-kind manifests against the upstream CRD schemas (${SKIP_REASON})`, () => {})

describe('e2e-kind workloads', () => {
  it('are what the operator would run for every emitted service, and nothing for the Cedar-denied one', () => {
    const deployments = workloads.filter((o) => o.kind === 'Deployment').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
    expect(deployments.sort()).toEqual(['commerce/catalog', 'commerce/checkout', 'commerce/inventory', 'commerce/orders-db', 'commerce/payments', 'storefront/web'])
    for (const d of workloads.filter((o) => o.kind === 'Deployment')) {
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels)
      expect(d.spec.template.spec.serviceAccountName).toBe(d.metadata.name)
    }
    for (const ns of workloads.filter((o) => o.kind === 'Namespace')) expect(ns.metadata.labels['istio.io/dataplane-mode']).toBe('ambient')
  })

  it('are selected by the compiled policies: every CNP selects a Deployment, every waypoint policy targets a Service that uses the waypoint', () => {
    const apps = new Set(workloads.filter((o) => o.kind === 'Deployment').map((o) => `${o.metadata.namespace}/${o.metadata.name}`))
    for (const cnp of compiled.filter((o) => o.kind === 'CiliumNetworkPolicy')) {
      const app = cnp.spec.endpointSelector?.matchLabels?.['k8s:app.kubernetes.io/name']
      if (app) expect(apps, `${cnp.metadata.name} selects ${app}`).toContain(`${cnp.metadata.namespace}/${app}`)
    }
    const services = new Map(workloads.filter((o) => o.kind === 'Service').map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]))
    const targeted = compiled.filter((o) => o.kind === 'AuthorizationPolicy').flatMap((o) => (o.spec.targetRefs ?? []).filter((r: Obj) => r.kind === 'Service').map((r: Obj) => `${o.metadata.namespace}/${r.name}`))
    expect(targeted).toContain('commerce/catalog')
    for (const t of targeted) expect(services.get(t)?.metadata.labels['istio.io/use-waypoint']).toBe('commerce-waypoint')
    expect(compiled.some((o) => o.kind === 'Gateway' && o.metadata.name === 'commerce-waypoint')).toBe(true)
  })

  it('the Lattice CRDs store the three kinds the CLI reads live', () => {
    const crds = docsIn(path.join(E2E, 'manifests', 'lattice-crds.yaml'))
    expect(crds.map((c) => c.spec.names.kind).sort()).toEqual(['CedarPolicy', 'LatticeMeshMember', 'LatticeService'])
    for (const c of crds) {
      expect(c.metadata.name).toBe(`${c.spec.names.plural}.${c.spec.group}`)
      expect(c.spec.versions.filter((v: Obj) => v.storage)).toHaveLength(1)
    }
  })
})

describe('e2e-kind fleet is examples/commerce on public images', () => {
  const dependencies = (s: Obj) =>
    Object.entries<Obj>(s.spec.workload.resources ?? {})
      .filter(([, r]) => r.type === 'service')
      .map(([name, r]) => `${r.direction}:${r.namespace ?? s.metadata.namespace}/${name}`)
  const ports = (s: Obj) => s.spec.workload.service?.ports

  it('keeps every example service with its ports and declarations (scenario peers only added)', () => {
    const e2e = new Map(specsIn(path.join(E2E, 'specs')).map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]))
    const scenarioPeers = ['outbound:commerce/reports', 'outbound:commerce/catalog']
    for (const ex of specsIn(path.join(PROJECT_ROOT, 'examples', 'commerce'))) {
      const key = `${ex.metadata.namespace}/${ex.metadata.name}`
      const mine = e2e.get(key)
      expect(mine, key).toBeDefined()
      expect(ports(mine!)).toEqual(ports(ex))
      expect(dependencies(mine!).filter((d) => !scenarioPeers.includes(d)).sort()).toEqual(dependencies(ex).sort())
      for (const c of Object.values<Obj>(mine!.spec.workload.containers)) expect(c.image).toMatch(/^docker\.io\/library\//)
    }
  })
})
