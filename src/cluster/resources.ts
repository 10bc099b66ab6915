// Every API resource the CLI reads, in one place: the request paths, the list-item kinds
// (the API omits apiVersion/kind on list items) and the permission list derive from it.

export interface ResourceDef {
  /** '' for the core group. */
  group: string
  version: string
  /** Plural resource name as in the URL. */
  resource: string
  kind: string
  namespaced: boolean
  /** Served by a CRD: a 404 on the collection means "not installed", not "not found". */
  crd: boolean
}

function def(group: string, version: string, resource: string, kind: string, namespaced: boolean, crd: boolean): ResourceDef {
  return {group, version, resource, kind, namespaced, crd}
}

export const RESOURCES = {
  latticeServices: def('lattice.dev', 'v1alpha1', 'latticeservices', 'LatticeService', true, true),
  latticeMeshMembers: def('lattice.dev', 'v1alpha1', 'latticemeshmembers', 'LatticeMeshMember', true, true),
  cedarPolicies: def('lattice.dev', 'v1alpha1', 'cedarpolicies', 'CedarPolicy', true, true),
  namespaces: def('', 'v1', 'namespaces', 'Namespace', false, false),
  pods: def('', 'v1', 'pods', 'Pod', true, false),
  services: def('', 'v1', 'services', 'Service', true, false),
  configMaps: def('', 'v1', 'configmaps', 'ConfigMap', true, false),
  ciliumEndpoints: def('cilium.io', 'v2', 'ciliumendpoints', 'CiliumEndpoint', true, true),
  ciliumNetworkPolicies: def('cilium.io', 'v2', 'ciliumnetworkpolicies', 'CiliumNetworkPolicy', true, true),
  ciliumClusterwideNetworkPolicies: def('cilium.io', 'v2', 'ciliumclusterwidenetworkpolicies', 'CiliumClusterwideNetworkPolicy', false, true),
  authorizationPolicies: def('security.istio.io', 'v1', 'authorizationpolicies', 'AuthorizationPolicy', true, true),
  peerAuthentications: def('security.istio.io', 'v1', 'peerauthentications', 'PeerAuthentication', true, true),
  serviceEntries: def('networking.istio.io', 'v1', 'serviceentries', 'ServiceEntry', true, true),
  gateways: def('gateway.networking.k8s.io', 'v1', 'gateways', 'Gateway', true, true),
  tracingPolicies: def('cilium.io', 'v1alpha1', 'tracingpolicies', 'TracingPolicy', false, true),
  tracingPoliciesNamespaced: def('cilium.io', 'v1alpha1', 'tracingpoliciesnamespaced', 'TracingPolicyNamespaced', true, true),
  networkPolicies: def('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, false),
  deployments: def('apps', 'v1', 'deployments', 'Deployment', true, false),
  statefulSets: def('apps', 'v1', 'statefulsets', 'StatefulSet', true, false),
  daemonSets: def('apps', 'v1', 'daemonsets', 'DaemonSet', true, false),
} as const satisfies Record<string, ResourceDef>

export type ResourceKey = keyof typeof RESOURCES

export function apiVersionOf(r: ResourceDef): string {
  return r.group ? `${r.group}/${r.version}` : r.version
}

/** `ciliumnetworkpolicies.cilium.io`, or `pods` for the core group (kubectl's spelling). */
export function qualifiedName(r: Pick<ResourceDef, 'group' | 'resource'>): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource
}

/** `/apis/cilium.io/v2/namespaces/commerce/ciliumnetworkpolicies[/name]`. */
export function resourcePath(r: ResourceDef, namespace?: string, name?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`
  const ns = r.namespaced ? `/namespaces/${encodeURIComponent(requireNamespace(r, namespace))}` : ''
  return `${base}${ns}/${r.resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`
}

function requireNamespace(r: ResourceDef, namespace: string | undefined): string {
  if (!namespace) throw new Error(`${qualifiedName(r)} is namespaced: a namespace is required`)
  return namespace
}
