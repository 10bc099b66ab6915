// The LatticeService / LatticeMeshMember / CedarPolicy model after loading and
// normalization (LATTICE-SPEC §1). Field names follow the CRD (camelCase). Maps keep the
// order in which they were written: edge order, DNS names and principals follow it (§10.7).
//
// Normalization fills defaults only where the spec defines one and the compilers need it;
// security fields stay as written (undefined = "not set") because Cedar asks what was set
// explicitly. `effectiveSecurity()` in ./security.ts gives the compiled values.

import type {KubeObject, ObjectMeta} from '../core/kube.js'

/** Where an object came from, for one-line errors (`file: field.path: message`). */
export interface Origin {
  /** File path, or `cluster` for live objects. */
  file: string
  /** 0-based index of the YAML document (or List item) within the file. */
  index: number
}

export type Direction = 'outbound' | 'inbound' | 'both'

export interface QuantityPair {
  cpu?: string
  memory?: string
}

export interface Probe {
  httpGet?: {path?: string; port?: number | string; scheme?: string; host?: string; httpHeaders?: Array<{name: string; value: string}>}
  exec?: {command: string[]}
  initialDelaySeconds?: number
  periodSeconds?: number
  timeoutSeconds?: number
  failureThreshold?: number
  successThreshold?: number
}

export type ProfileKind = 'RuntimeDefault' | 'Unconfined' | 'Localhost'

export interface SecuritySpec {
  capabilities?: string[]
  dropCapabilities?: string[]
  privileged?: boolean
  readOnlyRootFilesystem?: boolean
  runAsNonRoot?: boolean
  runAsUser?: number
  runAsGroup?: number
  allowPrivilegeEscalation?: boolean
  seccompProfile?: ProfileKind | string
  seccompLocalhostProfile?: string
  apparmorProfile?: ProfileKind | string
  apparmorLocalhostProfile?: string
  allowedBinaries?: string[]
}

export interface FileSpec {
  content?: string
  binaryContent?: string
  source?: string
  mode?: string
  noExpand?: boolean
  reverseExpand?: boolean
}

export interface VolumeMountSpec {
  source?: string
  path?: string
  readOnly?: boolean
  medium?: string
  sizeLimit?: string
}

export interface ContainerSpec {
  image: string
  command?: string[]
  args?: string[]
  workingDir?: string
  variables: Record<string, string>
  resources?: {requests?: QuantityPair; limits?: QuantityPair}
  files: Record<string, FileSpec>
  volumes: Record<string, VolumeMountSpec>
  livenessProbe?: Probe
  readinessProbe?: Probe
  startupProbe?: Probe
  envFrom?: string[]
  security: SecuritySpec
}

export interface SidecarSpec extends ContainerSpec {
  init?: boolean
}

export interface PortSpec {
  port: number
  /** Undefined when not written; the container port is then `port`. */
  targetPort?: number
  protocol: string // TCP (default) | UDP | SCTP
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer'

export interface ServiceSpecPorts {
  ports: Record<string, PortSpec>
  serviceType: ServiceType | string
  hostnames: string[]
  publishDns: boolean
  tls?: Record<string, unknown>
}

/** L7 extension on inbound `service` resources (§6.3.2): methods/paths/port names. */
export interface L7Params {
  methods?: string[]
  paths?: string[]
  ports?: string[]
}

export interface ResourceSpec {
  type: string // service | external-service | volume | secret | gpu | <custom>
  direction: Direction | string
  /** False when `direction` was omitted and defaulted to outbound (§2.4 warning). */
  directionSet: boolean
  namespace?: string
  id?: string
  class?: string
  params?: Record<string, unknown>
}

export interface LatticeServiceSpec {
  replicas: number
  autoscaling?: {max?: number; metrics?: Array<Record<string, unknown>>}
  workload: {
    containers: Record<string, ContainerSpec>
    service?: ServiceSpecPorts
    resources: Record<string, ResourceSpec>
  }
  sidecars: Record<string, SidecarSpec>
  ingress?: {gatewayClass?: string; routes?: Record<string, Record<string, unknown>>}
  advertise?: {allowedServices: string[]}
  sysctls: Record<string, string>
  hostNetwork?: boolean
  shareProcessNamespace?: boolean
  automountServiceAccountToken?: boolean
  imagePullSecrets: string[]
  backup?: {hooks?: Record<string, unknown>}
  observability?: {metrics?: {port?: string}}
  deploy?: Record<string, unknown>
  topology?: Record<string, unknown>
}

export interface LatticeServiceStatus {
  phase?: string
  message?: string
  observedGeneration?: number
  conditions?: Array<{type: string; status: string; reason?: string; message?: string}>
}

export interface LatticeService {
  kind: 'LatticeService'
  metadata: ObjectMeta & {namespace: string}
  spec: LatticeServiceSpec
  status?: LatticeServiceStatus
  origin: Origin
  /** The object exactly as read (admission re-validates it). */
  raw: KubeObject
}

export type PeerAuthMode = 'Strict' | 'Permissive' | 'Webhook'

/**
 * Drops the documents as read (`raw`) of every service and mesh member, keeping only their
 * identity, once nothing will admit them again or write them back: `platform compile`
 * after admission. At 10,000 services they are ~24 MB of a compile's live heap.
 */
export function forgetSourceDocuments(specs: Pick<SpecSet, 'services' | 'meshMembers'>): void {
  for (const o of [...specs.services, ...specs.meshMembers]) {
    o.raw = {apiVersion: o.raw.apiVersion, kind: o.raw.kind, metadata: o.raw.metadata}
  }
}

export interface MeshMemberPort {
  name: string
  /** Container / target port. */
  port: number
  /** Only when the Service maps servicePort → targetPort. */
  servicePort?: number
  peerAuth: PeerAuthMode
  protocol?: string
}

export interface CallerRef {
  name: string // "*" = any caller that declares this member outbound
  namespace?: string // absent only for "*"
  /** Extension: L7 constraints this caller is limited to (§6.3.2). */
  l7?: L7Params
}

export interface DependencyRef {
  name: string
  namespace: string
}

export interface EgressTarget {
  fqdn?: string
  cidr?: string
  entity?: string
}

export interface EgressRule {
  target: EgressTarget
  ports: number[]
  protocol: 'TCP' | 'UDP'
  /** Resource key and endpoint name it came from (for messages). */
  resource?: string
  endpoint?: string
}

export interface MeshMemberSpec {
  target: {selector?: Record<string, string>; namespace?: string}
  ports: MeshMemberPort[]
  allowedCallers: CallerRef[]
  dependencies: DependencyRef[]
  egress: EgressRule[]
  allowPeerTraffic: boolean
  dependsAll: boolean
  ambient: boolean
  serviceAccount?: string
  ingress?: Record<string, unknown>
  advertise?: {allowedServices: string[]}
}

export interface LatticeMeshMember {
  kind: 'LatticeMeshMember'
  metadata: ObjectMeta & {namespace: string}
  spec: MeshMemberSpec
  status?: Record<string, unknown>
  origin: Origin
  raw: KubeObject
  /** True when compiled from a LatticeService, false when written by an operator. */
  derived: boolean
}

export interface CedarPolicyObject {
  kind: 'CedarPolicy'
  metadata: ObjectMeta & {namespace: string}
  spec: {
    description?: string
    priority: number
    enabled: boolean
    propagate: boolean
    policies: string
  }
  status?: Record<string, unknown>
  origin: Origin
  raw: KubeObject
}

export type LatticeObject = LatticeService | LatticeMeshMember | CedarPolicyObject

/** Everything loaded from spec files (or the cluster), plus non-fatal warnings. */
export interface SpecSet {
  services: LatticeService[]
  meshMembers: LatticeMeshMember[]
  cedarPolicies: CedarPolicyObject[]
  /** Other Kubernetes objects found in the files (ignored by the pipeline, kept for tooling). */
  others: KubeObject[]
  warnings: SpecWarning[]
}

export interface SpecWarning {
  origin: Origin
  object?: string // ns/name
  path?: string // field path
  message: string
}

/** `ns/name` key used everywhere for services and mesh members. */
export function keyOf(o: {metadata: {namespace?: string; name: string}}): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`
}
