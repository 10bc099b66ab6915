// A plain workload (not a Lattice service) → an external destination, live: Admission,
// Cedar and Declarations SKIP (§10.5); L4/L7/Runtime the same lines as for a Lattice A on
// the workload's live labels — Cilium toFQDNs only for names a DNS rule let the pods look up
// (pkg/policy/api/fqdn.go, Cilium docs "DNS based"), toCIDRSet with except, Kubernetes
// NetworkPolicy ipBlock (pkg/k8s/network_policy.go), the egress waypoint's grant (§6.5).
import nock from 'nock'
import {describe, expect, it} from 'vitest'
import type {RequestRecord} from '../../src/cluster/index.js'
import type {KubeObject} from '../../src/core/kube.js'
import {diagnoseExternalFromWorkload} from '../../src/diagnose/external-plain.js'
import {parseExternalTarget} from '../../src/diagnose/external-target.js'
import type {Diagnosis} from '../../src/diagnose/model.js'
import {objects as o} from '../cluster/fixtures.js'
import {compiledPolicies, FakeCluster, NODE_A, NS, seedDocs, serveWithNock} from './fake-cluster.js'
import {layer, liveRequest, statuses, useNock} from './run.js'

useNock()

type Obj = Record<string, any>
const APP = {app: 'legacy-billing'}

function legacy(opts: {ambient?: boolean} = {}): KubeObject[] {
  const labels = {...APP, ...(opts.ambient === false ? {'istio.io/dataplane-mode': 'none'} : {})}
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'legacy-billing', namespace: NS, labels: APP},
    spec: {selector: {matchLabels: APP}, template: {metadata: {labels}, spec: {serviceAccountName: 'billing', containers: [{name: 'main', image: 'r/legacy:1'}]}}},
  }
  const p = o.pod(NS, 'legacy-billing-6c9f7d8b54-zz9xq', 'x', {ip: '10.244.1.77'}) as Obj
  p.metadata.labels = {...labels, 'pod-template-hash': '6c9f7d8b54'}
  p.spec.nodeName = NODE_A
  p.spec.serviceAccountName = 'billing'
  return [deployment as KubeObject, p as KubeObject]
}

const cnp = (name: string, egress: unknown[]): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name, namespace: NS}, spec: {endpointSelector: {matchLabels: APP}, egress}})
const dnsRule = (dns: unknown[]) => ({
  toEndpoints: [{matchLabels: {'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns'}}],
  toPorts: [{ports: [{port: '53', protocol: 'UDP'}], rules: {dns}}],
})
const tcp = (port: number) => [{ports: [{port: String(port), protocol: 'TCP'}]}]

function run(target: string, opts: {records?: RequestRecord[]; source?: string} = {}): Promise<Diagnosis> {
  const {target: _t, ...base} = liveRequest(opts.records ? {records: opts.records} : {})
  return diagnoseExternalFromWorkload({...base, source: opts.source ?? 'deploy/legacy-billing', target: parseExternalTarget(target)})
}

/** The compiled policies plus `policies`, without the egress waypoint's Gateway: A's own egress rules decide at L4. */
async function direct(extra: KubeObject[], policies: KubeObject[] = []): Promise<FakeCluster> {
  const cluster = await FakeCluster.create({docs: seedDocs(), extra, policies: [...await compiledPolicies(seedDocs()), ...policies]})
  for (const gw of cluster.objects.filter((x) => x.kind === 'Gateway').map((x) => x.metadata.name)) cluster.remove('Gateway', gw)
  return cluster
}

describe('live: a plain workload → an external destination', () => {
  it('Admission, Cedar and Declarations SKIP; under the platform\'s egress default-deny L4 blocks and the fix is the onboarding; only GETs, no Secrets', async () => {
    serveWithNock(await direct(legacy()))
    const records: RequestRecord[] = []
    const d = await run('api.stripe.com', {records})
    expect(statuses(d).slice(0, 3)).toEqual(['admission:SKIP', 'cedar:SKIP', 'declarations:SKIP'])
    expect(layer(d, 'declarations').summary).toMatch(/^commerce\/legacy-billing is not a Lattice service/)
    expect(d.source).toMatchObject({namespace: NS, name: 'legacy-billing', kind: 'Deployment'})
    expect(d.target).toMatchObject({kind: 'External', name: 'api.stripe.com'})
    expect(d.policySource).toBe('cluster')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(layer(d, 'l4').summary).toMatch(/legacy-billing/)
    expect(d.fix?.verified).toBe(false)
    expect(d.fix?.summary).toMatch(/onboard commerce\/legacy-billing as a LatticeService .*external-service resource for https:\/\/api.stripe.com/)
    for (const r of records) expect(r.method).toBe('GET')
    expect(records.some((r) => r.path.includes('/secrets'))).toBe(false)
    expect(records.some((r) => r.path === '/apis/apps/v1/namespaces/commerce/deployments')).toBe(true)
  })

  it('a CNP with toFQDNs and the DNS rule for the host: L4 PASS; without the DNS rule the lookup is refused: DENY naming the DNS rule', async () => {
    serveWithNock(await direct(legacy(), [cnp('legacy-egress', [dnsRule([{matchName: 'api.stripe.com'}]), {toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: tcp(443)}])]))
    const ok = await run('api.stripe.com')
    expect(layer(ok, 'l4').status).toBe('PASS')
    expect(layer(ok, 'l4').summary).toMatch(/legacy-egress/)

    nock.cleanAll()
    serveWithNock(await direct(legacy(), [cnp('legacy-egress', [dnsRule([{matchName: 'other.example.com'}]), {toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: tcp(443)}])]))
    const noDns = await run('api.stripe.com')
    expect(noDns.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect([layer(noDns, 'l4').summary, ...layer(noDns, 'l4').reasons].join(' ')).toMatch(/no DNS rule/)
  })

  it('the CNP that isolates the workload and lacks the rule: the fix adds toFQDNs and the DNS rule to that CNP', async () => {
    serveWithNock(await direct(legacy(), [cnp('legacy-egress', [dnsRule([{matchName: 'api.stripe.com'}]), {toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: tcp(443)}])]))
    const d = await run('api.paypal.com')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    const change = d.fix?.changes.find((c) => c.name === 'CiliumNetworkPolicy legacy-egress')
    expect(change?.path).toBe('spec.egress')
    expect(change?.yaml).toMatch(/toFQDNs: \[\{matchName: api.paypal.com\}\]/)
    expect(change?.yaml).toMatch(/rules: \{dns: \[\{matchName: api.paypal.com\}\]\}/)
  })

  it('toCIDRSet with except: an address inside the except is dropped, outside allowed', async () => {
    serveWithNock(await direct(legacy(), [cnp('legacy-db', [{toCIDRSet: [{cidr: '10.0.0.0/8', except: ['10.1.0.0/16']}], toPorts: tcp(5432)}])]))
    expect(layer(await run('10.2.3.4:5432'), 'l4').status).toBe('PASS')
    const d = await run('10.1.2.3:5432')
    expect(layer(d, 'l4').status).toBe('DENY')
    expect(d.result.blockedAt).toBe('l4')
  })

  it('an egressDeny rule wins over the allow: the fix names that rule, not an onboarding', async () => {
    const allowAndDeny: KubeObject = {...cnp('legacy-db', [{toCIDRSet: [{cidr: '10.0.0.0/8'}], toPorts: tcp(5432)}])}
    ;(allowAndDeny.spec as Obj).egressDeny = [{toCIDR: ['10.9.9.9/32']}]
    serveWithNock(await direct(legacy(), [allowAndDeny]))
    const d = await run('10.9.9.9:5432')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(d.fix?.changes).toHaveLength(1)
    expect(d.fix?.changes[0]).toMatchObject({name: 'CiliumNetworkPolicy legacy-db', path: 'spec.egressDeny[0]'})
  })

  it('through the egress waypoint: its grant names only the declared callers, so a plain ambient workload is denied at L7', async () => {
    const waypointPod = o.pod(NS, 'commerce-waypoint-5f7d8c9b6-h4k8s', 'commerce-waypoint', {ip: '10.244.2.50'}) as Obj
    waypointPod.metadata.labels = {'gateway.networking.k8s.io/gateway-name': 'commerce-waypoint'}
    waypointPod.spec.serviceAccountName = 'commerce-waypoint'
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: [...legacy(), waypointPod as KubeObject]}))
    const d = await run('api.stripe.com')
    const l7 = layer(d, 'l7')
    expect(l7.status).toBe('DENY')
    expect(l7.summary).toMatch(/no AuthorizationPolicy allows spiffe:\/\/cluster.local\/ns\/commerce\/sa\/billing to api.stripe.com:443 at waypoint commerce-waypoint/)
  })

  it('an unknown workload is an input error naming it', async () => {
    serveWithNock(await direct(legacy()))
    await expect(run('api.stripe.com', {source: 'deploy/legacy-biling'})).rejects.toThrow(/legacy-biling/)
  })
})
