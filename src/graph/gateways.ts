// The namespace ingress gateway (LATTICE-SPEC §4.6, §10.15, Appendix A). The platform
// deploys it in every namespace where a service has `spec.ingress.routes`, so it is a
// graph node offline too: a LatticeMeshMember `<ns>-ingress-istio` (SA of the same name)
// with `dependsAll: true`, selecting the pods of the Gateway `<ns>-ingress`. Upstream
// lattice's media-stack fixture: jellyfin and nzbget allow `<ns>-ingress-istio`.
//
// It is the platform's own member, not an operator's: its `dependsAll` is not an
// AllowWildcard request (the edge to every service with routes is what §10.15 binds), and
// it has no spec of its own to compile, so nothing is emitted for it — its pods are
// covered by the supporting CCNPs for gateway pods (§5.3 mesh-proxy-egress, §10.1).
// An operator-written LatticeMeshMember of the same name wins over this default.

import {GATEWAY_NAME_LABEL, LATTICE_API_VERSION} from '../core/constants.js'
import {names} from '../core/names.js'
import type {LatticeMeshMember, LatticeService} from '../spec/model.js'
import type {DeclaredNode} from './nodes.js'

/** Name of the Gateway object whose pods carry the gateway-name label (Appendix A). */
export const ingressGatewayName = (ns: string) => `${ns}-ingress`

export function ingressGatewayKey(ns: string): string {
  return `${ns}/${names.ingressGatewaySa(ns)}`
}

export function hasIngressRoutes(svc: LatticeService): boolean {
  return Object.keys(svc.spec.ingress?.routes ?? {}).length > 0
}

/** Namespaces where the platform deploys an ingress gateway (§10.15), in first-seen order. */
export function ingressGatewayNamespaces(services: Iterable<LatticeService>): string[] {
  const out = new Set<string>()
  for (const svc of services) if (hasIngressRoutes(svc)) out.add(svc.metadata.namespace)
  return [...out]
}

/** Keys (`ns/<ns>-ingress-istio`) of the gateways these services imply. */
export function ingressGatewayKeys(services: Iterable<LatticeService>): string[] {
  return ingressGatewayNamespaces(services).map(ingressGatewayKey)
}

/** The gateway's mesh member as the platform writes it. */
export function ingressGatewayMember(ns: string): LatticeMeshMember {
  const name = names.ingressGatewaySa(ns)
  const metadata = {name, namespace: ns}
  const spec = {
    target: {selector: {[GATEWAY_NAME_LABEL]: ingressGatewayName(ns)}},
    ports: [],
    allowedCallers: [],
    dependencies: [],
    egress: [],
    allowPeerTraffic: false,
    dependsAll: true,
    ambient: true,
    serviceAccount: name,
  }
  return {
    kind: 'LatticeMeshMember',
    metadata,
    spec,
    origin: {file: '(platform: namespace ingress gateway, LATTICE-SPEC §10.15)', index: 0},
    raw: {apiVersion: LATTICE_API_VERSION, kind: 'LatticeMeshMember', metadata: {...metadata}, spec},
    derived: true,
  }
}

export function ingressGatewayNode(ns: string): DeclaredNode {
  const member = ingressGatewayMember(ns)
  const {name} = member.metadata
  return {
    decl: {dependencies: [], callers: [], allowsAll: false, dependsAll: true, implicitCallers: []},
    node: {
      key: `${ns}/${name}`,
      namespace: ns,
      name,
      kind: 'LatticeMeshMember',
      serviceAccount: name,
      selector: {...member.spec.target.selector},
      namespaceScoped: false,
      ambient: true,
      ports: [],
      egress: [],
      allowedCallers: [],
      allowsAll: false,
      dependsAll: true,
      allowPeerTraffic: false,
      member,
      platform: 'ingress-gateway',
    },
  }
}
