// The typed shape the webhook deserializes a LatticeService / LatticeMeshMember into
// (LATTICE-SPEC §1.3–§1.7, §1.9). Per-type resource `params` stay free-form here: they are
// checked by the semantic rules (A5–A11, A26), as upstream does.

import {isDnsLabel} from './grammar.js'
import {unexpected, type Shape} from './serde.js'

const any: Shape = {t: 'any'}
const string: Shape = {t: 'string'}
const bool: Shape = {t: 'bool'}
const u16: Shape = {t: 'int', name: 'u16'}
const u32: Shape = {t: 'int', name: 'u32'}
const i32: Shape = {t: 'int', name: 'i32'}
const i64: Shape = {t: 'int', name: 'i64'}
const quantity: Shape = {t: 'quantity'}
const list = (of: Shape): Shape => ({t: 'list', of})
const map = (of: Shape): Shape => ({t: 'map', of})
const struct = (name: string, fields: Record<string, Shape>, required: string[] = []): Shape => ({t: 'struct', name, fields, required})

export const DIRECTIONS = ['outbound', 'inbound', 'both'] as const
export const BUILTIN_RESOURCE_TYPES = ['service', 'external-service', 'volume', 'secret', 'gpu'] as const
export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const
export const PEER_AUTH_MODES = ['Strict', 'Permissive', 'Webhook'] as const
const PROFILES = ['RuntimeDefault', 'Unconfined', 'Localhost']

/** A4: built-in type names always win; anything else must be a DNS label. */
const resourceType: Shape = {
  t: 'custom',
  rule: 'A4',
  check(v) {
    if (typeof v !== 'string') return `invalid type: ${unexpected(v)}, expected a resource type string`
    if ((BUILTIN_RESOURCE_TYPES as readonly string[]).includes(v) || isDnsLabel(v)) return undefined
    return `invalid resource type '${v}' (custom types must be DNS labels: lowercase alphanumeric with hyphens, starting with a letter, max 63 chars)`
  },
}

const quantities = struct('ResourceQuantity', {cpu: quantity, memory: quantity})
const probe = struct('Probe', {
  httpGet: struct('HttpGetProbe', {
    path: string, port: {t: 'intOrString'}, scheme: string, host: string,
    httpHeaders: list(struct('HttpHeader', {name: string, value: string}, ['name', 'value'])),
  }, ['port']),
  exec: struct('ExecProbe', {command: list(string)}, ['command']),
  initialDelaySeconds: i32, periodSeconds: i32, timeoutSeconds: i32, failureThreshold: i32, successThreshold: i32,
})
const security = struct('SecurityContext', {
  capabilities: list(string), dropCapabilities: list(string), privileged: bool, readOnlyRootFilesystem: bool,
  runAsNonRoot: bool, runAsUser: i64, runAsGroup: i64, allowPrivilegeEscalation: bool,
  seccompProfile: {t: 'enum', values: PROFILES}, seccompLocalhostProfile: string,
  apparmorProfile: {t: 'enum', values: PROFILES}, apparmorLocalhostProfile: string,
  allowedBinaries: list(string),
})
const containerFields: Record<string, Shape> = {
  image: string, command: list(string), args: list(string), workingDir: string, variables: map(string),
  resources: struct('ResourceRequirements', {requests: quantities, limits: quantities}),
  files: map(struct('FileMount', {content: string, binaryContent: string, source: string, mode: string, noExpand: bool, reverseExpand: bool})),
  volumes: map(struct('VolumeMount', {source: string, path: string, readOnly: bool, medium: string, sizeLimit: string})),
  livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
  envFrom: list(string), security,
}
const container = struct('ContainerSpec', containerFields, ['image'])
const sidecar = struct('SidecarSpec', {...containerFields, init: bool}, ['image'])

const resource = struct('ResourceSpec', {
  type: resourceType,
  direction: {t: 'enum', values: DIRECTIONS, rule: 'A3'},
  namespace: string, id: string, class: string, metadata: any, params: map(any),
})

const service = struct('ServicePortsSpec', {
  ports: map(struct('PortSpec', {port: u16, targetPort: u16, protocol: {t: 'enum', values: ['TCP', 'UDP', 'SCTP']}}, ['port'])),
  serviceType: {t: 'enum', values: SERVICE_TYPES},
  hostnames: list(string), publishDns: bool, tls: map(any),
})

export const LATTICE_SERVICE_SHAPE: Shape = struct('LatticeService', {
  spec: struct('LatticeServiceSpec', {
    workload: struct('WorkloadSpec', {containers: map(container), service, resources: map(resource)}),
    replicas: u32,
    autoscaling: struct('AutoscalingSpec', {max: u32, metrics: list(any)}),
    deploy: struct('DeploySpec', {strategy: {t: 'enum', values: ['rolling', 'canary']}, canary: any}),
    ingress: map(any),
    advertise: struct('AdvertiseSpec', {allowedServices: list(string)}),
    sidecars: map(sidecar),
    sysctls: map(string),
    hostNetwork: bool, shareProcessNamespace: bool, automountServiceAccountToken: bool,
    imagePullSecrets: list(string),
    backup: any, topology: any, observability: any,
  }, ['workload']),
}, ['spec'])

export const MESH_MEMBER_SHAPE: Shape = struct('LatticeMeshMember', {
  spec: struct('LatticeMeshMemberSpec', {
    target: struct('MeshMemberTarget', {selector: map(string), namespace: string}),
    ports: list(struct('MeshMemberPort', {name: string, port: u16, servicePort: u16, peerAuth: {t: 'enum', values: PEER_AUTH_MODES}, protocol: string}, ['name', 'port'])),
    allowedCallers: list(struct('CallerRef', {name: string, namespace: string}, ['name'])),
    dependencies: list(struct('DependencyRef', {name: string, namespace: string}, ['name'])),
    egress: list(struct('EgressRule', {target: map(string), ports: list(u16), protocol: {t: 'enum', values: ['TCP', 'UDP']}}, ['target'])),
    allowPeerTraffic: bool, dependsAll: bool, ambient: bool, serviceAccount: string,
    ingress: any, advertise: any,
  }, ['target']),
}, ['spec'])
