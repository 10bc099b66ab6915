// Every request readPairState makes for A = shop/checkout, B = commerce/payments, with a
// realistic answer, so a test can break exactly one source and check the others.
import nock from 'nock'
import {aggregatedDiscovery, list, objects as o, SERVER, status} from './fixtures.js'

export interface Route {
  id: string
  path: string
  query?: Record<string, string>
  body: unknown
}

export type Fault =
  | {http: number; message?: string}
  | {delayMs: number}
  | {error: string}
  | {raw: string}

export const PAIR = {source: {namespace: 'shop', name: 'checkout'}, target: {namespace: 'commerce', name: 'payments'}}

const L = 'lattice.dev/v1alpha1'
const C = 'cilium.io/v2'

export function pairRoutes(): Route[] {
  const routes: Route[] = [{id: 'discovery', path: '/apis', body: aggregatedDiscovery()}]
  const add = (id: string, path: string, body: unknown, query?: Record<string, string>) => routes.push({id, path, body, ...(query ? {query} : {})})
  for (const ns of ['shop', 'commerce']) {
    const app = ns === 'shop' ? 'checkout' : 'payments'
    add(`latticeServices/${ns}`, `/apis/lattice.dev/v1alpha1/namespaces/${ns}/latticeservices`, list(L, 'LatticeService', [o.latticeService(ns, app)]))
    add(`meshMembers/${ns}`, `/apis/lattice.dev/v1alpha1/namespaces/${ns}/latticemeshmembers`, list(L, 'LatticeMeshMember', [o.meshMember(ns, app)]))
    add(`namespaces/${ns}`, `/api/v1/namespaces/${ns}`, o.namespace(ns, {'istio.io/dataplane-mode': 'ambient'}))
    add(`cnps/${ns}`, `/apis/cilium.io/v2/namespaces/${ns}/ciliumnetworkpolicies`, list(C, 'CiliumNetworkPolicy', [o.cnp(ns, `cnp-mesh-${ns}`)]))
    add(`serviceEntries/${ns}`, `/apis/networking.istio.io/v1/namespaces/${ns}/serviceentries`, list('networking.istio.io/v1', 'ServiceEntry', ns === 'commerce' ? [o.serviceEntry(ns, 'se-auto-b3a048a9')] : []))
    add(`gateways/${ns}`, `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/gateways`, list('gateway.networking.k8s.io/v1', 'Gateway', ns === 'commerce' ? [o.gateway(ns, 'commerce-waypoint')] : []))
    add(`networkPolicies/${ns}`, `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`, list('networking.k8s.io/v1', 'NetworkPolicy', []))
    add(`tracingPoliciesNamespaced/${ns}`, `/apis/cilium.io/v1alpha1/namespaces/${ns}/tracingpoliciesnamespaced`, list('cilium.io/v1alpha1', 'TracingPolicyNamespaced', [o.tracingPolicyNamespaced(ns, `allow-binaries-${app}`)]))
  }
  add('cedarPolicies/lattice-system', '/apis/lattice.dev/v1alpha1/namespaces/lattice-system/cedarpolicies', list(L, 'CedarPolicy', [o.cedarPolicy('default-permit')]))
  add('podsA', '/api/v1/namespaces/shop/pods', list('v1', 'Pod', [o.pod('shop', 'checkout-7c9f8d6b5-abcde', 'checkout')]), {labelSelector: 'app.kubernetes.io/name=checkout'})
  add('podsB', '/api/v1/namespaces/commerce/pods', list('v1', 'Pod', [o.pod('commerce', 'payments-5d4c3b2a1-xyz12', 'payments', {ip: '10.244.2.9'})]), {labelSelector: 'app.kubernetes.io/name=payments'})
  add('servicesB#name', '/api/v1/namespaces/commerce/services', list('v1', 'Service', [o.service('commerce', 'payments')]), {fieldSelector: 'metadata.name=payments'})
  add('servicesB#label', '/api/v1/namespaces/commerce/services', list('v1', 'Service', [o.service('commerce', 'payments'), o.service('commerce', 'payments-admin', {labels: {'app.kubernetes.io/name': 'payments'}})]), {labelSelector: 'app.kubernetes.io/name=payments'})
  add('ciliumEndpointsA', '/apis/cilium.io/v2/namespaces/shop/ciliumendpoints', list(C, 'CiliumEndpoint', [o.ciliumEndpoint('shop', 'checkout-7c9f8d6b5-abcde', 'checkout')]), {labelSelector: 'app.kubernetes.io/name=checkout'})
  add('ciliumEndpointsB', '/apis/cilium.io/v2/namespaces/commerce/ciliumendpoints', list(C, 'CiliumEndpoint', [o.ciliumEndpoint('commerce', 'payments-5d4c3b2a1-xyz12', 'payments', {ingress: false})]), {labelSelector: 'app.kubernetes.io/name=payments'})
  add('ccnps', '/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies', list(C, 'CiliumClusterwideNetworkPolicy', [o.ccnp('default-deny'), o.ccnp('mesh-proxy-egress')]))
  for (const ns of ['commerce', 'istio-system']) {
    add(`authorizationPolicies/${ns}`, `/apis/security.istio.io/v1/namespaces/${ns}/authorizationpolicies`, list('security.istio.io/v1', 'AuthorizationPolicy', [o.authorizationPolicy(ns, ns === 'istio-system' ? 'mesh-default-deny' : 'allow-to-3d68c7ca')]))
    add(`peerAuthentications/${ns}`, `/apis/security.istio.io/v1/namespaces/${ns}/peerauthentications`, list('security.istio.io/v1', 'PeerAuthentication', ns === 'istio-system' ? [o.peerAuthentication(ns, 'default')] : []))
  }
  add('tracingPolicies', '/apis/cilium.io/v1alpha1/tracingpolicies', list('cilium.io/v1alpha1', 'TracingPolicy', [o.tracingPolicy('lattice-runtime-baseline')]))
  add('ciliumConfig/kube-system', '/api/v1/namespaces/kube-system/configmaps/cilium-config', o.configMap('kube-system', 'cilium-config', {'enable-policy': 'default', 'cluster-name': 'prod'}))
  add('ciliumConfig/cilium-system', '/api/v1/namespaces/cilium-system/configmaps/cilium-config', status(404, 'NotFound', 'configmaps "cilium-config" not found'))
  add('istioConfig', '/api/v1/namespaces/istio-system/configmaps/istio', o.configMap('istio-system', 'istio', {mesh: 'trustDomain: cluster.local\n'}))
  return routes
}

/** Installs every route; `faults` replaces the answer of the routes it names. */
export function installPairRoutes(faults: Record<string, Fault> = {}, routes = pairRoutes()): nock.Scope {
  const scope = nock(SERVER)
  for (const route of routes) {
    let interceptor = scope.get(route.path)
    if (route.query) interceptor = interceptor.query(route.query)
    const fault = faults[route.id]
    const natural = route.id === 'ciliumConfig/cilium-system' ? 404 : 200
    if (!fault) interceptor.reply(natural, route.body as nock.Body)
    else if ('http' in fault) interceptor.reply(fault.http, status(fault.http, reasonOf(fault.http), fault.message ?? `injected ${fault.http}`))
    else if ('delayMs' in fault) interceptor.delay(fault.delayMs).reply(natural, route.body as nock.Body)
    else if ('error' in fault) interceptor.replyWithError(Object.assign(new Error(`connect ${fault.error} 10.0.0.1:6443`), {code: fault.error}))
    else interceptor.reply(200, fault.raw, {'Content-Type': 'application/json'})
  }
  return scope
}

function reasonOf(code: number): string {
  return {401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 500: 'InternalError'}[code] ?? 'Unknown'
}
