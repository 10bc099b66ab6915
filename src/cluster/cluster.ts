// A connected, read-only view of one cluster. Every read returns a ReadResult; nothing
// here writes, execs or touches Secrets (the request layer enforces it).
import type {Readable} from 'node:stream'
import type {KubeConfig} from '@kubernetes/client-node'
import {CEDAR_POLICY_NAMESPACE, MESH_ROOT_NAMESPACE} from '../core/constants.js'
import type {KubeObject} from '../core/kube.js'
import {decodeList, decodeObject, isObject, parseJson} from './decode.js'
import {discoverApis, isServed, type InstalledApis} from './discovery.js'
import {defaultEnvironment, loadKubeConfig, type ConnectEnvironment} from './kubeconfig.js'
import {streamPodLogs, type PodLogOptions} from './pod-logs.js'
import {listenForward, resolveForwardTarget, type PodForwarder, type PortForwardResult, type PortForwardTarget} from './port-forward.js'
import {failure, type ReadFailure, type ReadResult} from './read-result.js'
import {KubeRequester, SELF_SUBJECT_ACCESS_REVIEW_PATH, type RequestRecorder} from './request.js'
import {qualifiedName, RESOURCES, resourcePath, type ResourceDef} from './resources.js'
import {webSocketForwarder} from './websocket-forwarder.js'

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const CILIUM_CONFIG_NAMESPACES = ['kube-system', 'cilium-system']

export interface ConnectOptions {
  kubeconfig?: string
  context?: string
  namespace?: string
  requestTimeoutMs?: number
  /** Sees every request before it is sent (tests assert methods and paths with it). */
  recorder?: RequestRecorder
}

export interface ReadOptions {
  labelSelector?: string
  fieldSelector?: string
  timeoutMs?: number
  signal?: AbortSignal
}

export interface AccessReviewAttributes {
  verb: string
  group: string
  resource: string
  subresource?: string
  namespace?: string
  name?: string
}

export type AccessReviewResult = {ok: true; allowed: boolean; reason?: string} | ReadFailure

export interface ClusterInfo {
  contextName: string
  /** --namespace, else the context's namespace, else `default`. */
  namespace: string
  server: string
  source: string
}

export async function connect(opts: ConnectOptions, environment: ConnectEnvironment = defaultEnvironment()): Promise<Cluster> {
  const loaded = await loadKubeConfig(opts, environment)
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  const requester = new KubeRequester(loaded.kc, loaded.server, loaded.redactor, timeoutMs, opts.recorder)
  const info = {contextName: loaded.contextName, namespace: loaded.namespace, server: loaded.redactor.redact(loaded.server), source: loaded.source}
  return new Cluster(info, loaded.kc, requester, timeoutMs)
}

export class Cluster {
  private installed?: Promise<ReadResult<InstalledApis>>

  constructor(
    readonly info: ClusterInfo,
    private readonly kc: KubeConfig,
    private readonly http: KubeRequester,
    readonly requestTimeoutMs: number,
  ) {}

  get namespace(): string {
    return this.info.namespace
  }

  /** Every request opened so far is on the wire (or failed); see KubeRequester.allSent. */
  requestsSent(): Promise<void> {
    return this.http.allSent()
  }

  /** GET /apis once per Cluster; CRD reads consult it before sending anything. */
  discoverInstalled(): Promise<ReadResult<InstalledApis>> {
    this.installed ??= discoverApis(this.http, this.requestTimeoutMs)
    return this.installed
  }

  async list(r: ResourceDef, namespace: string | undefined, opts: ReadOptions = {}): Promise<ReadResult<KubeObject>> {
    const describe = `list ${qualifiedName(r)}${r.namespaced ? ` in namespace ${namespace}` : ''}`
    const absent = await this.absentCrd(r, describe)
    if (absent) return absent
    const got = await this.http.json({
      path: resourcePath(r, namespace),
      query: {labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector},
      describe,
      on404: r.crd ? 'not-installed' : 'not-found',
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    })
    return got.ok ? decodeList(got.body, r, describe) : got
  }

  /** One named object; items holds exactly it. */
  async get(r: ResourceDef, namespace: string | undefined, name: string, opts: Omit<ReadOptions, 'labelSelector' | 'fieldSelector'> = {}): Promise<ReadResult<KubeObject>> {
    const describe = `get ${qualifiedName(r)} ${name}${r.namespaced ? ` in namespace ${namespace}` : ''}`
    const absent = await this.absentCrd(r, describe)
    if (absent) return absent
    const got = await this.http.json({path: resourcePath(r, namespace, name), describe, on404: 'not-found', timeoutMs: opts.timeoutMs, signal: opts.signal})
    return got.ok ? decodeObject(got.body, r, describe) : got
  }

  private async absentCrd(r: ResourceDef, describe: string): Promise<ReadFailure | undefined> {
    if (!r.crd) return undefined
    const installed = await this.discoverInstalled()
    // Discovery failing (rare: it is open to every authenticated user) only loses the shortcut.
    if (!installed.ok || isServed(installed.items[0], r) !== false) return undefined
    return failure('not-installed', `not installed: ${describe} (${qualifiedName(r)}/${r.version} is not served by the API server)`)
  }

  latticeServices(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.latticeServices, namespace, opts)
  }

  latticeMeshMembers(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.latticeMeshMembers, namespace, opts)
  }

  cedarPolicies(namespace = CEDAR_POLICY_NAMESPACE, opts?: ReadOptions) {
    return this.list(RESOURCES.cedarPolicies, namespace, opts)
  }

  namespaceObject(name: string, opts?: ReadOptions) {
    return this.get(RESOURCES.namespaces, undefined, name, opts)
  }

  pods(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.pods, namespace, opts)
  }

  services(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.services, namespace, opts)
  }

  service(namespace: string, name: string, opts?: ReadOptions) {
    return this.get(RESOURCES.services, namespace, name, opts)
  }

  configMap(namespace: string, name: string, opts?: ReadOptions) {
    return this.get(RESOURCES.configMaps, namespace, name, opts)
  }

  ciliumEndpoints(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.ciliumEndpoints, namespace, opts)
  }

  ciliumNetworkPolicies(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.ciliumNetworkPolicies, namespace, opts)
  }

  ciliumClusterwideNetworkPolicies(opts?: ReadOptions) {
    return this.list(RESOURCES.ciliumClusterwideNetworkPolicies, undefined, opts)
  }

  authorizationPolicies(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.authorizationPolicies, namespace, opts)
  }

  peerAuthentications(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.peerAuthentications, namespace, opts)
  }

  serviceEntries(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.serviceEntries, namespace, opts)
  }

  gateways(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.gateways, namespace, opts)
  }

  tracingPolicies(opts?: ReadOptions) {
    return this.list(RESOURCES.tracingPolicies, undefined, opts)
  }

  tracingPoliciesNamespaced(namespace: string, opts?: ReadOptions) {
    return this.list(RESOURCES.tracingPoliciesNamespaced, namespace, opts)
  }

  /** ConfigMap `cilium-config`: both conventional namespaces are asked at once, kube-system wins. */
  async ciliumConfig(namespaces: string[] = CILIUM_CONFIG_NAMESPACES, opts?: ReadOptions): Promise<ReadResult<KubeObject>> {
    const results = await Promise.all(namespaces.map((ns) => this.configMap(ns, 'cilium-config', opts)))
    const found = results.find((r) => r.ok)
    if (found) return found
    const failures = results as ReadFailure[]
    const real = failures.find((f) => f.status !== 'not-found')
    if (real) return real
    return failure('not-found', `not found: configmaps cilium-config in namespaces ${namespaces.join(', ')}`)
  }

  /** ConfigMap `istio` (mesh config: trust domain). */
  istioConfig(namespace = MESH_ROOT_NAMESPACE, opts?: ReadOptions) {
    return this.configMap(namespace, 'istio', opts)
  }

  podLogs(namespace: string, pod: string, opts: PodLogOptions): Readable {
    return streamPodLogs(this.http, namespace, pod, {timeoutMs: this.requestTimeoutMs, ...opts})
  }

  async portForward(target: PortForwardTarget, forwarder?: PodForwarder): Promise<PortForwardResult> {
    const resolved = await resolveForwardTarget({
      service: (ns, name) => this.service(ns, name),
      pods: (ns, selector) => this.pods(ns, selector),
    }, target)
    if (!resolved.ok) return resolved
    const fwd = forwarder ?? await webSocketForwarder(this.kc, (r) => this.http.record(r))
    return {ok: true, forward: await listenForward(target.namespace, resolved.resolved, fwd)}
  }

  /** SelfSubjectAccessReview: the only write-shaped request (it creates nothing persistent). */
  async accessReview(attrs: AccessReviewAttributes, opts: ReadOptions = {}): Promise<AccessReviewResult> {
    const target = `${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}`
    const describe = `create selfsubjectaccessreviews.authorization.k8s.io (${attrs.verb} ${target})`
    const resourceAttributes: Record<string, string> = {verb: attrs.verb, group: attrs.group, resource: attrs.resource}
    if (attrs.subresource) resourceAttributes.subresource = attrs.subresource
    if (attrs.namespace) resourceAttributes.namespace = attrs.namespace
    if (attrs.name) resourceAttributes.name = attrs.name
    const got = await this.http.json({
      method: 'POST',
      path: SELF_SUBJECT_ACCESS_REVIEW_PATH,
      body: {apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {resourceAttributes}},
      describe,
      on404: 'not-found',
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    })
    if (!got.ok) return got
    const doc = parseJson(got.body)
    if (!isObject(doc) || !isObject(doc.status) || typeof doc.status.allowed !== 'boolean') {
      return failure('malformed', `malformed: ${describe}: no status.allowed in the answer`)
    }
    const reason = typeof doc.status.reason === 'string' && doc.status.reason ? doc.status.reason : undefined
    return {ok: true, allowed: doc.status.allowed, ...(reason ? {reason} : {})}
  }
}
