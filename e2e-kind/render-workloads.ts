// Renders what the Lattice operator would run for the e2e specs: a Namespace (ambient), a
// ServiceAccount, a Deployment and a Service per LatticeService that the platform admitted
// and Cedar allowed (the LatticeMeshMembers in `platform compile` output say which). The
// policies themselves are `platform compile`'s output, applied unchanged.
//
//   node --import tsx e2e-kind/render-workloads.ts SPECS_DIR COMPILED.yaml > workloads.yaml
import {readFileSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {parseAllDocuments, stringify} from 'yaml'

type Obj = Record<string, any>

const NAME_LABEL = 'app.kubernetes.io/name'

function docs(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null && typeof d === 'object')
}

function specFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f)
    return statSync(p).isDirectory() ? specFiles(p) : /\.ya?ml$/.test(f) ? [p] : []
  })
}

/** Variables as env; secret references stay out (no secret store in the e2e cluster). */
function env(variables: Obj | undefined): Obj[] {
  return Object.entries(variables ?? {})
    .filter(([, v]) => typeof v === 'string' && !v.includes('${secret.'))
    .map(([name, value]) => ({name, value}))
}

export function renderWorkloads(services: Obj[], compiled: Obj[]): Obj[] {
  const emitted = new Set(compiled.filter((o) => o.kind === 'LatticeMeshMember').map((o) => `${o.metadata.namespace}/${o.metadata.name}`))
  const waypointServices = new Set(
    compiled
      .filter((o) => o.kind === 'AuthorizationPolicy')
      .flatMap((o) => (o.spec?.targetRefs ?? []).filter((r: Obj) => r.kind === 'Service').map((r: Obj) => `${o.metadata.namespace}/${r.name}`)),
  )
  const out: Obj[] = []
  const namespaces = new Set<string>()
  for (const svc of services) {
    const ns: string = svc.metadata.namespace
    const name: string = svc.metadata.name
    if (!emitted.has(`${ns}/${name}`)) continue // denied by Cedar or rejected: the platform runs nothing
    if (!namespaces.has(ns)) {
      namespaces.add(ns)
      out.push({apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns, labels: {'istio.io/dataplane-mode': 'ambient'}}})
    }
    const labels = {[NAME_LABEL]: name}
    const ports = Object.entries<Obj>(svc.spec.workload.service?.ports ?? {})
    out.push({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name, namespace: ns}})
    const containers = Object.entries<Obj>(svc.spec.workload.containers).map(([cname, c]) => ({
      name: cname,
      image: c.image,
      ...(c.command ? {command: c.command} : {}),
      ...(c.args ? {args: c.args} : {}),
      env: env(c.variables),
      ports: ports.map(([pname, p]) => ({name: pname, containerPort: p.targetPort ?? p.port, protocol: p.protocol ?? 'TCP'})),
      resources: c.resources ?? {},
      securityContext: {
        ...(c.security?.runAsUser !== undefined ? {runAsUser: c.security.runAsUser} : {}),
        readOnlyRootFilesystem: c.security?.readOnlyRootFilesystem ?? false,
        allowPrivilegeEscalation: false,
      },
    }))
    out.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name, namespace: ns, labels},
      spec: {
        replicas: svc.spec.replicas ?? 1,
        selector: {matchLabels: labels},
        template: {metadata: {labels}, spec: {serviceAccountName: name, containers}},
      },
    })
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace: ns,
        labels: {...labels, ...(waypointServices.has(`${ns}/${name}`) ? {'istio.io/use-waypoint': `${ns}-waypoint`} : {})},
      },
      spec: {
        selector: labels,
        ports: ports.map(([pname, p]) => ({name: pname, port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? 'TCP'})),
      },
    })
  }
  return out
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [specsDir, compiledFile] = process.argv.slice(2)
  if (!specsDir || !compiledFile) {
    console.error('usage: render-workloads.ts SPECS_DIR COMPILED.yaml')
    process.exit(2)
  }
  const services = specFiles(specsDir).flatMap(docs).filter((d) => d.kind === 'LatticeService')
  const compiled = docs(compiledFile)
  process.stdout.write(renderWorkloads(services, compiled).map((o) => stringify(o)).join('---\n'))
}
