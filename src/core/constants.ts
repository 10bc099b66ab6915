// Platform constants (LATTICE-SPEC Appendix A, §5.2, §6).

export type Profile = 'seed' | 'upstream'

export const LATTICE_API_VERSION = 'lattice.dev/v1alpha1'
export const HBONE_PORT = 15008
export const ISTIOD_XDS_PORT = 15012
export const AMBIENT_PROBE_CIDR = '169.254.7.127/32'
export const MESH_ROOT_NAMESPACE = 'istio-system'
export const CEDAR_POLICY_NAMESPACE = 'lattice-system'
export const DEFAULT_TRUST_DOMAIN = 'cluster.local'
export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint'
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name'
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint'
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for'
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode'
export const VMAGENT = {namespace: 'monitoring', name: 'vmagent', serviceAccount: 'vmagent-lattice-metrics'}

export const SEED_EXEMPT_NAMESPACES = ['cert-manager', 'cilium-system', 'istio-system', 'kube-system']

export const UPSTREAM_EXEMPT_NAMESPACES = [
  'capa-system', 'capd-system', 'capi-basis-system', 'capi-ipam-in-cluster-system',
  'capi-kubeadm-bootstrap-system', 'capi-kubeadm-control-plane-system', 'capi-system',
  'capmox-system', 'cert-manager', 'cilium-system', 'external-dns', 'istio-system',
  'kube-node-lease', 'kube-public', 'kube-system', 'rke2-bootstrap-system',
  'rke2-control-plane-system', 'rook-ceph', 'velero',
]

export function exemptNamespacesFor(profile: Profile): string[] {
  return profile === 'upstream' ? [...UPSTREAM_EXEMPT_NAMESPACES] : [...SEED_EXEMPT_NAMESPACES]
}

/** Options shared by every compiler. */
export interface CompileOptions {
  profile: Profile
  trustDomain: string
  /** Namespaces exempt from the cluster default-deny (and admission rule A1). Sorted. */
  exemptNamespaces: string[]
}

export function defaultCompileOptions(partial: Partial<CompileOptions> = {}): CompileOptions {
  const profile = partial.profile ?? 'seed'
  return {
    profile,
    trustDomain: partial.trustDomain ?? DEFAULT_TRUST_DOMAIN,
    exemptNamespaces: [...(partial.exemptNamespaces ?? exemptNamespacesFor(profile))].sort(),
  }
}
