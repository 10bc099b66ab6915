// Raw LatticeService / LatticeMeshMember / CedarPolicy objects → the normalized model
// (LATTICE-SPEC §1.3–§1.7, §1.9, §3.6). Normalization is TOTAL: it never throws on bad
// values. It keeps what can be kept and defaults the rest; admission re-reads `.raw` and
// reports what was wrong. Security fields stay undefined when not written (Cedar asks what
// was set explicitly; ./security.ts applies the compiled defaults).

import type {KubeObject, ObjectMeta} from '../core/kube.js'
import {asBool, asNumber, asRecord, asString, asStringList, asStringMap, cloneJson, isRecord, recordEntries, type Json} from './coerce.js'
import {joinPath} from './fieldPath.js'
import type {
  CallerRef, CedarPolicyObject, ContainerSpec, DependencyRef, EgressRule, FileSpec, L7Params, LatticeMeshMember,
  LatticeService, LatticeServiceSpec, MeshMemberPort, Origin, PeerAuthMode, PortSpec, Probe, QuantityPair,
  ResourceSpec, SecuritySpec, ServiceSpecPorts, SidecarSpec, SpecWarning, VolumeMountSpec,
} from './model.js'
import {canonicalizeSeedShape} from './seedShape.js'

export interface NormalizeOptions {
  /** Receives non-fatal findings (defaulted namespace, seed-shape rewrites). */
  warnings?: SpecWarning[]
  /** Apply the §1.11 seed-shape tolerance (local files). Default true; it is a no-op on CRD-shaped objects. */
  seedShape?: boolean
}

export function normalizeService(raw: unknown, origin: Origin, opts: NormalizeOptions = {}): LatticeService {
  const obj = asRecord(raw) ?? {}
  const metadata = normalizeMetadata(obj, origin, opts)
  let spec: unknown = obj.spec
  if (opts.seedShape ?? true) {
    const canonical = canonicalizeSeedShape(spec)
    spec = canonical.spec
    for (const note of canonical.notes) {
      opts.warnings?.push({origin, object: objectKey(metadata), path: joinPath(note.path), message: note.message})
    }
  }
  const out: LatticeService = {
    kind: 'LatticeService',
    metadata,
    spec: serviceSpec(asRecord(spec) ?? {}),
    origin,
    raw: raw as KubeObject,
  }
  const status = asRecord(obj.status)
  if (status) out.status = cloneJson(status)
  return out
}

export function normalizeMeshMember(raw: unknown, origin: Origin, opts: NormalizeOptions = {}): LatticeMeshMember {
  const obj = asRecord(raw) ?? {}
  const metadata = normalizeMetadata(obj, origin, opts)
  const spec = asRecord(obj.spec) ?? {}
  const target = asRecord(spec.target) ?? {}
  const out: LatticeMeshMember = {
    kind: 'LatticeMeshMember',
    metadata,
    spec: {
      target: {
        ...(isRecord(target.selector) ? {selector: asStringMap(target.selector)} : {}),
        ...(asString(target.namespace) !== undefined ? {namespace: asString(target.namespace)} : {}),
      },
      ports: listOfRecords(spec.ports).map(meshPort),
      allowedCallers: listOfRecords(spec.allowedCallers).map(caller),
      dependencies: listOfRecords(spec.dependencies).map((d): DependencyRef => ({
        name: asString(d.name) ?? '',
        namespace: asString(d.namespace) ?? metadata.namespace,
      })),
      egress: listOfRecords(spec.egress).map(egressRule),
      allowPeerTraffic: asBool(spec.allowPeerTraffic) ?? false,
      dependsAll: asBool(spec.dependsAll) ?? false,
      // The CRD defaults ambient to true: operators opt members out of the mesh explicitly.
      ambient: asBool(spec.ambient) ?? true,
    },
    origin,
    raw: raw as KubeObject,
    derived: false,
  }
  const sa = asString(spec.serviceAccount)
  if (sa !== undefined) out.spec.serviceAccount = sa
  if (isRecord(spec.ingress)) out.spec.ingress = cloneJson(spec.ingress)
  const advertise = advertiseOf(spec.advertise)
  if (advertise) out.spec.advertise = advertise
  const status = asRecord(obj.status)
  if (status) out.status = cloneJson(status)
  return out
}

export function normalizeCedarPolicy(raw: unknown, origin: Origin, opts: NormalizeOptions = {}): CedarPolicyObject {
  const obj = asRecord(raw) ?? {}
  const spec = asRecord(obj.spec) ?? {}
  const out: CedarPolicyObject = {
    kind: 'CedarPolicy',
    metadata: normalizeMetadata(obj, origin, opts),
    spec: {
      priority: asNumber(spec.priority) ?? 0,
      enabled: asBool(spec.enabled) ?? true,
      propagate: asBool(spec.propagate) ?? true,
      policies: asString(spec.policies) ?? '',
    },
    origin,
    raw: raw as KubeObject,
  }
  const description = asString(spec.description)
  if (description !== undefined) out.spec.description = description
  const status = asRecord(obj.status)
  if (status) out.status = cloneJson(status)
  return out
}

function objectKey(m: {namespace: string; name: string}): string {
  return `${m.namespace}/${m.name}`
}

function normalizeMetadata(obj: Json, origin: Origin, opts: NormalizeOptions): ObjectMeta & {namespace: string} {
  const raw = asRecord(obj.metadata) ?? {}
  const name = asString(raw.name) ?? ''
  let namespace = asString(raw.namespace)
  if (namespace === undefined || namespace === '') {
    namespace = 'default'
    opts.warnings?.push({origin, object: `default/${name}`, path: 'metadata.namespace', message: `metadata.namespace not set; using 'default'`})
  }
  const meta: ObjectMeta & {namespace: string} = {...cloneJson(raw), name, namespace}
  if (raw.labels !== undefined) meta.labels = asStringMap(raw.labels)
  if (raw.annotations !== undefined) meta.annotations = asStringMap(raw.annotations)
  return meta
}

function listOfRecords(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : []
}

function numberList(v: unknown): number[] {
  return Array.isArray(v) ? v.map(asNumber).filter((n): n is number => n !== undefined) : []
}

function serviceSpec(spec: Json): LatticeServiceSpec {
  const workload = asRecord(spec.workload) ?? {}
  const out: LatticeServiceSpec = {
    replicas: asNumber(spec.replicas) ?? 1,
    workload: {
      containers: Object.fromEntries(recordEntries(workload.containers).map(([k, v]) => [k, container(v)])),
      resources: Object.fromEntries(recordEntries(workload.resources).map(([k, v]) => [k, resource(v)])),
    },
    sidecars: Object.fromEntries(recordEntries(spec.sidecars).map(([k, v]) => [k, sidecar(v)])),
    sysctls: asStringMap(spec.sysctls),
    imagePullSecrets: imagePullSecrets(spec.imagePullSecrets),
  }
  if (isRecord(workload.service)) out.workload.service = service(workload.service)
  const autoscaling = asRecord(spec.autoscaling)
  if (autoscaling) {
    out.autoscaling = {metrics: listOfRecords(autoscaling.metrics).map((m) => cloneJson(m))}
    const max = asNumber(autoscaling.max)
    if (max !== undefined) out.autoscaling.max = max
  }
  const ingress = asRecord(spec.ingress)
  if (ingress) {
    out.ingress = {}
    const gatewayClass = asString(ingress.gatewayClass)
    if (gatewayClass !== undefined) out.ingress.gatewayClass = gatewayClass
    if (isRecord(ingress.routes)) out.ingress.routes = Object.fromEntries(recordEntries(ingress.routes).map(([k, v]) => [k, cloneJson(v)]))
  }
  const advertise = advertiseOf(spec.advertise)
  if (advertise) out.advertise = advertise
  for (const flag of ['hostNetwork', 'shareProcessNamespace', 'automountServiceAccountToken'] as const) {
    const b = asBool(spec[flag])
    if (b !== undefined) out[flag] = b
  }
  const backup = asRecord(spec.backup)
  if (backup) out.backup = isRecord(backup.hooks) ? {hooks: cloneJson(backup.hooks)} : {}
  const observability = asRecord(spec.observability)
  if (observability) {
    const port = asString(asRecord(observability.metrics)?.port)
    out.observability = isRecord(observability.metrics) ? {metrics: port === undefined ? {} : {port}} : {}
  }
  if (isRecord(spec.deploy)) out.deploy = cloneJson(spec.deploy)
  if (isRecord(spec.topology)) out.topology = cloneJson(spec.topology)
  return out
}

/** Names, also accepting the Kubernetes `[{name: x}]` form. */
function imagePullSecrets(v: unknown): string[] {
  if (!Array.isArray(v)) return []
  return v.map((item) => (isRecord(item) ? asString(item.name) : asString(item))).filter((s): s is string => s !== undefined)
}

function advertiseOf(v: unknown): {allowedServices: string[]} | undefined {
  const rec = asRecord(v)
  return rec ? {allowedServices: asStringList(rec.allowedServices) ?? []} : undefined
}

function container(c: Json): ContainerSpec {
  const out: ContainerSpec = {
    image: asString(c.image) ?? '',
    variables: asStringMap(c.variables),
    files: Object.fromEntries(recordEntries(c.files).map(([k, v]) => [k, file(v)])),
    volumes: Object.fromEntries(recordEntries(c.volumes).map(([k, v]) => [k, volume(v)])),
    security: security(asRecord(c.security) ?? {}),
  }
  for (const key of ['command', 'args', 'envFrom'] as const) {
    const list = asStringList(c[key])
    if (list !== undefined) out[key] = list
  }
  const workingDir = asString(c.workingDir)
  if (workingDir !== undefined) out.workingDir = workingDir
  const resources = asRecord(c.resources)
  if (resources) {
    out.resources = {}
    if (isRecord(resources.requests)) out.resources.requests = quantities(resources.requests)
    if (isRecord(resources.limits)) out.resources.limits = quantities(resources.limits)
  }
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    if (isRecord(c[key])) out[key] = probe(c[key] as Json)
  }
  return out
}

function sidecar(c: Json): SidecarSpec {
  const out: SidecarSpec = container(c)
  const init = asBool(c.init)
  if (init !== undefined) out.init = init
  return out
}

function quantities(q: Json): QuantityPair {
  const out: QuantityPair = {}
  const cpu = asString(q.cpu)
  const memory = asString(q.memory)
  if (cpu !== undefined) out.cpu = cpu
  if (memory !== undefined) out.memory = memory
  return out
}

function file(f: Json): FileSpec {
  const out: FileSpec = {}
  for (const key of ['content', 'binaryContent', 'source', 'mode'] as const) {
    const s = asString(f[key])
    if (s !== undefined) out[key] = s
  }
  for (const key of ['noExpand', 'reverseExpand'] as const) {
    const b = asBool(f[key])
    if (b !== undefined) out[key] = b
  }
  return out
}

function volume(v: Json): VolumeMountSpec {
  const out: VolumeMountSpec = {}
  for (const key of ['source', 'path', 'medium', 'sizeLimit'] as const) {
    const s = asString(v[key])
    if (s !== undefined) out[key] = s
  }
  const readOnly = asBool(v.readOnly)
  if (readOnly !== undefined) out.readOnly = readOnly
  return out
}

function probe(p: Json): Probe {
  const out: Probe = {}
  const httpGet = asRecord(p.httpGet)
  if (httpGet) {
    const h: NonNullable<Probe['httpGet']> = {}
    for (const key of ['path', 'scheme', 'host'] as const) {
      const s = asString(httpGet[key])
      if (s !== undefined) h[key] = s
    }
    if (typeof httpGet.port === 'number' || typeof httpGet.port === 'string') h.port = httpGet.port
    if (Array.isArray(httpGet.httpHeaders)) {
      h.httpHeaders = listOfRecords(httpGet.httpHeaders).map((x) => ({name: asString(x.name) ?? '', value: asString(x.value) ?? ''}))
    }
    out.httpGet = h
  }
  const exec = asRecord(p.exec)
  if (exec) out.exec = {command: asStringList(exec.command) ?? []}
  for (const key of ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold'] as const) {
    const n = asNumber(p[key])
    if (n !== undefined) out[key] = n
  }
  return out
}

function security(s: Json): SecuritySpec {
  const out: SecuritySpec = {}
  for (const key of ['capabilities', 'dropCapabilities', 'allowedBinaries'] as const) {
    const list = asStringList(s[key])
    if (list !== undefined) out[key] = list
  }
  for (const key of ['privileged', 'readOnlyRootFilesystem', 'runAsNonRoot', 'allowPrivilegeEscalation'] as const) {
    const b = asBool(s[key])
    if (b !== undefined) out[key] = b
  }
  for (const key of ['runAsUser', 'runAsGroup'] as const) {
    const n = asNumber(s[key])
    if (n !== undefined) out[key] = n
  }
  for (const key of ['seccompProfile', 'seccompLocalhostProfile', 'apparmorProfile', 'apparmorLocalhostProfile'] as const) {
    const str = asString(s[key])
    if (str !== undefined) out[key] = str
  }
  return out
}

function service(s: Json): ServiceSpecPorts {
  const out: ServiceSpecPorts = {
    ports: Object.fromEntries(recordEntries(s.ports).map(([k, v]) => [k, port(v)])),
    serviceType: asString(s.serviceType) ?? 'ClusterIP',
    hostnames: asStringList(s.hostnames) ?? [],
    publishDns: asBool(s.publishDns) ?? false,
  }
  if (isRecord(s.tls)) out.tls = cloneJson(s.tls)
  return out
}

function port(p: Json): PortSpec {
  // 0 stands for "missing or not a number": admission rejects it (A24 / parse error).
  const out: PortSpec = {port: asNumber(p.port) ?? 0, protocol: asString(p.protocol) ?? 'TCP'}
  const target = asNumber(p.targetPort)
  if (target !== undefined) out.targetPort = target
  return out
}

function resource(r: Json): ResourceSpec {
  const rawDirection = r.direction
  const directionSet = rawDirection !== undefined && rawDirection !== null
  const out: ResourceSpec = {
    type: asString(r.type) ?? 'service',
    // A bad direction is kept as written (admission A3 names it); only a non-scalar is lost.
    direction: (directionSet ? asString(rawDirection) : undefined) ?? 'outbound',
    directionSet,
  }
  for (const key of ['namespace', 'id', 'class'] as const) {
    const s = asString(r[key])
    if (s !== undefined) out[key] = s
  }
  if (isRecord(r.params)) out.params = cloneJson(r.params)
  return out
}

function meshPort(p: Json): MeshMemberPort {
  const peerAuth = asString(p.peerAuth)
  const out: MeshMemberPort = {
    name: asString(p.name) ?? '',
    port: asNumber(p.port) ?? 0,
    // An unknown mode is kept as written so admission and the L7 layer can name it.
    peerAuth: (peerAuth !== undefined && peerAuth !== '' ? peerAuth : 'Strict') as PeerAuthMode,
  }
  const servicePort = asNumber(p.servicePort)
  if (servicePort !== undefined) out.servicePort = servicePort
  const protocol = asString(p.protocol)
  if (protocol !== undefined) out.protocol = protocol
  return out
}

function caller(c: Json): CallerRef {
  const out: CallerRef = {name: asString(c.name) ?? ''}
  const ns = asString(c.namespace)
  if (ns !== undefined) out.namespace = ns
  const l7 = asRecord(c.l7)
  if (l7) {
    const params: L7Params = {}
    for (const key of ['methods', 'paths', 'ports'] as const) {
      const list = asStringList(l7[key])
      if (list !== undefined) params[key] = list
    }
    out.l7 = params
  }
  return out
}

function egressRule(e: Json): EgressRule {
  const target = asRecord(e.target) ?? {}
  const out: EgressRule = {target: {}, ports: numberList(e.ports), protocol: asString(e.protocol)?.toUpperCase() === 'UDP' ? 'UDP' : 'TCP'}
  for (const key of ['fqdn', 'cidr', 'entity'] as const) {
    const s = asString(target[key])
    if (s !== undefined) out.target[key] = s
  }
  return out
}
