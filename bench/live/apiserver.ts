// A local imitation of the Kubernetes API server (node:http on 127.0.0.1) for the live
// benchmark: every request waits LATENCY_MS before its answer (a remote control plane),
// lists are filtered server-side (namespace, labelSelector, fieldSelector) like the real
// API, discovery is served both aggregated (GET /apis with the apidiscovery Accept) and
// legacy, and pod logs stream generated lines with backpressure (never buffered whole).
import http from 'node:http'
import http2 from 'node:http2'
import type {AddressInfo} from 'node:net'
import type {ClusterModel} from './model.js'
import {waypointLog, ztunnelLog} from './model.js'

type Obj = Record<string, any>

export interface RequestLogEntry {
  /** ms since the first request after the last reset. */
  start: number
  end: number
  path: string
  query: string
}

export interface ApiServerOptions {
  latencyMs: number
  /** ztunnel lines the CLI reads in total (split over the ztunnel pods of the pair's nodes). */
  ztunnelLines: number
  waypointLines: number
  /** Extra control endpoints (`/__bench/<name>`), answered without latency. */
  controls?: Record<string, () => unknown>
  /** Serve HTTPS with this key pair (kubectl and real API servers speak TLS), HTTP/2 or HTTP/1.1 by ALPN as kube-apiserver does. */
  tls?: {key: string | Buffer; cert: string | Buffer}
}

const KINDS: Record<string, {kind: string; namespaced: boolean}> = {
  '/v1/pods': {kind: 'Pod', namespaced: true},
  '/v1/services': {kind: 'Service', namespaced: true},
  '/v1/configmaps': {kind: 'ConfigMap', namespaced: true},
  '/v1/namespaces': {kind: 'Namespace', namespaced: false},
  'lattice.dev/v1alpha1/latticeservices': {kind: 'LatticeService', namespaced: true},
  'lattice.dev/v1alpha1/latticemeshmembers': {kind: 'LatticeMeshMember', namespaced: true},
  'lattice.dev/v1alpha1/cedarpolicies': {kind: 'CedarPolicy', namespaced: true},
  'cilium.io/v2/ciliumendpoints': {kind: 'CiliumEndpoint', namespaced: true},
  'cilium.io/v2/ciliumnetworkpolicies': {kind: 'CiliumNetworkPolicy', namespaced: true},
  'cilium.io/v2/ciliumclusterwidenetworkpolicies': {kind: 'CiliumClusterwideNetworkPolicy', namespaced: false},
  'cilium.io/v2/ciliumidentities': {kind: 'CiliumIdentity', namespaced: false},
  'cilium.io/v1alpha1/tracingpolicies': {kind: 'TracingPolicy', namespaced: false},
  'cilium.io/v1alpha1/tracingpoliciesnamespaced': {kind: 'TracingPolicyNamespaced', namespaced: true},
  'security.istio.io/v1/authorizationpolicies': {kind: 'AuthorizationPolicy', namespaced: true},
  'security.istio.io/v1/peerauthentications': {kind: 'PeerAuthentication', namespaced: true},
  'networking.istio.io/v1/serviceentries': {kind: 'ServiceEntry', namespaced: true},
  'gateway.networking.k8s.io/v1/gateways': {kind: 'Gateway', namespaced: true},
  'networking.k8s.io/v1/networkpolicies': {kind: 'NetworkPolicy', namespaced: true},
}

/** Short names as the CRDs (and the core API) declare them: `kubectl get cnp,ccnp` resolves through these. */
const SHORT_NAMES: Record<string, string[]> = {
  pods: ['po'], services: ['svc'], configmaps: ['cm'], namespaces: ['ns'],
  ciliumendpoints: ['cep', 'ciliumep'], ciliumnetworkpolicies: ['cnp', 'ciliumnp'],
  ciliumclusterwidenetworkpolicies: ['ccnp'], ciliumidentities: ['ciliumid'],
  latticeservices: ['lsvc'], gateways: ['gtw'], serviceentries: ['se'],
}
const SUBRESOURCES: Record<string, string[]> = {pods: ['log', 'status'], services: ['status'], namespaces: ['status']}
const singular = (kind: string) => kind.toLowerCase()

type GvResource = {resource: string; kind: string; namespaced: boolean}

function groupVersions(core = false): Map<string, GvResource[]> {
  const out = new Map<string, GvResource[]>()
  for (const [key, v] of Object.entries(KINDS)) {
    const [group, version, resource] = key.split('/')
    if (!group !== core) continue
    const gv = `${group}/${version}`
    out.set(gv, [...(out.get(gv) ?? []), {resource, ...v}])
  }
  return out
}

/** One resource of an apidiscovery.k8s.io/v2 document (the shape kube-apiserver serves). */
function discoveryResource(r: GvResource, group: string, version: string): Obj {
  return {
    resource: r.resource, responseKind: {group, version, kind: r.kind}, scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: singular(r.kind), verbs: ['get', 'list', 'watch'],
    ...(SHORT_NAMES[r.resource] ? {shortNames: SHORT_NAMES[r.resource]} : {}),
    ...(SUBRESOURCES[r.resource] ? {subresources: SUBRESOURCES[r.resource].map((sub) => ({subresource: sub, responseKind: {group, version, kind: sub === 'log' ? 'Pod' : r.kind}, verbs: ['get']}))} : {}),
  }
}

/** GET /api with the aggregated Accept: the core group (name "") as one APIGroupDiscovery. */
function aggregatedCore(): Obj {
  const versions = [...groupVersions(true)].map(([gv, resources]) => {
    const version = gv.split('/')[1]
    return {version, freshness: 'Current', resources: resources.map((r) => discoveryResource(r, '', version))}
  })
  return {kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items: [{metadata: {creationTimestamp: null}, versions}]}
}

/** GET /api/v1 (legacy discovery of the core group). */
function legacyCore(): Obj {
  return {
    kind: 'APIResourceList', groupVersion: 'v1',
    resources: [...groupVersions(true).values()].flat().flatMap((r) => [
      {name: r.resource, singularName: singular(r.kind), namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'list', 'watch'], ...(SHORT_NAMES[r.resource] ? {shortNames: SHORT_NAMES[r.resource]} : {})},
      ...(SUBRESOURCES[r.resource] ?? []).map((sub) => ({name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced, kind: sub === 'log' ? 'Pod' : r.kind, verbs: ['get']})),
    ]),
  }
}

function aggregated(): Obj {
  const byGroup = new Map<string, Obj[]>()
  for (const [gv, resources] of groupVersions()) {
    const [group, version] = gv.split('/')
    byGroup.set(group, [...(byGroup.get(group) ?? []), {
      version, freshness: 'Current',
      resources: resources.map((r) => discoveryResource(r, group, version)),
    }])
  }
  for (const g of ['apps', 'batch', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io', 'coordination.k8s.io'].filter((g) => !byGroup.has(g))) {
    byGroup.set(g, [{version: 'v1', freshness: 'Current', resources: [{resource: 'things', responseKind: {group: '', version: '', kind: 'Thing'}, scope: 'Namespaced', verbs: ['get']}]}])
  }
  return {
    kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {},
    items: [...byGroup].map(([name, versions]) => ({metadata: {name, creationTimestamp: null}, versions})),
  }
}

function legacyGroups(): Obj {
  const groups = new Map<string, string[]>()
  for (const gv of groupVersions().keys()) {
    const [g, v] = gv.split('/')
    groups.set(g, [...(groups.get(g) ?? []), v])
  }
  return {
    kind: 'APIGroupList', apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({name, versions: versions.map((v) => ({groupVersion: `${name}/${v}`, version: v})), preferredVersion: {groupVersion: `${name}/${versions[0]}`, version: versions[0]}})),
  }
}

// ---- selectors (the subset kubectl and client-go send)

type Requirement = (labels: Record<string, string>) => boolean

function parseLabelSelector(sel: string): Requirement[] {
  const out: Requirement[] = []
  // Split on commas outside parentheses.
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const c of sel) {
    if (c === '(') depth++
    if (c === ')') depth--
    if (c === ',' && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += c
  }
  if (cur) parts.push(cur)
  for (const raw of parts.map((p) => p.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null
    if ((m = /^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/.exec(raw))) {
      const [, k, op, vs] = m
      const set = new Set(vs.split(',').map((v) => v.trim()))
      out.push(op === 'in' ? (l) => k in l && set.has(l[k]) : (l) => !(k in l) || !set.has(l[k]))
    } else if ((m = /^([^\s!=]+)\s*!=\s*(.*)$/.exec(raw))) {
      const [, k, v] = m
      out.push((l) => l[k] !== v)
    } else if ((m = /^([^\s!=]+)\s*==?\s*(.*)$/.exec(raw))) {
      const [, k, v] = m
      out.push((l) => l[k] === v)
    } else if (raw.startsWith('!')) {
      const k = raw.slice(1)
      out.push((l) => !(k in l))
    } else out.push((l) => raw in l)
  }
  return out
}

function fieldOf(o: Obj, path: string): string | undefined {
  let v: any = o
  for (const p of path.split('.')) v = v?.[p]
  return v === undefined ? undefined : String(v)
}

function parseFieldSelector(sel: string): Array<(o: Obj) => boolean> {
  return sel.split(',').filter(Boolean).map((raw) => {
    const neg = raw.includes('!=')
    const [k, v] = neg ? raw.split('!=') : raw.replace('==', '=').split('=')
    return neg ? (o: Obj) => fieldOf(o, k) !== v : (o: Obj) => fieldOf(o, k) === v
  })
}

// ---- server

export interface RunningApiServer {
  url: string
  port: number
  log: RequestLogEntry[]
  /** TLS handshakes (plain HTTP: TCP connections) since the server started. */
  handshakes(): number
  reset(): void
  close(): Promise<void>
}

export async function startApiServer(model: ClusterModel, opts: ApiServerOptions): Promise<RunningApiServer> {
  const log: RequestLogEntry[] = []
  let t0: number | undefined
  /** Epoch ms of the first request since the last reset (to line the log up with a client's clock). */
  let t0Epoch: number | undefined
  const now = () => {
    const t = performance.now()
    if (t0 === undefined) {
      t0 = t
      t0Epoch = Date.now()
    }
    return t - t0
  }
  const byKey = new Map<string, Obj[]>()
  for (const [k, v] of model.collections) byKey.set(k, v)
  const disco = {aggregated: JSON.stringify(aggregated()), legacy: JSON.stringify(legacyGroups()), core: JSON.stringify(aggregatedCore()), coreLegacy: JSON.stringify(legacyCore())}
  const linesPerZtunnel = Math.ceil(opts.ztunnelLines / Math.max(1, model.pairZtunnels.length))

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/__bench/requests') {
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify(log))
      return
    }
    if (url.pathname === '/__bench/handshakes') {
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify({handshakes, t0Epoch}))
      return
    }
    const control = url.pathname.startsWith('/__bench/') ? opts.controls?.[url.pathname.slice('/__bench/'.length)] : undefined
    if (control) {
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify(control()))
      return
    }
    if (url.pathname === '/__bench/reset') {
      log.length = 0
      t0Epoch = undefined
      t0 = undefined
      res.end('{}')
      return
    }
    const entry: RequestLogEntry = {start: now(), end: 0, path: url.pathname, query: url.search}
    log.push(entry)
    // When the server has written the whole answer ('close' of an HTTP/2 stream waits for the client).
    res.once('finish', () => (entry.end ||= now()))
    res.once('close', () => (entry.end ||= now()))
    const timer = setTimeout(() => respond(req, res, url), opts.latencyMs)
    req.once('close', () => {
      if (!res.headersSent) clearTimeout(timer)
    })
  }
  // The HTTP/2 compatibility API hands the same request/response shapes to the handler.
  const server = opts.tls
    ? http2.createSecureServer({key: opts.tls.key, cert: opts.tls.cert, allowHTTP1: true}, handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void)
    : http.createServer(handler)
  const sessions = new Set<{destroy(): void}>()
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s)
    s.once('close', () => sessions.delete(s))
  })
  const sockets = new Set<{destroy(): void}>()
  server.on('connection', (c: {destroy(): void; once(e: string, f: () => void): void}) => {
    sockets.add(c)
    c.once('close', () => sockets.delete(c))
  })
  let handshakes = 0
  server.on('secureConnection', () => handshakes++)
  server.on('connection', () => {
    if (!opts.tls) handshakes++
  })

  function json(res: http.ServerResponse, code: number, body: string | Obj, contentType = 'application/json') {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(code, {'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text)})
    res.end(text)
  }
  const notFound = (res: http.ServerResponse, what: string) =>
    json(res, 404, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${what} not found`, reason: 'NotFound', code: 404})

  function respond(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const p = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    const agg = (req.headers.accept ?? '').includes('as=APIGroupDiscoveryList')
    if (url.pathname === '/api') {
      if (agg) return json(res, 200, disco.core, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')
      return json(res, 200, {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443'}]})
    }
    if (url.pathname === '/api/v1') return json(res, 200, disco.coreLegacy)
    if (url.pathname === '/apis') {
      return agg ? json(res, 200, disco.aggregated, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList') : json(res, 200, disco.legacy)
    }
    // /api/v1/... or /apis/<group>/<version>/...
    let group = ''
    let version: string
    let rest: string[]
    if (p[0] === 'api') {
      version = p[1]
      rest = p.slice(2)
    } else {
      group = p[1]
      version = p[2]
      rest = p.slice(3)
      if (rest.length === 0) {
        const resources = groupVersions().get(`${group}/${version}`)
        if (!resources) return notFound(res, url.pathname)
        return json(res, 200, {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources: resources.map((r) => ({name: r.resource, singularName: singular(r.kind), namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'list', 'watch'], ...(SHORT_NAMES[r.resource] ? {shortNames: SHORT_NAMES[r.resource]} : {})}))})
      }
    }
    let namespace: string | undefined
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1]
      rest = rest.slice(2)
    }
    const [resource, name, sub] = rest
    const key = `${group}/${version}/${resource}`
    const def = KINDS[key]
    if (!def) return notFound(res, url.pathname)
    const all = byKey.get(key) ?? []
    if (name !== undefined) {
      const obj = all.find((o) => o.metadata.name === name && (!def.namespaced || o.metadata.namespace === namespace))
      if (!obj) return notFound(res, `${resource} "${name}"`)
      if (sub === 'log' && resource === 'pods') return streamLog(res, obj, url)
      if (sub !== undefined) return notFound(res, url.pathname)
      return json(res, 200, obj)
    }
    const labelReqs = parseLabelSelector(url.searchParams.get('labelSelector') ?? '')
    const fieldReqs = parseFieldSelector(url.searchParams.get('fieldSelector') ?? '')
    const matching = all.filter((o) => (!namespace || o.metadata.namespace === namespace) &&
      labelReqs.every((r) => r(o.metadata.labels ?? {})) && fieldReqs.every((r) => r(o)))
    // Chunked lists (`limit` + `continue`), as kubectl asks by default (--chunk-size=500).
    const offset = Number(url.searchParams.get('continue') ? Buffer.from(url.searchParams.get('continue')!, 'base64url').toString() : 0)
    const limit = Number(url.searchParams.get('limit') ?? 0)
    const items = limit > 0 ? matching.slice(offset, offset + limit) : matching
    const remaining = limit > 0 ? matching.length - offset - items.length : 0
    const listMeta = {resourceVersion: '99999', ...(remaining > 0 ? {continue: Buffer.from(String(offset + items.length)).toString('base64url'), remainingItemCount: remaining} : {})}
    // Server-side printing (kubectl get without -o asks for a meta.k8s.io Table).
    if ((req.headers.accept ?? '').includes('as=Table')) return json(res, 200, table(items, listMeta), 'application/json;as=Table;v=v1;g=meta.k8s.io')
    return json(res, 200, {
      apiVersion: group ? `${group}/${version}` : version, kind: `${def.kind}List`, metadata: listMeta,
      items: items.map(({apiVersion: _a, kind: _k, ...o}) => o),
    })
  }

  /** A meta.k8s.io/v1 Table with the default columns of a resource without printer columns (Name, Age). */
  function table(items: Obj[], metadata: Obj): Obj {
    return {
      kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata,
      columnDefinitions: [
        {name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0},
        {name: 'Age', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0},
      ],
      rows: items.map((o) => ({cells: [o.metadata.name, o.metadata.creationTimestamp], object: {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata}})),
    }
  }

  // Log bodies are precomputed blocks (BLOCK_LINES lines, generated once per pod) written
  // again and again, so generating text never limits how fast the server streams.
  const BLOCK_LINES = 20_000
  const blocks = new Map<string, Buffer[]>()
  const chunksOf = (key: string, make: () => Iterable<string>) => {
    let b = blocks.get(key)
    if (!b) blocks.set(key, (b = [...make()].map((c) => Buffer.from(c))))
    return b
  }
  function* repeat(key: string, lines: number, make: (n: number) => Iterable<string>): Generator<Buffer> {
    const full = Math.floor(lines / BLOCK_LINES)
    for (let i = 0; i < full; i++) yield* chunksOf(key, () => make(BLOCK_LINES))
    const rest = lines - full * BLOCK_LINES
    if (rest > 0) yield* chunksOf(`${key}#${rest}`, () => make(rest))
  }

  function streamLog(res: http.ServerResponse, pod: Obj, url: URL) {
    const ns = pod.metadata.namespace as string
    const name = pod.metadata.name as string
    let source: Iterator<Buffer>
    if (ns === 'istio-system' && name.startsWith('ztunnel-')) {
      const lines = model.pairZtunnels.includes(name) ? linesPerZtunnel : 1000
      source = repeat(name, lines, (n) => ztunnelLog(model, Number(name.slice(-5)), n))
    } else if (pod.metadata.labels?.['gateway.networking.k8s.io/gateway-name']) {
      source = repeat('waypoint', opts.waypointLines, (n) => waypointLog(model, n))
    } else {
      source = ([] as Buffer[])[Symbol.iterator]() // Tetragon export-stdout and app containers: empty
    }
    void url
    // No Content-Length: HTTP/1.1 sends it chunked, HTTP/2 as DATA frames.
    res.writeHead(200, {'Content-Type': 'text/plain'})
    const pump = () => {
      for (;;) {
        const next = source.next()
        if (next.done) return res.end()
        if (!res.write(next.value)) return res.once('drain', pump)
      }
    }
    res.once('close', () => source.return?.(undefined))
    pump()
  }

  /** Generates every log block up front (not measured). */
  const warm = () => {
    for (const name of model.pairZtunnels) for (const _ of repeat(name, linesPerZtunnel, (n) => ztunnelLog(model, Number(name.slice(-5)), n))) { /* fill */ }
    for (const _ of repeat('waypoint', opts.waypointLines, (n) => waypointLog(model, n))) { /* fill */ }
  }
  warm()

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  if (server instanceof http.Server) server.keepAliveTimeout = 60_000
  const port = (server.address() as AddressInfo).port
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    log,
    handshakes: () => handshakes,
    reset: () => {
      log.length = 0
      t0Epoch = undefined
      t0 = undefined
    },
    close: () => new Promise((resolve) => {
      for (const s of sessions) s.destroy()
      for (const c of sockets) c.destroy()
      server.close(() => resolve())
    }),
  }
}
