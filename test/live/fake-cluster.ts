// A fake Kubernetes API server for the live `platform debug connectivity`: the objects of the
// seed 001 pair (LatticeServices, CedarPolicies, pods, Services, Namespaces, ConfigMaps) plus
// the policies `platform compile` produces for them, answered the way a real API server
// answers (Lists without item apiVersion/kind, label/field selectors, 404 Status objects,
// aggregated discovery, pod logs as text). One handler serves both nock (in-process) and a
// node:http server (for the spawned CLI, which nock cannot reach).
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import nock from 'nock'
import {stringify} from 'yaml'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {specSetFromDocuments} from '../../src/spec/load.js'
import {RESOURCES, type ResourceDef} from '../../src/cluster/index.js'
import {aggregatedDiscovery, list, objects as o, status, TOKEN} from '../cluster/fixtures.js'
import {inb, SEED_POLICIES, seedPair} from '../helpers/specs.js'

export const SERVER = 'https://k8s.live.test:6443'
export const NS = 'commerce'
export const POD_A = 'checkout-6f9c7d8b54-k2xqz'
export const POD_B = 'payments-7b4c9d6f8-qw2er'
export const IP_A = '10.244.1.45'
export const IP_B = '10.244.2.21'
export const NODE_A = 'worker-a'
export const NODE_B = 'worker-b'

type Obj = Record<string, any>

const BY_KIND = new Map<string, ResourceDef>(Object.values(RESOURCES).map((r) => [r.kind, r]))

export interface Reply {
  status: number
  body: string
  contentType: string
}

const json = (code: number, body: unknown): Reply => ({status: code, body: JSON.stringify(body), contentType: 'application/json'})
const notFound = (what: string) => json(404, status(404, 'NotFound', `${what} not found`))

/** Policies the platform compiles for these specs, as a cluster would hold them. */
export async function compiledPolicies(docs: unknown[]): Promise<KubeObject[]> {
  const specs = specSetFromDocuments(docs.map((d, i) => ({value: d as Record<string, unknown>, origin: {file: 'test', index: i}, label: `doc ${i}`})))
  const fleet = await compileFleet(specs, defaultCompileOptions())
  const out: KubeObject[] = []
  for (const layer of ['l4', 'l7', 'runtime'] as const) out.push(...fleet.baseline[layer], ...fleet.resources[layer])
  return out
}

let seq = 0
function metaOf(obj: Obj): Obj {
  seq += 1
  return {
    uid: `11111111-2222-4333-8444-${String(seq).padStart(12, '0')}`,
    resourceVersion: String(5000 + seq),
    generation: 1,
    creationTimestamp: '2026-05-20T08:00:00Z',
    ...obj.metadata,
  }
}

/** Spec documents as the API server returns them: server metadata and a status. */
function asStored(doc: Obj): KubeObject {
  const stored: Obj = {...structuredClone(doc), metadata: metaOf(doc)}
  if (doc.kind === 'LatticeService') stored.status = {phase: 'Ready', observedGeneration: 1, message: 'all resources applied'}
  return stored as KubeObject
}

export function pod(name: string, app: string, opts: {ip: string; node: string; ready?: boolean; labels?: Record<string, string>; sa?: string; namespace?: string}): KubeObject {
  const p = o.pod(opts.namespace ?? NS, name, app, {ip: opts.ip, ready: opts.ready}) as Obj
  p.metadata.labels = {...p.metadata.labels, ...(opts.labels ?? {})}
  p.spec.nodeName = opts.node
  p.spec.serviceAccountName = opts.sa ?? app
  return p as KubeObject
}

export interface Scenario {
  /** Spec documents (LatticeServices, CedarPolicies) stored in the cluster. */
  docs: unknown[]
  /** Policy objects in the cluster; default: what `platform compile` produces for `docs`. */
  policies?: KubeObject[]
  /** Extra objects (pods, Services...) or replacements. */
  extra?: KubeObject[]
  /** `group/version/resource` that discovery leaves out. */
  without?: string[]
  /** Pod logs keyed `ns/pod/container`. */
  logs?: Record<string, string>
  /** Label payments' Service with istio.io/use-waypoint. */
  useWaypoint?: string
}

export const seedDocs = (opts: Parameters<typeof seedPair>[0] = {}) => [...seedPair(opts), SEED_POLICIES]
/** Seed 001 where payments' inbound declaration carries methods: the compiler emits the waypoint form. */
export const waypointDocs = () => seedDocs({payments: {
  checkout: inb({params: {methods: ['GET', 'POST']}}),
  stripe: {type: 'external-service', direction: 'outbound', params: {endpoints: {api: 'https://api.stripe.com'}}},
  'stripe-key': {type: 'secret', id: 'commerce/payments/stripe', params: {provider: 'vault-prod', keys: ['token']}},
}})

export class FakeCluster {
  readonly objects: KubeObject[] = []
  readonly logs: Record<string, string>
  readonly without: string[]

  private constructor(scenario: Scenario, policies: KubeObject[]) {
    this.logs = scenario.logs ?? {}
    this.without = scenario.without ?? []
    const svc = o.service(NS, 'payments') as Obj
    if (scenario.useWaypoint) svc.metadata.labels = {...svc.metadata.labels, 'istio.io/use-waypoint': scenario.useWaypoint}
    this.objects.push(
      ...(scenario.docs as Obj[]).map(asStored),
      o.namespace(NS, {'istio.io/dataplane-mode': 'ambient'}) as KubeObject,
      pod(POD_A, 'checkout', {ip: IP_A, node: NODE_A}),
      pod(POD_B, 'payments', {ip: IP_B, node: NODE_B}),
      o.service(NS, 'checkout') as KubeObject,
      svc as KubeObject,
      o.ciliumEndpoint(NS, POD_A, 'checkout') as KubeObject,
      o.ciliumEndpoint(NS, POD_B, 'payments') as KubeObject,
      o.configMap('kube-system', 'cilium-config', {'enable-policy': 'default', 'cluster-name': 'prod'}) as unknown as KubeObject,
      o.configMap('istio-system', 'istio', {mesh: 'trustDomain: cluster.local\n'}) as unknown as KubeObject,
      ...policies.map((p) => ({...structuredClone(p), metadata: metaOf(p)}) as KubeObject),
    )
    for (const x of scenario.extra ?? []) {
      const i = this.objects.findIndex((y) => y.kind === x.kind && y.metadata.name === x.metadata.name && y.metadata.namespace === x.metadata.namespace)
      if (i >= 0) this.objects[i] = x
      else this.objects.push(x)
    }
  }

  static async create(scenario: Scenario): Promise<FakeCluster> {
    return new FakeCluster(scenario, scenario.policies ?? await compiledPolicies(scenario.docs))
  }

  remove(kind: string, name: string): this {
    const i = this.objects.findIndex((x) => x.kind === kind && x.metadata.name === name)
    if (i < 0) throw new Error(`no ${kind} ${name} in the fake cluster`)
    this.objects.splice(i, 1)
    return this
  }

  /** Answers one GET like an API server; anything else is a test failure. */
  handle(method: string, rawUrl: string): Reply {
    if (method !== 'GET') return json(405, status(405, 'MethodNotAllowed', `${method} not allowed in this fake`))
    const url = new URL(rawUrl, 'http://x')
    const p = url.pathname
    if (p === '/apis') return json(200, aggregatedDiscovery(this.without))
    let m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(p)
    if (m) {
      const [, ns, name] = m
      const pod = this.objects.find((x) => x.kind === 'Pod' && x.metadata.namespace === ns && x.metadata.name === name)
      if (!pod) return notFound(`pods "${name}"`)
      return {status: 200, body: this.logs[`${ns}/${name}/${url.searchParams.get('container')}`] ?? '', contentType: 'text/plain'}
    }
    m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(p)
    // `/api/v1/namespaces/<name>` is a named Namespace, not a collection.
    const nsGet = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(p)
    if (nsGet) return this.named('Namespace', undefined, decodeURIComponent(nsGet[1]))
    if (!m) return notFound(p)
    const [, , group = '', version = 'v1', namespace, resource, name] = m
    const def = Object.values(RESOURCES).find((r) => r.group === group && r.version === version && r.resource === resource)
      ?? (group === '' && resource === 'configmaps' ? {kind: 'ConfigMap', group: '', version: 'v1', resource, namespaced: true, crd: false} : undefined)
    if (!def || this.without.includes(`${group}/${version}/${resource}`)) return notFound(`the server could not find the requested resource (${p})`)
    if (name) return this.named(def.kind, namespace, decodeURIComponent(name))
    const label = url.searchParams.get('labelSelector')
    const field = url.searchParams.get('fieldSelector')
    const items = this.objects.filter((x) => x.kind === def.kind
      && (!namespace || x.metadata.namespace === namespace)
      && matchLabels(x.metadata.labels ?? {}, label)
      && matchFields(x, field))
    const apiVersion = group ? `${group}/${version}` : version
    return json(200, list(apiVersion, def.kind, items as Obj[]))
  }

  private named(kind: string, namespace: string | undefined, name: string): Reply {
    const found = this.objects.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace))
    return found ? json(200, found) : notFound(`${kind.toLowerCase()}s "${name}"`)
  }
}

function matchLabels(labels: Record<string, string>, selector: string | null): boolean {
  if (!selector) return true
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=')
    return v === undefined ? k in labels : labels[k] === v
  })
}

function matchFields(obj: KubeObject, selector: string | null): boolean {
  if (!selector) return true
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=')
    if (k === 'metadata.name') return obj.metadata.name === v
    if (k === 'metadata.namespace') return obj.metadata.namespace === v
    return false
  })
}

export type Fault =
  | {http: number; message?: string}
  | {delayMs: number}
  | {error: string}
  | {raw: string}

/**
 * The fake behind nock at SERVER. `faults` (path → fault) are registered first, so they win
 * over the generic handler; every request is answered until nock.cleanAll().
 */
export function serveWithNock(cluster: FakeCluster, faults: Record<string, Fault> = {}): nock.Scope {
  const scope = nock(SERVER)
  for (const [p, fault] of Object.entries(faults)) {
    const i = scope.get(p).query(true)
    if ('http' in fault) i.reply(fault.http, status(fault.http, reasonOf(fault.http), fault.message ?? `injected ${fault.http}`)).persist()
    else if ('delayMs' in fault) {
      i.delay(fault.delayMs).reply(() => {
        const r = cluster.handle('GET', p)
        return [r.status, r.body, {'Content-Type': r.contentType}]
      }).persist()
    } else if ('error' in fault) i.replyWithError(Object.assign(new Error(`connect ${fault.error} 10.0.0.1:6443`), {code: fault.error})).persist()
    else i.reply(200, fault.raw, {'Content-Type': 'application/json'}).persist()
  }
  scope.get(/.*/).query(true).reply(function (uri) {
    const r = cluster.handle(this.req.method, uri)
    return [r.status, r.body, {'Content-Type': r.contentType}]
  }).persist()
  return scope
}

function reasonOf(code: number): string {
  return {401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 500: 'InternalError'}[code] ?? 'Unknown'
}

/** The same fake on a real socket (127.0.0.1, random port): for the spawned CLI. */
export async function serveOverHttp(cluster: FakeCluster, faults: Record<string, {http: number}> = {}): Promise<{url: string; close(): Promise<void>; requests: Array<{method: string; url: string}>}> {
  const requests: Array<{method: string; url: string}> = []
  const server = http.createServer((req, res) => {
    requests.push({method: req.method ?? '', url: req.url ?? ''})
    const fault = faults[new URL(req.url ?? '/', 'http://x').pathname]
    const r = fault
      ? json(fault.http, status(fault.http, reasonOf(fault.http), `injected ${fault.http}`))
      : cluster.handle(req.method ?? 'GET', req.url ?? '/')
    res.writeHead(r.status, {'Content-Type': r.contentType})
    res.end(r.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** A kubeconfig whose only context points at `server` (token auth, as a service account would). */
export function kubeconfigFor(server: string, namespace = NS): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'platform-live-'))
  const file = path.join(dir, 'config')
  writeFileSync(file, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'live',
    // client-node refuses plain HTTP unless TLS verification is off.
    clusters: [{name: 'live', cluster: {server, 'insecure-skip-tls-verify': true}}],
    users: [{name: 'live-user', user: {token: TOKEN}}],
    contexts: [{name: 'live', context: {cluster: 'live', user: 'live-user', namespace}}],
  }))
  return file
}
