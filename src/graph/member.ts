// The LatticeMeshMember a LatticeService compiles into (LATTICE-SPEC §1.9): the mesh
// intent every layer compiler reads for Local nodes.

import {LATTICE_API_VERSION} from '../core/constants.js'
import {NAME_LABEL} from '../core/kube.js'
import {names} from '../core/names.js'
import type {CallerRef, LatticeMeshMember, LatticeService, MeshMemberPort, MeshMemberSpec} from '../spec/model.js'
import {compareRefs, serviceDeclarations, WILDCARD} from './declarations.js'
import {egressRulesOf, type EgressContext} from './egress.js'

export type DeriveContext = EgressContext

/** `decl`: the service's declarations when the caller already read them (graph building). */
export function deriveMeshMember(svc: LatticeService, ctx: DeriveContext = {}, decl = serviceDeclarations(svc, ctx.profile ?? 'seed')): LatticeMeshMember {
  const {name, namespace} = svc.metadata
  const spec: MeshMemberSpec = {
    target: {selector: {[NAME_LABEL]: name}},
    ports: portsOf(svc),
    allowedCallers: allowedCallersOf(svc, decl.allowsAll, decl.callers),
    dependencies: [...decl.dependencies].sort(compareRefs),
    egress: egressRulesOf(svc, ctx),
    allowPeerTraffic: false,
    dependsAll: false,
    ambient: true,
  }
  if (svc.spec.ingress) spec.ingress = {...svc.spec.ingress}
  if (svc.spec.advertise) spec.advertise = {allowedServices: [...svc.spec.advertise.allowedServices]}
  const metadata = {name, namespace}
  return {
    kind: 'LatticeMeshMember',
    metadata,
    spec,
    origin: svc.origin,
    raw: {apiVersion: LATTICE_API_VERSION, kind: 'LatticeMeshMember', metadata: {...metadata}, spec},
    derived: true,
  }
}

/** The mesh enforces on the container port; servicePort only when the Service remaps it. */
export function portsOf(svc: LatticeService): MeshMemberPort[] {
  const service = svc.spec.workload.service
  if (!service) return []
  // Traffic from outside the mesh has no SPIFFE identity, so external types cannot be Strict.
  const external = service.serviceType === 'NodePort' || service.serviceType === 'LoadBalancer'
  return Object.entries(service.ports).map(([portName, p]) => {
    const port: MeshMemberPort = {name: portName, port: p.targetPort ?? p.port, peerAuth: external ? 'Permissive' : 'Strict'}
    if (p.targetPort !== undefined) port.servicePort = p.port
    if (p.protocol) port.protocol = p.protocol
    return port
  })
}

function allowedCallersOf(svc: LatticeService, allowsAll: boolean, slots: ReturnType<typeof serviceDeclarations>['callers']): CallerRef[] {
  const ns = svc.metadata.namespace
  // A wildcard makes every named entry (and its L7 constraints) moot.
  const out: CallerRef[] = allowsAll
    ? [{name: WILDCARD}]
    : slots.flatMap((s) => (s.kind === 'caller' ? [{...s.ref}] : [])).sort(compareRefs)
  if (Object.keys(svc.spec.ingress?.routes ?? {}).length > 0) out.push({name: names.ingressGatewaySa(ns), namespace: ns})
  return out
}
