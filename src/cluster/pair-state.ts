// Everything §9.2 step 1 loads for one (A, B) pair, read in one parallel fan-out. Each
// source keeps its own ReadResult so one forbidden or missing source degrades one layer,
// never the whole diagnosis.
import {CEDAR_POLICY_NAMESPACE, MESH_ROOT_NAMESPACE} from '../core/constants.js'
import {NAME_LABEL, type KubeObject} from '../core/kube.js'
import type {Cluster} from './cluster.js'
import {RESOURCES} from './resources.js'
import type {InstalledApis} from './discovery.js'
import {failure, type ReadResult} from './read-result.js'

export interface PairEndpoint {
  namespace: string
  name: string
  /** Pod label selector; default `app.kubernetes.io/name=<name>` (LatticeService convention). */
  podSelector?: string
}

export interface PairStateRequest {
  source: PairEndpoint
  target: PairEndpoint
  /** Evidence window in seconds (default 15 minutes), carried for the evidence readers. */
  since?: number
  /** More namespaces whose ServiceEntries and Gateways are read (egress: istio-system). */
  l7Namespaces?: string[]
}

export type PairStateEvent =
  | {type: 'source-started'; source: string}
  | {type: 'source-finished'; source: string; ms: number}
  | {type: 'source-failed'; source: string; ms: number; reason: string}

export type PerNamespace = Record<string, ReadResult<KubeObject>>

export interface PairState {
  source: PairEndpoint
  target: PairEndpoint
  /** A's and B's namespaces, deduplicated, A first. */
  pairNamespaces: string[]
  sinceSeconds: number
  installed: ReadResult<InstalledApis>
  latticeServices: PerNamespace
  meshMembers: PerNamespace
  cedarPolicies: ReadResult<KubeObject>
  /** The Namespace objects of A and B, keyed by name. */
  namespaces: PerNamespace
  podsA: ReadResult<KubeObject>
  podsB: ReadResult<KubeObject>
  /** B's Service by name plus any Service labelled with B's name. */
  servicesB: ReadResult<KubeObject>
  ciliumEndpointsA: ReadResult<KubeObject>
  ciliumEndpointsB: ReadResult<KubeObject>
  cnps: PerNamespace
  ccnps: ReadResult<KubeObject>
  /** B's namespace and istio-system. */
  authorizationPolicies: PerNamespace
  /** B's namespace and istio-system. */
  peerAuthentications: PerNamespace
  serviceEntries: PerNamespace
  gateways: PerNamespace
  tracingPolicies: ReadResult<KubeObject>
  tracingPoliciesNamespaced: PerNamespace
  ciliumConfig: ReadResult<KubeObject>
  istioConfig: ReadResult<KubeObject>
  /** Kubernetes NetworkPolicies of A's and B's namespaces (Cilium enforces them at L4). */
  networkPolicies?: PerNamespace
}

export const DEFAULT_SINCE_SECONDS = 15 * 60

export function podSelectorOf(endpoint: PairEndpoint): string {
  return endpoint.podSelector ?? `${NAME_LABEL}=${endpoint.name}`
}

export async function readPairState(cluster: Cluster, request: PairStateRequest, onEvent?: (event: PairStateEvent) => void): Promise<PairState> {
  return startPairState(cluster, request, onEvent).state
}

/** Every read of the fan-out, still pending, keyed like PairState (per-namespace reads by namespace). */
export type PendingPairState = ReturnType<typeof startPairState>['pending']

/**
 * readPairState, with the individual reads exposed while they are in flight, so a caller
 * can start a dependent read (the waypoint's pods once B's Service and Namespace are in)
 * without waiting for the slowest source (the CRD reads wait for discovery).
 */
export function startPairState(cluster: Cluster, request: PairStateRequest, onEvent?: (event: PairStateEvent) => void) {
  const {source: a, target: b} = request
  const pairNamespaces = [...new Set([a.namespace, b.namespace])]
  const meshNamespaces = [...new Set([b.namespace, MESH_ROOT_NAMESPACE])]
  const l7Namespaces = [...new Set([...pairNamespaces, ...(request.l7Namespaces ?? [])])]

  const track = <T>(name: string, read: () => Promise<ReadResult<T>>): Promise<ReadResult<T>> => {
    onEvent?.({type: 'source-started', source: name})
    const started = performance.now()
    return read().then((result) => {
      const ms = Math.round(performance.now() - started)
      onEvent?.(result.ok ? {type: 'source-finished', source: name, ms} : {type: 'source-failed', source: name, ms, reason: result.reason})
      return result
    })
  }
  const perNamespace = (name: string, namespaces: string[], read: (ns: string) => Promise<ReadResult<KubeObject>>) =>
    Object.fromEntries(namespaces.map((ns) => [ns, track(`${name}/${ns}`, () => read(ns))]))

  // Every read is started here, before the first await.
  const pending = {
    installed: track('discovery', () => cluster.discoverInstalled()),
    latticeServices: perNamespace('latticeServices', pairNamespaces, (ns) => cluster.latticeServices(ns)),
    meshMembers: perNamespace('meshMembers', pairNamespaces, (ns) => cluster.latticeMeshMembers(ns)),
    cedarPolicies: track(`cedarPolicies/${CEDAR_POLICY_NAMESPACE}`, () => cluster.cedarPolicies()),
    namespaces: perNamespace('namespaces', pairNamespaces, (ns) => cluster.namespaceObject(ns)),
    podsA: track('podsA', () => cluster.pods(a.namespace, {labelSelector: podSelectorOf(a)})),
    podsB: track('podsB', () => cluster.pods(b.namespace, {labelSelector: podSelectorOf(b)})),
    servicesB: track('servicesB', () => servicesOf(cluster, b)),
    ciliumEndpointsA: track('ciliumEndpointsA', () => cluster.ciliumEndpoints(a.namespace, {labelSelector: podSelectorOf(a)})),
    ciliumEndpointsB: track('ciliumEndpointsB', () => cluster.ciliumEndpoints(b.namespace, {labelSelector: podSelectorOf(b)})),
    cnps: perNamespace('cnps', pairNamespaces, (ns) => cluster.ciliumNetworkPolicies(ns)),
    ccnps: track('ccnps', () => cluster.ciliumClusterwideNetworkPolicies()),
    authorizationPolicies: perNamespace('authorizationPolicies', meshNamespaces, (ns) => cluster.authorizationPolicies(ns)),
    peerAuthentications: perNamespace('peerAuthentications', meshNamespaces, (ns) => cluster.peerAuthentications(ns)),
    serviceEntries: perNamespace('serviceEntries', l7Namespaces, (ns) => cluster.serviceEntries(ns)),
    gateways: perNamespace('gateways', l7Namespaces, (ns) => cluster.gateways(ns)),
    tracingPolicies: track('tracingPolicies', () => cluster.tracingPolicies()),
    tracingPoliciesNamespaced: perNamespace('tracingPoliciesNamespaced', pairNamespaces, (ns) => cluster.tracingPoliciesNamespaced(ns)),
    ciliumConfig: track('ciliumConfig', () => cluster.ciliumConfig()),
    istioConfig: track('istioConfig', () => cluster.istioConfig()),
    networkPolicies: perNamespace('networkPolicies', pairNamespaces, (ns) => cluster.list(RESOURCES.networkPolicies, ns)),
  }

  const state = (async (): Promise<PairState> => {
    const [
      installed, latticeServices, meshMembers, cedarPolicies, namespaces, podsA, podsB, servicesB,
      ciliumEndpointsA, ciliumEndpointsB, cnps, ccnps, authorizationPolicies, peerAuthentications,
      serviceEntries, gateways, tracingPolicies, tracingPoliciesNamespaced, ciliumConfig, istioConfig,
    ] = await Promise.all([
      pending.installed, settle(pending.latticeServices), settle(pending.meshMembers), pending.cedarPolicies,
      settle(pending.namespaces), pending.podsA, pending.podsB, pending.servicesB, pending.ciliumEndpointsA,
      pending.ciliumEndpointsB, settle(pending.cnps), pending.ccnps, settle(pending.authorizationPolicies),
      settle(pending.peerAuthentications), settle(pending.serviceEntries), settle(pending.gateways),
      pending.tracingPolicies, settle(pending.tracingPoliciesNamespaced), pending.ciliumConfig, pending.istioConfig,
    ])
    const networkPolicies = await settle(pending.networkPolicies)

    return {
      source: a, target: b, pairNamespaces, sinceSeconds: request.since ?? DEFAULT_SINCE_SECONDS,
      installed, latticeServices, meshMembers, cedarPolicies, namespaces, podsA, podsB, servicesB,
      ciliumEndpointsA, ciliumEndpointsB, cnps, ccnps, authorizationPolicies, peerAuthentications,
      serviceEntries, gateways, tracingPolicies, tracingPoliciesNamespaced, ciliumConfig, istioConfig, networkPolicies,
    }
  })()
  return {pending, state}
}

async function settle(record: Record<string, Promise<ReadResult<KubeObject>>>): Promise<PerNamespace> {
  const entries = await Promise.all(Object.entries(record).map(async ([k, p]) => [k, await p] as const))
  return Object.fromEntries(entries)
}

/** B's Service by name and Services labelled with B's name, read in parallel and merged. */
async function servicesOf(cluster: Cluster, b: PairEndpoint): Promise<ReadResult<KubeObject>> {
  const [byName, byLabel] = await Promise.all([
    cluster.services(b.namespace, {fieldSelector: `metadata.name=${b.name}`}),
    cluster.services(b.namespace, {labelSelector: `${NAME_LABEL}=${b.name}`}),
  ])
  if (!byName.ok) return byName
  if (!byLabel.ok) return byLabel
  const seen = new Set<string>()
  const items = [...byName.items, ...byLabel.items].filter((s) => !seen.has(s.metadata.name) && seen.add(s.metadata.name))
  return {ok: true, items}
}

/** All objects when every namespace was read, else the first failure (a partial policy set is not a policy set). */
export function mergePerNamespace(results: PerNamespace): ReadResult<KubeObject> {
  const failed = Object.values(results).find((r) => !r.ok)
  if (failed && !failed.ok) return failure(failed.status, failed.reason)
  return {ok: true, items: Object.values(results).flatMap((r) => (r.ok ? r.items : []))}
}
