// API responses shaped like a real API server's: List kinds with apiVersion and
// metadata.resourceVersion, items WITHOUT apiVersion/kind, status blocks as the
// controllers write them. And kubeconfig files with two contexts and a real-looking token.
import {mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import nock from 'nock'
import {stringify} from 'yaml'
import {connect, type Cluster, type RequestRecord} from '../../src/cluster/index.js'

export const SERVER = 'https://k8s.test:6443'
export const OTHER_SERVER = 'https://staging.k8s.test:6443'
/** A service-account-shaped JWT: it must never appear in any message. */
export const TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6cGxhdGZvcm0ifQ.c2lnbmF0dXJlLW9mLWEtc2VjcmV0LXRva2Vu'
export const STAGING_TOKEN = 'staging-opaque-token-9f8e7d6c5b4a'

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'platform-cluster-'))
}

/** Two contexts: prod (current, namespace commerce, token) and staging (no namespace). */
export function writeKubeconfig(dir = tempDir(), overrides: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'config')
  writeFileSync(file, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'prod',
    clusters: [
      {name: 'prod', cluster: {server: SERVER, 'insecure-skip-tls-verify': true}},
      {name: 'staging', cluster: {server: OTHER_SERVER, 'insecure-skip-tls-verify': true}},
    ],
    users: [
      {name: 'prod-admin', user: {token: TOKEN}},
      {name: 'staging-user', user: {token: STAGING_TOKEN}},
    ],
    contexts: [
      {name: 'prod', context: {cluster: 'prod', user: 'prod-admin', namespace: 'commerce'}},
      {name: 'staging', context: {cluster: 'staging', user: 'staging-user'}},
    ],
    ...overrides,
  }))
  return file
}

const isolated = {env: {}, homeDir: undefined, inClusterPathPrefix: '/nonexistent'}

export async function testCluster(opts: {requestTimeoutMs?: number; records?: RequestRecord[]; context?: string} = {}): Promise<Cluster> {
  const records = opts.records
  return connect({
    kubeconfig: writeKubeconfig(),
    context: opts.context,
    requestTimeoutMs: opts.requestTimeoutMs ?? 2000,
    recorder: records ? (r) => records.push(r) : undefined,
  }, isolated)
}

type Obj = Record<string, any>

let rv = 1000
function meta(namespace: string | undefined, name: string, labels: Record<string, string> = {}, extra: Obj = {}): Obj {
  rv += 1
  return {
    name,
    ...(namespace ? {namespace} : {}),
    uid: `00000000-0000-4000-8000-${String(rv).padStart(12, '0')}`,
    resourceVersion: String(rv),
    generation: 1,
    creationTimestamp: '2025-05-01T10:00:00Z',
    ...(Object.keys(labels).length ? {labels} : {}),
    ...extra,
  }
}

/** What the API server returns for a collection: items without apiVersion/kind. */
export function list(apiVersion: string, kind: string, items: Obj[]): Obj {
  return {
    apiVersion,
    kind: `${kind}List`,
    metadata: {resourceVersion: String(++rv)},
    items: items.map(({apiVersion: _a, kind: _k, ...rest}) => rest),
  }
}

export function status(code: number, reason: string, message: string): Obj {
  return {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code}
}

export const objects = {
  latticeService: (ns: string, name: string, deps: Obj = {}) => ({
    apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService',
    metadata: meta(ns, name),
    spec: {workload: {containers: {main: {image: `registry.example.com/${ns}/${name}:1.0`}}, service: {ports: {http: {port: 8080}}}, resources: deps}},
    status: {phase: 'Ready', observedGeneration: 1, message: 'all resources applied'},
  }),
  meshMember: (ns: string, name: string) => ({
    apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember',
    metadata: meta(ns, name, {'app.kubernetes.io/managed-by': 'lattice'}),
    spec: {target: {selector: {'app.kubernetes.io/name': name}}, ports: [{name: 'http', port: 8080, peerAuth: 'Strict'}], allowedCallers: [], dependencies: [], egress: []},
    status: {phase: 'Ready', observedGeneration: 1},
  }),
  cedarPolicy: (name: string) => ({
    apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy',
    metadata: meta('lattice-system', name),
    spec: {enabled: true, priority: 0, policies: 'permit(principal, action, resource);'},
    status: {phase: 'Valid'},
  }),
  namespace: (name: string, labels: Record<string, string> = {}) => ({
    apiVersion: 'v1', kind: 'Namespace',
    metadata: meta(undefined, name, {'kubernetes.io/metadata.name': name, ...labels}),
    spec: {finalizers: ['kubernetes']},
    status: {phase: 'Active'},
  }),
  pod: (ns: string, name: string, app: string, opts: {ready?: boolean; ip?: string; hostNetwork?: boolean; ports?: Obj[]} = {}) => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: meta(ns, name, {'app.kubernetes.io/name': app, 'pod-template-hash': '7c9f8d6b5'}, {
      ownerReferences: [{apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-7c9f8d6b5`, uid: 'rs-uid', controller: true, blockOwnerDeletion: true}],
    }),
    spec: {
      serviceAccountName: app, nodeName: 'worker-1', ...(opts.hostNetwork ? {hostNetwork: true} : {}),
      containers: [{name: 'main', image: `registry.example.com/${app}:1.0`, ports: opts.ports ?? [{name: 'http', containerPort: 8080, protocol: 'TCP'}]}],
    },
    status: {
      phase: 'Running', hostIP: '172.18.0.3', podIP: opts.ip ?? '10.244.1.17', podIPs: [{ip: opts.ip ?? '10.244.1.17'}],
      startTime: '2025-05-01T10:00:05Z', qosClass: 'BestEffort',
      conditions: [
        {type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-05-01T10:00:05Z'},
        {type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastProbeTime: null, lastTransitionTime: '2025-05-01T10:00:09Z'},
        {type: 'ContainersReady', status: opts.ready === false ? 'False' : 'True', lastProbeTime: null, lastTransitionTime: '2025-05-01T10:00:09Z'},
        {type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-05-01T10:00:05Z'},
      ],
      containerStatuses: [{name: 'main', ready: opts.ready !== false, restartCount: 0, image: `registry.example.com/${app}:1.0`, imageID: '', containerID: 'containerd://abc', started: true, state: {running: {startedAt: '2025-05-01T10:00:08Z'}}}],
    },
  }),
  service: (ns: string, name: string, opts: {selector?: Record<string, string>; ports?: Obj[]; labels?: Record<string, string>} = {}) => ({
    apiVersion: 'v1', kind: 'Service',
    metadata: meta(ns, name, opts.labels ?? {'app.kubernetes.io/name': name}),
    spec: {
      type: 'ClusterIP', clusterIP: '10.96.12.34', clusterIPs: ['10.96.12.34'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None',
      selector: opts.selector ?? {'app.kubernetes.io/name': name},
      ports: opts.ports ?? [{name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080}],
    },
    status: {loadBalancer: {}},
  }),
  configMap: (ns: string, name: string, data: Record<string, string>) => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(ns, name), data,
  }),
  ciliumEndpoint: (ns: string, pod: string, app: string, opts: {ingress?: boolean | null; egress?: boolean | null; state?: string; identity?: number | null} = {}) => {
    const direction = (enforcing: boolean | null | undefined) => (enforcing === null ? undefined : {enforcing: enforcing ?? true, state: (enforcing ?? true) ? 'enforcing' : 'non-enforcing'})
    const policy = {ingress: direction(opts.ingress), egress: direction(opts.egress)}
    return {
      apiVersion: 'cilium.io/v2', kind: 'CiliumEndpoint',
      metadata: meta(ns, pod, {'app.kubernetes.io/name': app}, {
        ownerReferences: [{apiVersion: 'v1', kind: 'Pod', name: pod, uid: 'pod-uid', blockOwnerDeletion: true}],
      }),
      status: {
        id: 1234,
        state: opts.state ?? 'ready',
        ...(opts.identity === null ? {} : {identity: {id: opts.identity ?? 48213, labels: [`k8s:app.kubernetes.io/name=${app}`, `k8s:io.kubernetes.pod.namespace=${ns}`]}}),
        networking: {addressing: [{ipv4: '10.244.1.17'}], node: '172.18.0.3'},
        encryption: {},
        'named-ports': [{name: 'http', port: 8080, protocol: 'TCP'}],
        'service-account': app,
        ...(policy.ingress || policy.egress ? {policy: Object.fromEntries(Object.entries(policy).filter(([, v]) => v))} : {}),
      },
    }
  },
  cnp: (ns: string, name: string) => ({
    apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy',
    metadata: meta(ns, name, {'app.kubernetes.io/managed-by': 'lattice'}),
    spec: {endpointSelector: {matchLabels: {'k8s:app.kubernetes.io/name': 'payments'}}, ingress: [{fromEndpoints: [{matchLabels: {'k8s:app.kubernetes.io/name': 'checkout'}}], toPorts: [{ports: [{port: '15008', protocol: 'TCP'}]}]}]},
    status: {conditions: [{type: 'Valid', status: 'True', lastTransitionTime: '2025-05-01T10:00:00Z', message: 'Policy validation succeeded'}]},
  }),
  ccnp: (name: string) => ({
    apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy',
    metadata: meta(undefined, name, {'app.kubernetes.io/managed-by': 'lattice'}),
    spec: {endpointSelector: {}, ingress: [{}], egress: [{}]},
  }),
  authorizationPolicy: (ns: string, name: string) => ({
    apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy',
    metadata: meta(ns, name),
    spec: {action: 'ALLOW', selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, rules: [{from: [{source: {principals: ['cluster.local/ns/commerce/sa/checkout']}}], to: [{operation: {ports: ['8080']}}]}]},
  }),
  peerAuthentication: (ns: string, name: string) => ({
    apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: meta(ns, name), spec: {mtls: {mode: 'STRICT'}},
  }),
  serviceEntry: (ns: string, name: string) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry',
    metadata: meta(ns, name, {'istio.io/use-waypoint': `${ns}-waypoint`}),
    spec: {hosts: ['api.stripe.com'], location: 'MESH_EXTERNAL', ports: [{name: 'https', number: 443, protocol: 'TLS'}], resolution: 'DNS'},
    status: {addresses: [{host: 'api.stripe.com', value: '240.240.0.1'}]},
  }),
  gateway: (ns: string, name: string) => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway',
    metadata: meta(ns, name, {'istio.io/waypoint-for': 'service'}),
    spec: {gatewayClassName: 'istio-waypoint', listeners: [{name: 'mesh', port: 15008, protocol: 'HBONE'}]},
    status: {conditions: [{type: 'Programmed', status: 'True', reason: 'Programmed', lastTransitionTime: '2025-05-01T10:00:00Z', message: '', observedGeneration: 1}]},
  }),
  tracingPolicy: (name: string) => ({
    apiVersion: 'cilium.io/v1alpha1', kind: 'TracingPolicy', metadata: meta(undefined, name), spec: {kprobes: []},
  }),
  tracingPolicyNamespaced: (ns: string, name: string) => ({
    apiVersion: 'cilium.io/v1alpha1', kind: 'TracingPolicyNamespaced', metadata: meta(ns, name),
    spec: {podSelector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, kprobes: [{call: 'security_bprm_check', syscall: false, args: [{index: 0, type: 'linux_binprm'}], selectors: [{matchArgs: [{index: 0, operator: 'NotEqual', values: ['/usr/local/bin/payments']}], matchActions: [{action: 'Sigkill'}]}]}]},
  }),
}

const CRD_GROUPS: Record<string, Record<string, Array<[string, string, boolean]>>> = {
  'lattice.dev': {v1alpha1: [['latticeservices', 'LatticeService', true], ['latticemeshmembers', 'LatticeMeshMember', true], ['cedarpolicies', 'CedarPolicy', true]]},
  'cilium.io': {
    v2: [['ciliumendpoints', 'CiliumEndpoint', true], ['ciliumnetworkpolicies', 'CiliumNetworkPolicy', true], ['ciliumclusterwidenetworkpolicies', 'CiliumClusterwideNetworkPolicy', false], ['ciliumidentities', 'CiliumIdentity', false]],
    v1alpha1: [['tracingpolicies', 'TracingPolicy', false], ['tracingpoliciesnamespaced', 'TracingPolicyNamespaced', true]],
  },
  'security.istio.io': {v1: [['authorizationpolicies', 'AuthorizationPolicy', true], ['peerauthentications', 'PeerAuthentication', true]]},
  'networking.istio.io': {v1: [['serviceentries', 'ServiceEntry', true]]},
  'gateway.networking.k8s.io': {v1: [['gateways', 'Gateway', true]]},
  apps: {v1: [['deployments', 'Deployment', true]]},
}

/** Aggregated discovery (GET /apis, Kubernetes >= 1.26); `without` drops `group/version/resource`. */
export function aggregatedDiscovery(without: string[] = []): Obj {
  return {
    kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {},
    items: Object.entries(CRD_GROUPS).map(([group, versions]) => ({
      metadata: {name: group, creationTimestamp: null},
      versions: Object.entries(versions).map(([version, resources]) => ({
        version,
        freshness: 'Current',
        resources: resources
          .filter(([resource]) => !without.includes(`${group}/${version}/${resource}`))
          .map(([resource, kind, namespaced]) => ({
            resource, responseKind: {group: '', version: '', kind}, scope: namespaced ? 'Namespaced' : 'Cluster',
            singularResource: resource.replace(/s$/, ''), verbs: ['delete', 'get', 'list', 'patch', 'create', 'update', 'watch'],
            ...(namespaced ? {} : {}),
          })),
      })).filter((v) => v.resources.length > 0),
    })).filter((g) => g.versions.length > 0),
  }
}

/** Legacy discovery: GET /apis (APIGroupList) then GET /apis/<group>/<version> (APIResourceList). */
export function legacyDiscovery(scope: nock.Scope, without: string[] = []): nock.Scope {
  const groups = Object.entries(CRD_GROUPS).map(([name, versions]) => ({
    name,
    versions: Object.keys(versions).map((version) => ({groupVersion: `${name}/${version}`, version})),
    preferredVersion: {groupVersion: `${name}/${Object.keys(versions)[0]}`, version: Object.keys(versions)[0]},
  }))
  scope.get('/apis').reply(200, {kind: 'APIGroupList', apiVersion: 'v1', groups})
  for (const [group, versions] of Object.entries(CRD_GROUPS)) {
    for (const [version, resources] of Object.entries(versions)) {
      scope.get(`/apis/${group}/${version}`).optionally().reply(200, {
        kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`,
        resources: resources
          .filter(([resource]) => !without.includes(`${group}/${version}/${resource}`))
          .flatMap(([resource, kind, namespaced]) => [
            {name: resource, singularName: '', namespaced, kind, verbs: ['get', 'list', 'watch', 'create', 'delete']},
            {name: `${resource}/status`, singularName: '', namespaced, kind, verbs: ['get', 'patch', 'update']},
          ]),
      })
    }
  }
  return scope
}
