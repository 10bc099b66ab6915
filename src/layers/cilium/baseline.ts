// Cluster-wide CiliumClusterwideNetworkPolicies (LATTICE-SPEC §5.3, §10.1, §8 D2/D3).
// Cluster-scoped objects carry only the managed-by label (§1.8).

import {AMBIENT_PROBE_CIDR, HBONE_PORT, ISTIOD_XDS_PORT, MESH_ROOT_NAMESPACE, type CompileOptions} from '../../core/constants.js'
import {MANAGED_BY_LABEL, MANAGED_BY_LATTICE, type KubeObject} from '../../core/kube.js'
import {CCNP_KIND, CILIUM_API_VERSION, CLUSTER_DNS_DOMAIN, GATEWAY_NAME_KEY, ISTIOD_SELECTOR, NS_LABEL} from './keys.js'
import {HBONE, dnsRule, toPorts, type Rule} from './rules.js'

/** Supporting CCNPs must never switch a pod into default-deny. */
const ADDITIVE = {ingress: false, egress: false}
const EASTWEST_GATEWAY = 'istio-eastwestgateway'

/**
 * default-deny (seed: both directions via enableDefaultDeny and inert rules; upstream:
 * egress only, with DNS and the API server), then the supporting CCNPs. `mesh-proxy-ingress`
 * is a seed-profile clarification (§10.1): upstream does not install it because its
 * default-deny leaves ingress open.
 */
export function ciliumBaseline(opts: CompileOptions): KubeObject[] {
  const exempt = [...opts.exemptNamespaces].sort()
  const seed = opts.profile !== 'upstream'
  const out = [
    seed ? seedDefaultDeny(exempt) : upstreamDefaultDeny(exempt),
    ccnp('allow-node-ingress', {
      description: 'Allow kubelet probes, webhook callbacks and SNATed traffic from nodes and the API server',
      endpointSelector: {},
      enableDefaultDeny: {...ADDITIVE},
      ingress: [{fromEntities: ['host', 'remote-node', 'kube-apiserver']}],
    }),
    ccnp('allow-ambient-hostprobes', {
      description: 'Allow kubelet probes rewritten by ztunnel to the ambient link-local source',
      endpointSelector: {},
      enableDefaultDeny: {...ADDITIVE},
      ingress: [{fromCIDR: [AMBIENT_PROBE_CIDR]}],
    }),
    ccnp('mesh-proxy-egress', {
      description: 'Allow waypoints and gateways to forward mesh and external traffic',
      endpointSelector: proxySelector(),
      enableDefaultDeny: {...ADDITIVE},
      egress: meshProxyEgress(exempt),
    }),
  ]
  if (seed) {
    out.push(
      ccnp('mesh-proxy-ingress', {
        description: 'Allow HBONE into waypoints and gateways; they authorize callers at L7',
        endpointSelector: proxySelector(),
        enableDefaultDeny: {...ADDITIVE},
        ingress: [{fromEntities: ['cluster'], toPorts: toPorts(HBONE)}],
      }),
    )
  }
  out.push(
    ccnp('eastwest-gateway-ingress', {
      description: 'Allow cross-cluster HBONE into the east-west gateway',
      endpointSelector: {matchLabels: {[NS_LABEL]: MESH_ROOT_NAMESPACE, [GATEWAY_NAME_KEY]: EASTWEST_GATEWAY}},
      enableDefaultDeny: {...ADDITIVE},
      ingress: [{fromCIDR: ['0.0.0.0/0'], toPorts: toPorts(HBONE)}],
    }),
  )
  return out
}

function seedDefaultDeny(exempt: string[]): KubeObject {
  return ccnp('default-deny', {
    description: 'Deny all pod ingress and egress outside system namespaces',
    endpointSelector: outsideNamespaces(exempt),
    enableDefaultDeny: {ingress: true, egress: true},
    // Empty peer lists select nothing: they only make both sections non-empty (§5.3).
    ingress: [{fromEntities: []}],
    egress: [{toEntities: []}],
  })
}

function upstreamDefaultDeny(exempt: string[]): KubeObject {
  return ccnp('default-deny', {
    description: 'Block all ingress traffic by default, allow DNS and K8s API egress',
    endpointSelector: outsideNamespaces(exempt),
    egress: [dnsRule([{matchName: `kubernetes.default.svc.${CLUSTER_DNS_DOMAIN}`}]), {toEntities: ['kube-apiserver']}],
  })
}

function meshProxyEgress(exempt: string[]): Rule[] {
  return [
    dnsRule([]),
    {toEndpoints: [structuredClone(ISTIOD_SELECTOR)], toPorts: toPorts([{port: ISTIOD_XDS_PORT, protocol: 'TCP'}])},
    {toEntities: ['all'], toPorts: toPorts([{port: HBONE_PORT, protocol: 'TCP'}])},
    {toEndpoints: [outsideNamespaces(exempt)]},
    {toCIDR: ['0.0.0.0/0']},
  ]
}

/** Every waypoint and ingress gateway pod. */
function proxySelector(): Record<string, unknown> {
  return {matchExpressions: [{key: GATEWAY_NAME_KEY, operator: 'Exists'}]}
}

function outsideNamespaces(exempt: string[]): Record<string, unknown> {
  return {matchExpressions: [{key: NS_LABEL, operator: 'NotIn', values: [...exempt]}]}
}

function ccnp(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: CILIUM_API_VERSION,
    kind: CCNP_KIND,
    metadata: {name, labels: {[MANAGED_BY_LABEL]: MANAGED_BY_LATTICE}},
    spec,
  }
}
