// The synthetic cluster behind the live benchmark: a generated fleet (bench/fleet.ts) of
// 1,000 LatticeServices × 2 replicas = 2,000 pods on 20 nodes, 500 policy objects (the
// policies the platform compiles for the pair's namespaces, plus filler across the other
// namespaces), ztunnel/waypoint/Tetragon agent pods, and deterministic log and flow
// generators. Everything is derived from a seed, so every run serves the same cluster.
import {generateFleet} from '../fleet.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {specSetFromDocuments} from '../../src/spec/load.js'
import {compiledView} from '../../src/diagnose/pair.js'

type Obj = Record<string, any>

export const SERVICES = 1000
export const NODES = 20
export const POLICY_TOTAL = 500
export const TRUST_DOMAIN = 'cluster.local'
export const PODS = 2000
const PAIR_NS_KEEP = 3

/** mulberry32, as bench/fleet.ts. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

let rv = 5000
function meta(ns: string | undefined, name: string, labels: Record<string, string> = {}, extra: Obj = {}): Obj {
  rv++
  return {
    name, ...(ns ? {namespace: ns} : {}),
    uid: `00000000-0000-4000-8000-${String(rv).padStart(12, '0')}`,
    resourceVersion: String(rv), generation: 1, creationTimestamp: '2026-05-01T10:00:00Z',
    ...(Object.keys(labels).length ? {labels} : {}), ...extra,
  }
}

export interface PodInfo {
  namespace: string
  name: string
  app: string
  ip: string
  node: string
}

export interface ClusterModel {
  pair: {source: {namespace: string; name: string}; target: {namespace: string; name: string}}
  /** Objects by collection key `group/version/resource`, each carrying apiVersion/kind. */
  collections: Map<string, Obj[]>
  pods: PodInfo[]
  pairPods: {a: PodInfo[]; b: PodInfo[]}
  /** ztunnel pods whose logs the CLI reads (the nodes of A's and B's pods). */
  pairZtunnels: string[]
  counts: Record<string, number>
}

const NAME = 'app.kubernetes.io/name'

function podObject(p: PodInfo, labels: Record<string, string>, sa: string, extra: Obj = {}): Obj {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: meta(p.namespace, p.name, labels, {ownerReferences: [{apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${p.app}-7c9f8d6b5`, uid: 'rs', controller: true}]}),
    spec: {serviceAccountName: sa, nodeName: p.node, containers: [{name: 'main', image: `registry.example.com/${p.app}:1.0`, ports: [{name: 'http', containerPort: 8080, protocol: 'TCP'}]}], ...extra},
    status: {
      phase: 'Running', hostIP: `172.18.0.${10 + Number(p.node.slice(-2))}`, podIP: p.ip, podIPs: [{ip: p.ip}], startTime: '2026-05-01T10:00:05Z', qosClass: 'Burstable',
      conditions: [
        {type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-05-01T10:00:05Z'},
        {type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-05-01T10:00:09Z'},
        {type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-05-01T10:00:09Z'},
        {type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-05-01T10:00:05Z'},
      ],
      containerStatuses: [{name: 'main', ready: true, restartCount: 0, image: `registry.example.com/${p.app}:1.0`, imageID: '', containerID: 'containerd://abc', started: true, state: {running: {startedAt: '2026-05-01T10:00:08Z'}}}],
    },
  }
}

export async function buildCluster(seed = 7): Promise<ClusterModel> {
  const rand = rng(seed)
  const fleet = generateFleet(SERVICES)
  let services = fleet.services
  // The pair: the first service with a bilateral dependency in another namespace.
  const keyOf = (s: Obj) => `${s.metadata.namespace}/${s.metadata.name}`
  const byName = new Map(services.map((s) => [s.metadata.name as string, s]))
  let pair: ClusterModel['pair'] | undefined
  for (const s of services) {
    for (const [dep, r] of Object.entries<Obj>(s.spec.workload.resources)) {
      if (r.type !== 'service' || r.direction !== 'outbound' || !r.namespace) continue
      const peer = byName.get(dep)
      if (peer?.spec.workload.resources[s.metadata.name]?.direction === 'inbound') {
        pair = {source: {namespace: s.metadata.namespace, name: s.metadata.name}, target: {namespace: peer.metadata.namespace, name: peer.metadata.name}}
        break
      }
    }
    if (pair) break
  }
  if (!pair) throw new Error('no cross-namespace bilateral pair in the generated fleet')
  const pairNs = [pair.source.namespace, pair.target.namespace]
  // 500 policies in all: the platform compiles ~7 objects per service, so the pair's two
  // namespaces keep every PAIR_NS_KEEP-th service (always A and B); the others are dropped
  // from the fleet (their callers' declarations then name a service that does not exist).
  const pairKeys = new Set([pair.source, pair.target].map((e) => `${e.namespace}/${e.name}`))
  services = services.filter((s, i) => !pairNs.includes(s.metadata.namespace) || pairKeys.has(keyOf(s)) || i % PAIR_NS_KEEP === 0)
  const namespaces = [...new Set(services.map((s) => s.metadata.namespace as string))].sort()

  // What the platform compiles for the pair's namespaces: the live policies there (below),
  // and whether B's namespace has a waypoint at all (only if the compiler emits one).
  const docs = services.filter((s) => pairNs.includes(s.metadata.namespace)).map((s, i) => ({value: s, origin: {file: 'bench', index: i}, label: keyOf(s)}))
  docs.push(...fleet.cedarPolicies.map((c, i) => ({value: c, origin: {file: 'bench', index: 1000 + i}, label: c.metadata.name})))
  const compiled = compiledView(await compileFleet(specSetFromDocuments(docs), defaultCompileOptions()))
  const waypoint = [...compiled.l4, ...compiled.l7].find((o) => o.kind === 'Gateway' && o.metadata.namespace === pair!.target.namespace)?.metadata.name

  const collections = new Map<string, Obj[]>()
  const add = (key: string, obj: Obj) => {
    const list = collections.get(key) ?? []
    list.push(obj)
    collections.set(key, list)
  }
  const LS = 'lattice.dev/v1alpha1/latticeservices'
  for (const s of services) add(LS, {...s, metadata: meta(s.metadata.namespace, s.metadata.name), status: {phase: 'Ready', observedGeneration: 1}})
  for (const c of fleet.cedarPolicies) add('lattice.dev/v1alpha1/cedarpolicies', {...c, metadata: meta(c.metadata.namespace, c.metadata.name)})

  // Pods: 2 per service on random nodes; IPs unique.
  const pods: PodInfo[] = []
  const nodes = Array.from({length: NODES}, (_, i) => `worker-${String(i).padStart(2, '0')}`)
  // 2 replicas each, a third for the first services until there are PODS pods.
  const extra = PODS - 2 * services.length
  let n = 0
  services.forEach((s, i) => {
    for (let r = 0; r < (i < extra ? 3 : 2); r++, n++) {
      pods.push({
        namespace: s.metadata.namespace, app: s.metadata.name, name: `${s.metadata.name}-7c9f8d6b5-${String(n).padStart(5, '0')}`,
        ip: `10.244.${Math.floor(n / 250)}.${(n % 250) + 2}`, node: nodes[Math.floor(rand() * NODES)],
      })
    }
  })
  const identityOf = new Map(services.map((s, i) => [s.metadata.name as string, 40000 + i]))
  for (const [podIndex, p] of pods.entries()) {
    add('/v1/pods', podObject(p, {[NAME]: p.app, 'pod-template-hash': '7c9f8d6b5'}, p.app))
    add('cilium.io/v2/ciliumendpoints', {
      apiVersion: 'cilium.io/v2', kind: 'CiliumEndpoint',
      metadata: meta(p.namespace, p.name, {[NAME]: p.app}, {ownerReferences: [{apiVersion: 'v1', kind: 'Pod', name: p.name, uid: 'pod-uid'}]}),
      status: {
        id: 1000 + podIndex, state: 'ready', identity: {id: identityOf.get(p.app), labels: [`k8s:${NAME}=${p.app}`, `k8s:io.kubernetes.pod.namespace=${p.namespace}`]},
        networking: {addressing: [{ipv4: p.ip}], node: p.node}, encryption: {}, 'named-ports': [{name: 'http', port: 8080, protocol: 'TCP'}], 'service-account': p.app,
        policy: {ingress: {enforcing: true, state: 'enforcing'}, egress: {enforcing: true, state: 'enforcing'}},
      },
    })
  }
  const pairPods = {
    a: pods.filter((p) => p.namespace === pair!.source.namespace && p.app === pair!.source.name),
    b: pods.filter((p) => p.namespace === pair!.target.namespace && p.app === pair!.target.name),
  }
  // Agents: one ztunnel and one Tetragon per node; B's waypoint (2 replicas) if it has one.
  nodes.forEach((node, i) => {
    add('/v1/pods', podObject({namespace: 'istio-system', name: `ztunnel-${String(i).padStart(5, '0')}`, app: 'ztunnel', ip: `172.18.0.${10 + i}`, node},
      {app: 'ztunnel', 'controller-revision-hash': '6d9f'}, 'ztunnel', {hostNetwork: false}))
    add('/v1/pods', podObject({namespace: 'kube-system', name: `tetragon-${String(i).padStart(5, '0')}`, app: 'tetragon', ip: `172.18.0.${10 + i}`, node},
      {[NAME]: 'tetragon', 'controller-revision-hash': '7a1b'}, 'tetragon', {hostNetwork: true}))
  })
  for (let r = 0; waypoint && r < 2; r++) {
    add('/v1/pods', podObject({namespace: pair.target.namespace, name: `${waypoint}-5b8d7c-${r}`, app: waypoint, ip: `10.244.9.${r + 2}`, node: nodes[r]},
      {'gateway.networking.k8s.io/gateway-name': waypoint, 'istio.io/gateway-name': waypoint}, waypoint))
  }
  const pairNodes = new Set([...pairPods.a, ...pairPods.b].map((p) => p.node))
  const pairZtunnels = nodes.flatMap((n, i) => (pairNodes.has(n) ? [`ztunnel-${String(i).padStart(5, '0')}`] : []))

  for (const ns of [...namespaces, 'istio-system', 'kube-system', 'lattice-system', 'default']) {
    const labels: Record<string, string> = {'kubernetes.io/metadata.name': ns}
    if (ns.startsWith('team-')) labels['istio.io/dataplane-mode'] = 'ambient'
    if (ns === pair.target.namespace && waypoint) labels['istio.io/use-waypoint'] = waypoint
    add('/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: meta(undefined, ns, labels), spec: {finalizers: ['kubernetes']}, status: {phase: 'Active'}})
  }
  services.forEach((s, i) => add('/v1/services', {
    apiVersion: 'v1', kind: 'Service', metadata: meta(s.metadata.namespace, s.metadata.name, {[NAME]: s.metadata.name}),
    spec: {type: 'ClusterIP', clusterIP: `10.96.${Math.floor(i / 250)}.${(i % 250) + 2}`, selector: {[NAME]: s.metadata.name}, ports: [{name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080}]},
    status: {loadBalancer: {}},
  }))
  add('/v1/configmaps', {apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('kube-system', 'cilium-config'), data: {'enable-policy': 'default', 'cluster-name': 'bench'}})
  add('/v1/configmaps', {apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('istio-system', 'istio'), data: {mesh: `trustDomain: ${TRUST_DOMAIN}\n`}})
  if (waypoint) add('gateway.networking.k8s.io/v1/gateways', {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: meta(pair.target.namespace, waypoint, {'istio.io/waypoint-for': 'service'}),
    spec: {gatewayClassName: 'istio-waypoint', listeners: [{name: 'mesh', port: 15008, protocol: 'HBONE'}]},
    status: {conditions: [{type: 'Programmed', status: 'True', reason: 'Programmed', lastTransitionTime: '2026-05-01T10:00:00Z', message: '', observedGeneration: 1}]},
  })

  // Policies: what the platform compiles for the pair's namespaces (so the live objects
  // are realistic and mostly drift-free), then filler in the other namespaces up to 500.
  const policyKey: Record<string, string> = {
    CiliumNetworkPolicy: 'cilium.io/v2/ciliumnetworkpolicies',
    CiliumClusterwideNetworkPolicy: 'cilium.io/v2/ciliumclusterwidenetworkpolicies',
    AuthorizationPolicy: 'security.istio.io/v1/authorizationpolicies',
    PeerAuthentication: 'security.istio.io/v1/peerauthentications',
    TracingPolicy: 'cilium.io/v1alpha1/tracingpolicies',
    TracingPolicyNamespaced: 'cilium.io/v1alpha1/tracingpoliciesnamespaced',
    // Emitted for the pair's namespaces too (waypoints, external endpoints, NetworkPolicies).
    ServiceEntry: 'networking.istio.io/v1/serviceentries',
    Gateway: 'gateway.networking.k8s.io/v1/gateways',
    NetworkPolicy: 'networking.k8s.io/v1/networkpolicies',
  }
  const counted = new Set(['ServiceEntry', 'Gateway', 'NetworkPolicy'])
  let policies = 0
  for (const o of [...compiled.l4, ...compiled.l7, ...compiled.runtime]) {
    const key = policyKey[o.kind]
    if (!key) continue
    // B's waypoint Gateway is added above, with its status.
    if (o.kind === 'Gateway' && o.metadata.namespace === pair.target.namespace && o.metadata.name === waypoint) continue
    add(key, {...o, metadata: {...meta(o.metadata.namespace, o.metadata.name, o.metadata.labels ?? {}), ...(o.metadata.annotations ? {annotations: o.metadata.annotations} : {})}})
    if (!counted.has(o.kind)) policies++
  }
  const others = namespaces.filter((ns) => !pairNs.includes(ns))
  const kinds = ['CiliumNetworkPolicy', 'CiliumNetworkPolicy', 'CiliumNetworkPolicy', 'AuthorizationPolicy', 'AuthorizationPolicy', 'PeerAuthentication', 'TracingPolicyNamespaced', 'CiliumClusterwideNetworkPolicy', 'TracingPolicy']
  for (let k = 0; policies < POLICY_TOTAL; k++, policies++) {
    const kind = kinds[k % kinds.length]
    const ns = others[k % others.length]
    const app = `svc-${String((k * 37) % SERVICES).padStart(5, '0')}`
    const sel = {matchLabels: {[NAME]: app}}
    const obj: Obj = {
      CiliumNetworkPolicy: {apiVersion: 'cilium.io/v2', kind, metadata: meta(ns, `filler-cnp-${k}`, {'app.kubernetes.io/managed-by': 'lattice'}),
        spec: {endpointSelector: {matchLabels: {[`k8s:${NAME}`]: app}}, ingress: [{fromEndpoints: [{matchLabels: {[`k8s:${NAME}`]: 'svc-00001'}}], toPorts: [{ports: [{port: '15008', protocol: 'TCP'}]}]}]}},
      CiliumClusterwideNetworkPolicy: {apiVersion: 'cilium.io/v2', kind, metadata: meta(undefined, `filler-ccnp-${k}`),
        spec: {endpointSelector: {matchLabels: {'k8s:io.kubernetes.pod.namespace': ns}}, egress: [{toEntities: ['kube-apiserver'], toPorts: [{ports: [{port: '6443', protocol: 'TCP'}]}]}]}},
      AuthorizationPolicy: {apiVersion: 'security.istio.io/v1', kind, metadata: meta(ns, `filler-ap-${k}`),
        spec: {action: 'ALLOW', selector: sel, rules: [{from: [{source: {principals: [`${TRUST_DOMAIN}/ns/${ns}/sa/svc-00001`]}}], to: [{operation: {ports: ['8080']}}]}]}},
      PeerAuthentication: {apiVersion: 'security.istio.io/v1', kind, metadata: meta(ns, `filler-pa-${k}`), spec: {selector: sel, mtls: {mode: 'STRICT'}}},
      TracingPolicy: {apiVersion: 'cilium.io/v1alpha1', kind, metadata: meta(undefined, `filler-tp-${k}`), spec: {kprobes: [{call: 'security_file_open', syscall: false, args: [{index: 0, type: 'file'}]}]}},
      TracingPolicyNamespaced: {apiVersion: 'cilium.io/v1alpha1', kind, metadata: meta(ns, `filler-tpn-${k}`),
        spec: {podSelector: sel, kprobes: [{call: 'security_bprm_check', syscall: false, args: [{index: 0, type: 'linux_binprm'}], selectors: [{matchArgs: [{index: 0, operator: 'NotEqual', values: [`/app/${app}`]}], matchActions: [{action: 'Sigkill'}]}]}]}},
    }[kind] as Obj
    add(policyKey[kind], obj)
  }
  const counts: Record<string, number> = {}
  for (const [k, v] of collections) counts[k] = v.length
  return {pair, collections, pods, pairPods, pairZtunnels, counts}
}

// ---- logs

const ts = (base: number, i: number) => new Date(base + i * 3).toISOString().replace('Z', '123Z')

function plainAccess(time: string, level: string, msg: string, s: PodInfo, d: PodInfo, port: number, direction: string, err?: string): string {
  return `${time}\t${level}\taccess\t${msg}\tsrc.addr=${s.ip}:${40000 + (port % 20000)} src.workload="${s.name}" src.namespace="${s.namespace}" src.identity="spiffe://${TRUST_DOMAIN}/ns/${s.namespace}/sa/${s.app}" ` +
    `dst.addr=${d.ip}:15008 dst.hbone_addr=${d.ip}:8080 dst.service="${d.app}.${d.namespace}.svc.cluster.local" dst.workload="${d.name}" dst.namespace="${d.namespace}" dst.identity="spiffe://${TRUST_DOMAIN}/ns/${d.namespace}/sa/${d.app}" ` +
    `direction="${direction}" bytes_sent=${err ? 0 : 214} bytes_recv=${err ? 0 : 1187} duration="${err ? 3 : 38}ms"${err ? ` error="${err}"` : ''}`
}

function jsonAccess(time: string, level: string, msg: string, s: PodInfo, d: PodInfo, port: number, direction: string, err?: string): string {
  return JSON.stringify({
    level, time, scope: 'access', message: msg, 'src.addr': `${s.ip}:${40000 + (port % 20000)}`, 'src.workload': s.name, 'src.namespace': s.namespace,
    'src.identity': `spiffe://${TRUST_DOMAIN}/ns/${s.namespace}/sa/${s.app}`, 'dst.addr': `${d.ip}:15008`, 'dst.hbone_addr': `${d.ip}:8080`,
    'dst.service': `${d.app}.${d.namespace}.svc.cluster.local`, 'dst.workload': d.name, 'dst.namespace': d.namespace,
    'dst.identity': `spiffe://${TRUST_DOMAIN}/ns/${d.namespace}/sa/${d.app}`, direction, bytes_sent: err ? 0 : 214, bytes_recv: err ? 0 : 1187, duration: `${err ? 3 : 38}ms`,
    ...(err ? {error: err} : {}),
  })
}

const NOISE_PLAIN = [
  (t: string) => `${t}\tinfo\txds::client:xds{id=7}\treceived response\ttype_url="type.googleapis.com/istio.workload.Address" size=42 removes=0`,
  (t: string) => `${t}\tdebug\tproxy::inbound\tnew connection\tpeer=10.244.3.7:51234`,
  (t: string) => `${t}\tinfo\tinpod::statemanager\tpod received, starting proxy\tuid="8d1f3c52-9a6e-4b0f-a2d4-7c35e1f09b86" name="svc-00412-7c9f8d6b5-00824" namespace="team-012"`,
  (t: string) => `${t}\tdebug\tdns\tdns request\tname="svc-00123.team-003.svc.cluster.local." type=A`,
  (t: string) => `${t}\twarn\tproxy::pool\tpool idle timeout\tkey=10.244.1.7:15008`,
]
const NOISE_JSON = [
  (t: string) => `{"level":"info","time":"${t}","scope":"ztunnel::xds::client","message":"received response","type_url":"type.googleapis.com/istio.workload.Address","size":42}`,
  (t: string) => `{"level":"debug","time":"${t}","scope":"ztunnel::dns","message":"dns request","name":"svc-00123.team-003.svc.cluster.local.","type":"A"}`,
  (t: string) => `{"level":"info","time":"${t}","scope":"ztunnel::inpod::statemanager","message":"pod delete request, shutting down proxy","uid":"0af76519-16cd-43dd-8448-eb211c80319c"}`,
]

/**
 * `lines` ztunnel log lines, yielded in ~64 KiB chunks. 70% plain / 30% JSON per line
 * (a stream that switched format on a restart); ~55% noise, ~44% access records of other
 * pairs (connection opened/complete), ~1% records of the pair (completions, RBAC denials
 * and the matching ztunnel::state policy decisions).
 */
export function* ztunnelLog(model: ClusterModel, podIndex: number, lines: number, base = Date.now() - 10 * 60_000): Generator<string> {
  const rand = rng(1000 + podIndex)
  const {a, b} = model.pairPods
  const pods = model.pods
  let chunk = ''
  const step = Math.max(1, Math.floor((10 * 60_000) / Math.max(lines, 1) / 3))
  for (let i = 0; i < lines; i++) {
    const t = ts(base, i * step)
    const json = rand() < 0.3
    const r = rand()
    let line: string
    if (r < 0.55) {
      const pick = NOISE_PLAIN.length + NOISE_JSON.length
      line = json ? NOISE_JSON[Math.floor(rand() * NOISE_JSON.length)](t) : NOISE_PLAIN[Math.floor(rand() * NOISE_PLAIN.length)](t)
      void pick
    } else if (r < 0.99) {
      const s = pods[Math.floor(rand() * pods.length)]
      const d = pods[Math.floor(rand() * pods.length)]
      const msg = rand() < 0.3 ? 'connection opened' : 'connection complete'
      line = (json ? jsonAccess : plainAccess)(t, msg === 'connection opened' ? 'debug' : 'info', msg, s, d, i, rand() < 0.5 ? 'inbound' : 'outbound')
    } else {
      const s = a[i % a.length]
      const d = b[i % b.length]
      const denied = rand() < 0.5
      if (denied && rand() < 0.5) {
        line = json
          ? `{"level":"info","time":"${t}","scope":"ztunnel::state","message":"no allow policies matched","proxy":{"wl":"${d.namespace}/${d.name}"},"inbound":{"id":"0af7651916cd43dd8448eb211c80319c","peer":"${s.ip}:52214"}}`
          : `${t}\tinfo\tstate:proxy{wl=${d.namespace}/${d.name}}:inbound{id=0af7651916cd43dd8448eb211c80319c peer=${s.ip}:52214}\tno allow policies matched\t`
      } else {
        line = (json ? jsonAccess : plainAccess)(t, denied ? 'error' : 'info', 'connection complete', s, d, i, 'outbound', denied ? 'http status: 401 Unauthorized' : undefined)
      }
    }
    chunk += line + '\n'
    if (chunk.length >= 64 * 1024) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk) yield chunk
}

/** Envoy text access log of the waypoint: mostly other callers, some for the pair. */
export function* waypointLog(model: ClusterModel, lines: number, base = Date.now() - 10 * 60_000): Generator<string> {
  const rand = rng(77)
  let chunk = ''
  for (let i = 0; i < lines; i++) {
    const t = new Date(base + i * 10).toISOString()
    const pairLine = rand() < 0.02
    const s = pairLine ? model.pairPods.a[0] : model.pods[Math.floor(rand() * model.pods.length)]
    const denied = pairLine && rand() < 0.5
    const code = denied ? 403 : 200
    const details = denied ? 'rbac_access_denied_matched_policy[none]' : 'via_upstream'
    const b = model.pairPods.b[0]
    chunk += `[${t}] "GET /api/items HTTP/1.1" ${code} - ${details} - "-" 0 ${denied ? 19 : 512} 3 2 "-" "bench/1.0" "req-${i}" "${model.pair.target.name}.${model.pair.target.namespace}:8080" "${denied ? '-' : `${b.ip}:8080`}" inbound-vip|8080|http|${model.pair.target.name}.${model.pair.target.namespace}.svc.cluster.local - 10.96.0.9:8080 ${s.ip}:53390 - default\n`
    if (chunk.length >= 64 * 1024) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk) yield chunk
}
