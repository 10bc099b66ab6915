// Workloads that are not Lattice services, live (issue 9.3): A or B named as kubectl does
// (deploy/NAME, sts/NAME, ds/NAME, pod/NAME, svc/NAME, NAMESPACE/KIND/NAME). Admission,
// Cedar and Declarations SKIP; L4/L7/Runtime on the live labels, service account, ambient
// enrollment and ports; Kubernetes NetworkPolicies evaluated at L4 with Kubernetes'
// semantics (Cilium enforces them alongside CNPs: pkg/k8s/network_policy.go).
import {describe, expect, it} from 'vitest'
import type {RequestRecord} from '../../src/cluster/index.js'
import type {KubeObject} from '../../src/core/kube.js'
import {diagnosePlainWorkloads} from '../../src/diagnose/plain-workload.js'
import {isWorkloadRef, parseWorkloadRef} from '../../src/diagnose/plain-workload-ref.js'
import {objects as o} from '../cluster/fixtures.js'
import {FakeCluster, NODE_A, NODE_B, NS, pod, seedDocs, serveWithNock} from './fake-cluster.js'
import {layer, liveRequest, statuses, useNock} from './run.js'

useNock()

type Obj = Record<string, any>

function deployment(ns: string, name: string, labels: Record<string, string>, opts: {sa?: string; ports?: Obj[]} = {}): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name, namespace: ns, labels},
    spec: {
      selector: {matchLabels: labels},
      template: {metadata: {labels}, spec: {...(opts.sa ? {serviceAccountName: opts.sa} : {}), containers: [{name: 'main', image: `r/${name}:1`, ports: opts.ports ?? [{name: 'http', containerPort: 8080, protocol: 'TCP'}]}]}},
    },
  } as KubeObject
}

/** A running pod of a plain workload: its labels as given, no Lattice name label unless given. */
function plainPod(ns: string, name: string, labels: Record<string, string>, opts: {ip: string; sa?: string | null; ports?: Obj[]}): KubeObject {
  const p = o.pod(ns, name, 'x', {ip: opts.ip, ...(opts.ports ? {ports: opts.ports} : {})}) as Obj
  p.metadata.labels = {...labels, 'pod-template-hash': '5d8f7c6b9'}
  p.spec.nodeName = NODE_A
  if (opts.sa === null) delete p.spec.serviceAccountName
  else p.spec.serviceAccountName = opts.sa ?? 'default'
  return p as KubeObject
}

const kubeDns = (): KubeObject[] => [
  o.namespace('kube-system') as KubeObject,
  deployment('kube-system', 'coredns', {'k8s-app': 'kube-dns'}, {sa: 'coredns', ports: [{name: 'dns', containerPort: 53, protocol: 'UDP'}, {name: 'dns-tcp', containerPort: 53, protocol: 'TCP'}]}),
  plainPod('kube-system', 'coredns-5d78c9869d-abcde', {'k8s-app': 'kube-dns'}, {ip: '10.244.0.10', sa: 'coredns', ports: [{name: 'dns', containerPort: 53, protocol: 'UDP'}, {name: 'dns-tcp', containerPort: 53, protocol: 'TCP'}]}),
  o.service('kube-system', 'kube-dns', {selector: {'k8s-app': 'kube-dns'}, labels: {'k8s-app': 'kube-dns'}, ports: [{name: 'dns', port: 53, protocol: 'UDP', targetPort: 53}, {name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53}]}) as KubeObject,
]

const legacy = (): KubeObject[] => [
  deployment(NS, 'legacy-billing', {app: 'legacy-billing'}),
  plainPod(NS, 'legacy-billing-6c9f7d8b54-zz9xq', {app: 'legacy-billing'}, {ip: '10.244.1.77', sa: null}),
]

const run = (source: string, target: string, opts: {port?: string; records?: RequestRecord[]; namespace?: string} = {}) =>
  diagnosePlainWorkloads({...liveRequest({...(opts.records ? {records: opts.records} : {}), ...(opts.port ? {port: opts.port} : {})}), source, target, ...(opts.namespace ? {namespace: opts.namespace} : {})})

describe('kubectl-style workload names', () => {
  it.each([
    ['deploy/legacy', {namespace: 'commerce', kind: 'Deployment', name: 'legacy'}],
    ['sts/db', {kind: 'StatefulSet', name: 'db'}],
    ['ds/agent', {kind: 'DaemonSet', name: 'agent'}],
    ['pod/x-1', {kind: 'Pod', name: 'x-1'}],
    ['svc/kube-dns', {kind: 'Service', name: 'kube-dns'}],
    ['kube-system/svc/kube-dns', {namespace: 'kube-system', kind: 'Service', name: 'kube-dns'}],
    ['monitoring/deployment/prometheus', {namespace: 'monitoring', kind: 'Deployment', name: 'prometheus'}],
  ])('%s', (text, expected) => {
    expect(isWorkloadRef(text)).toBe(true)
    expect(parseWorkloadRef(text, 'commerce', 'target')).toMatchObject(expected)
  })

  it('a Lattice name stays NAMESPACE/NAME; a bad kind or name is an input error naming it', () => {
    for (const t of ['commerce/payments', 'payments', 'api.stripe.com']) expect(isWorkloadRef(t)).toBe(false)
    expect(() => parseWorkloadRef('ns/cm/x', 'd', 'source')).toThrow(/unknown kind 'cm'/)
    expect(() => parseWorkloadRef('svc/Bad_Name', 'd', 'source')).toThrow(/'Bad_Name' is not a Service name/)
  })
})

describe('live: plain workloads', () => {
  it('deploy/NAME → a Lattice service: Admission/Cedar/Declarations SKIP, L4 DENY under default-deny, the fix names the onboarding; a pod without serviceAccountName runs as default', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: legacy()}))
    const records: RequestRecord[] = []
    const d = await run('deploy/legacy-billing', 'commerce/payments', {records})
    expect(statuses(d).slice(0, 3)).toEqual(['admission:SKIP', 'cedar:SKIP', 'declarations:SKIP'])
    expect(layer(d, 'declarations').summary).toMatch(/^commerce\/legacy-billing is not a Lattice service/)
    expect(d.source).toMatchObject({namespace: NS, name: 'legacy-billing', kind: 'Deployment'})
    expect(d.target).toMatchObject({name: 'payments', kind: 'LatticeService'})
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(layer(d, 'l4').summary).toMatch(/no egress rule on legacy-billing/)
    expect(d.warnings.some((w) => /Deployment commerce\/legacy-billing sets no serviceAccountName: its pods run as commerce\/default/.test(w))).toBe(true)
    expect(d.fix?.summary).toMatch(/onboard commerce\/legacy-billing: create a LatticeMeshMember .* declaring commerce\/payments outbound/)
    expect(d.fix?.summary).toMatch(/declare commerce\/legacy-billing inbound on LatticeService commerce\/payments/)
    expect(d.fix?.verified).toBe(false)
    for (const r of records) expect(r.method).toBe('GET')
    expect(records.map((r) => r.path)).toContain('/apis/apps/v1/namespaces/commerce/deployments')
  })

  it('pod/NAME as the source: the pod\'s own labels and service account; L7 names spiffe .../sa/default', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: legacy()}))
    const d = await run('pod/legacy-billing-6c9f7d8b54-zz9xq', 'svc/payments')
    expect(d.source.kind).toBe('Pod')
    expect(d.target.kind).toBe('Service')
    expect(d.target.port).toMatchObject({servicePort: 8080, targetPort: 8080})
    expect(d.result.status).toBe('BLOCKED')
    // payments' AuthorizationPolicy allows checkout's identity only.
    expect(layer(d, 'l7').status).toBe('DENY')
    expect(layer(d, 'l7').summary).toMatch(/cluster.local\/ns\/commerce\/sa\/default/)
  })

  it('kube-dns reachability: commerce/checkout → kube-system/svc/kube-dns on 53/UDP is ALLOWED (the DNS egress of checkout)', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: kubeDns()}))
    const d = await run('commerce/checkout', 'kube-system/svc/kube-dns', {port: 'dns'})
    expect(d.target).toMatchObject({namespace: 'kube-system', name: 'kube-dns', kind: 'Service', port: {name: 'dns', servicePort: 53, targetPort: 53}})
    // Egress allowed by checkout's CNP; kube-system is outside default-deny, so ingress is open (WARN, not blocking).
    expect(layer(d, 'l4')).toMatchObject({status: 'WARN', summary: expect.stringMatching(/allows egress to kube-system\/kube-dns:53\/UDP; ingress of kube-system\/kube-dns is not in default-deny/)})
    expect(layer(d, 'l7').summary).toMatch(/kube-dns is not in the ambient mesh/)
    expect(d.result.status).toBe('ALLOWED')
    expect(d.fix).toBeNull()
  })

  it('a NetworkPolicy deny: ingress limited to the monitoring namespace blocks another pod at L4, and the fix names the NetworkPolicy', async () => {
    const np: KubeObject = {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name: 'metrics-from-monitoring', namespace: 'kube-system'},
      spec: {podSelector: {matchLabels: {app: 'metrics'}}, policyTypes: ['Ingress'], ingress: [{from: [{namespaceSelector: {matchLabels: {'kubernetes.io/metadata.name': 'monitoring'}}}], ports: [{port: 8443}]}]},
    } as KubeObject
    const extra = [
      o.namespace('kube-system') as KubeObject,
      deployment('kube-system', 'metrics', {app: 'metrics'}, {sa: 'metrics', ports: [{name: 'https', containerPort: 8443, protocol: 'TCP'}]}),
      plainPod('kube-system', 'metrics-7f9c-abcde', {app: 'metrics'}, {ip: '10.244.0.20', sa: 'metrics', ports: [{name: 'https', containerPort: 8443, protocol: 'TCP'}]}),
      deployment('kube-system', 'probe', {app: 'probe'}, {sa: 'probe'}),
      plainPod('kube-system', 'probe-5c6d-fghij', {app: 'probe'}, {ip: '10.244.0.21', sa: 'probe'}),
      np,
    ]
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra}))
    const d = await run('deploy/probe', 'deploy/metrics', {namespace: 'kube-system'})
    expect(statuses(d)).toEqual(['admission:SKIP', 'cedar:SKIP', 'declarations:SKIP', 'l4:DENY', 'l7:PASS', 'runtime:PASS'])
    expect(layer(d, 'declarations').summary).toMatch(/^kube-system\/probe and kube-system\/metrics are not a Lattice service/)
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(layer(d, 'l4').evidence.some((e) => e.kind === 'NetworkPolicy' && e.name === 'metrics-from-monitoring')).toBe(true)
    expect(d.fix?.summary).toMatch(/add an ingress rule to NetworkPolicy kube-system\/metrics-from-monitoring allowing pods app=probe of namespace kube-system on port 8443/)
    expect(d.fix?.changes).toEqual([{kind: 'Cluster', namespace: 'kube-system', name: 'NetworkPolicy metrics-from-monitoring', path: 'spec.ingress',
      yaml: '- from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {app: probe}}}]\n  ports: [{port: 8443, protocol: TCP}]'}])

    // Without the NetworkPolicy the same pair is open (kube-system is exempt from default-deny).
    const cluster = await FakeCluster.create({docs: seedDocs(), extra: extra.filter((x) => x !== np)})
    const {default: nock} = await import('nock')
    nock.cleanAll()
    serveWithNock(cluster)
    const open = await run('kube-system/deploy/probe', 'kube-system/deploy/metrics')
    expect(open.result.status).toBe('ALLOWED')
  })

  it('an end written NAMESPACE/NAME that is no LatticeService is reported as Unknown and its layers SKIP too', async () => {
    const orders = [plainPod(NS, 'orders-66d9f7c8b-p9v2x', {'app.kubernetes.io/name': 'orders'}, {ip: '10.244.2.63', sa: 'orders'}), o.service(NS, 'orders') as KubeObject]
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: [...legacy(), ...orders]}))
    const d = await run('deploy/legacy-billing', 'commerce/orders')
    expect(d.target.kind).toBe('Unknown')
    expect(layer(d, 'cedar').summary).toMatch(/^commerce\/legacy-billing and commerce\/orders are not a Lattice service/)
  })

  it('an unknown workload is an input error naming it', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs()}))
    await expect(run('deploy/nope', 'commerce/payments')).rejects.toThrow(/source 'deploy\/nope': no Deployment nope in namespace commerce/)
  })
})

void NODE_B
void pod
