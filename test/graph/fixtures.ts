// LatticeService / LatticeMeshMember objects built directly (matching src/spec/model.ts),
// so graph tests do not depend on the YAML loader.
import type {LatticeMeshMember, LatticeService, MeshMemberSpec, PortSpec, ResourceSpec, ServiceSpecPorts} from '../../src/spec/model.js'

export interface SvcInput {
  resources?: Record<string, Partial<ResourceSpec> & {direction: string}>
  ports?: Record<string, Partial<PortSpec> & {port: number}>
  serviceType?: string
  routes?: Record<string, Record<string, unknown>>
  metricsPort?: string
  advertise?: {allowedServices: string[]}
}

export function svc(ns: string, name: string, input: SvcInput = {}): LatticeService {
  const resources: Record<string, ResourceSpec> = {}
  for (const [k, r] of Object.entries(input.resources ?? {})) resources[k] = {type: 'service', directionSet: true, ...r}
  let service: ServiceSpecPorts | undefined
  if (input.ports) {
    const ports: Record<string, PortSpec> = {}
    for (const [k, p] of Object.entries(input.ports)) ports[k] = {protocol: 'TCP', ...p}
    service = {ports, serviceType: input.serviceType ?? 'ClusterIP', hostnames: [], publishDns: false}
  }
  return {
    kind: 'LatticeService',
    metadata: {name, namespace: ns},
    spec: {
      replicas: 1,
      workload: {containers: {main: {image: 'x', variables: {}, files: {}, volumes: {}, security: {}}}, service, resources},
      sidecars: {},
      sysctls: {},
      imagePullSecrets: [],
      ...(input.routes ? {ingress: {routes: input.routes}} : {}),
      ...(input.metricsPort ? {observability: {metrics: {port: input.metricsPort}}} : {}),
      ...(input.advertise ? {advertise: input.advertise} : {}),
    },
    origin: {file: 'test.yaml', index: 0},
    raw: {apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService', metadata: {name, namespace: ns}},
  }
}

export function lmm(ns: string, name: string, spec: Partial<MeshMemberSpec> = {}): LatticeMeshMember {
  return {
    kind: 'LatticeMeshMember',
    metadata: {name, namespace: ns},
    spec: {
      target: {selector: {app: name}},
      ports: [],
      allowedCallers: [],
      dependencies: [],
      egress: [],
      allowPeerTraffic: false,
      dependsAll: false,
      ambient: true,
      ...spec,
    },
    origin: {file: 'test.yaml', index: 0},
    raw: {apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', metadata: {name, namespace: ns}},
    derived: false,
  }
}

export const out = (extra: Partial<ResourceSpec> = {}) => ({direction: 'outbound', ...extra})
export const inb = (extra: Partial<ResourceSpec> = {}) => ({direction: 'inbound', ...extra})
export const both = (extra: Partial<ResourceSpec> = {}) => ({direction: 'both', ...extra})
export const ext = (endpoints: Record<string, string>, extra: Partial<ResourceSpec> = {}) => ({
  type: 'external-service',
  direction: 'outbound',
  params: {endpoints},
  ...extra,
})
