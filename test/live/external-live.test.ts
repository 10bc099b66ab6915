// External destinations live (issue 9.2): A's side read from the (nock-served) cluster and
// evaluated with the engines' semantics — Cilium toFQDNs only for names a DNS rule let the
// endpoint look up (Cilium docs "DNS based" policies; pkg/policy/api/fqdn.go), toCIDRSet
// `except`, Istio ServiceEntry/waypoint (§6.5), Cedar AccessExternalEndpoint — with Hubble
// DNS records (rcode REFUSED / DROPPED by the DNS proxy) and drops to world as evidence.
import nock from 'nock'
import {afterEach, describe, expect, it} from 'vitest'
import type {RequestRecord} from '../../src/cluster/index.js'
import type {KubeObject} from '../../src/core/kube.js'
import {diagnoseExternalLive} from '../../src/diagnose/external-live.js'
import {parseExternalTarget} from '../../src/diagnose/external-target.js'
import type {Diagnosis} from '../../src/diagnose/model.js'
import type {RunningServer} from '../evidence/upstreamGrpc.js'
import {hasShared} from '../helpers/shared.js'
import {cedar, seedPair, service} from '../helpers/specs.js'
import {startHubble} from './evidence-fixtures.js'
import {compiledPolicies, FakeCluster, NODE_B, NS, pod, POD_B, IP_B, seedDocs, serveWithNock} from './fake-cluster.js'
import {layer, liveRequest, statuses, useNock} from './run.js'

useNock()

const waypointPod = pod('commerce-waypoint-5f7d8c9b6-h4k8s', 'commerce-waypoint', {
  ip: '10.244.2.50', node: NODE_B, sa: 'commerce-waypoint', labels: {'gateway.networking.k8s.io/gateway-name': 'commerce-waypoint'},
})

function runExternal(source: string, target: string, opts: {records?: RequestRecord[]; hubbleServer?: string} = {}): Promise<Diagnosis> {
  const {target: _t, ...base} = liveRequest({...(opts.records ? {records: opts.records} : {}), ...(opts.hubbleServer ? {evidence: true, hubbleServer: opts.hubbleServer} : {})})
  return diagnoseExternalLive({...base, source, target: parseExternalTarget(target)})
}

const cnp = (name: string, egress: unknown[]): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name, namespace: NS}, spec: {endpointSelector: {matchLabels: {'k8s:app.kubernetes.io/name': 'payments'}}, egress}})
const dnsRule = (dns: unknown[]) => ({
  toEndpoints: [{matchLabels: {'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns'}}],
  toPorts: [{ports: [{port: '53', protocol: 'UDP'}], rules: {dns}}],
})
const tcp = (port: number) => [{ports: [{port: String(port), protocol: 'TCP'}]}]
/** No egress waypoint (its Gateway absent): A's own FQDN/CIDR rules decide at L4, not the waypoint's. */
async function direct(policies: KubeObject[]): Promise<FakeCluster> {
  const cluster = await FakeCluster.create({docs: seedDocs(), policies})
  for (const gw of cluster.objects.filter((x) => x.kind === 'Gateway').map((x) => x.metadata.name)) cluster.remove('Gateway', gw)
  return cluster
}
/** The compiled policies, with payments' own CNPs replaced by `custom` (a hand-written egress policy). */
async function withPaymentsEgress(custom: KubeObject[]): Promise<KubeObject[]> {
  const compiled = await compiledPolicies(seedDocs())
  const paymentsEgress = (p: KubeObject) => p.kind === 'CiliumNetworkPolicy' && JSON.stringify(p.spec?.endpointSelector ?? {}).includes('payments') && Array.isArray(p.spec?.egress) && JSON.stringify(p.spec.egress).includes('toFQDNs')
  return [...compiled.filter((p) => !paymentsEgress(p)), ...custom]
}

describe('live: A → external destination', () => {
  it('declared, permitted, ServiceEntry on a ready waypoint: ALLOWED; only GETs; DNS-capture warning on ambient FQDN rules', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: [waypointPod]}))
    const records: RequestRecord[] = []
    const d = await runExternal('commerce/payments', 'https://api.stripe.com/v1/charges', {records})
    expect(statuses(d)).toEqual(['admission:PASS', 'cedar:PASS', 'declarations:PASS', 'l4:PASS', 'l7:PASS', 'runtime:PASS'])
    expect(d.result.status).toBe('ALLOWED')
    expect(d.policySource).toBe('cluster')
    expect(d.target).toMatchObject({kind: 'External', name: 'api.stripe.com'})
    expect(layer(d, 'l7').summary).toMatch(/allow-fqdn-/)
    expect(d.warnings.some((w) => w.startsWith('L4: DNS captured by ztunnel'))).toBe(true)
    for (const r of records) expect(r.method).toBe('GET')
    const paths = records.map((r) => r.path)
    expect(paths).toContain('/apis/networking.istio.io/v1/namespaces/istio-system/serviceentries')
    expect(paths).toContain('/apis/networking.k8s.io/v1/namespaces/commerce/networkpolicies')
    expect(paths.some((p) => p.includes('/secrets'))).toBe(false)
  })

  it('no ready waypoint pod: L7 fails closed (BLOCKED at L7)', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs()}))
    const d = await runExternal('commerce/payments', 'api.stripe.com')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l7'})
    expect(layer(d, 'l7').summary).toMatch(/no ready pod/)
  })

  it('not declared: BLOCKED at L4, the fix adds the external-service and is verified', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: [waypointPod]}))
    const d = await runExternal('commerce/checkout', 'api.stripe.com')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(layer(d, 'declarations').status).toBe('DENY')
    expect(d.result.explanation).toMatch(/checkout declares no external-service for api.stripe.com:443/)
    expect(d.fix?.changes[0]).toMatchObject({kind: 'LatticeService', name: 'checkout', path: 'spec.workload.resources'})
    expect(d.fix?.verified).toBe(true)
  })

  it('Cedar denial: declared but no AccessExternalEndpoint permit — BLOCKED at Cedar, the fix names the permit', async () => {
    const svc = service('commerce', 'checkout', {paypal: {type: 'external-service', direction: 'outbound', params: {endpoints: {api: 'https://api.paypal.com'}}}})
    const docs = [svc, seedPair()[1], cedar('c', 'permit (principal, action == Lattice::Action::"OverrideSecurity", resource);')]
    serveWithNock(await FakeCluster.create({docs}))
    const d = await runExternal('commerce/checkout', 'api.paypal.com')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'cedar'})
    expect(layer(d, 'cedar').summary).toMatch(/AccessExternalEndpoint denied for endpoint api.paypal.com:443/)
    expect(d.fix?.changes.some((c) => c.kind === 'CedarPolicy' && c.yaml.includes('Lattice::ExternalEndpoint::"api.paypal.com:443"'))).toBe(true)
  })

  it('live FQDN rules: matchName PASS; matchPattern *.stripe.com matches one label, not the apex', async () => {
    const exact = await withPaymentsEgress([cnp('stripe-exact', [dnsRule([{matchName: 'api.stripe.com'}]), {toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: tcp(443)}])])
    serveWithNock(await direct(exact))
    const dd = await runExternal('commerce/payments', 'api.stripe.com')
    expect(layer(dd, 'l4').status).toBe('PASS')

    const pattern = await withPaymentsEgress([cnp('stripe-pattern', [dnsRule([{matchPattern: '*.stripe.com'}]), {toFQDNs: [{matchPattern: '*.stripe.com'}], toPorts: tcp(443)}])])
    nock.cleanAll()
    serveWithNock(await direct(pattern))
    const files = await runExternal('commerce/payments', 'files.stripe.com')
    expect(layer(files, 'l4').status).toBe('PASS')
    const apex = await runExternal('commerce/payments', 'stripe.com')
    expect(layer(apex, 'l4').status).toBe('DENY')
  })

  it('missing DNS rule: the FQDN rule is there but the lookup is not allowed — BLOCKED at L4 naming the DNS rule', async () => {
    const policies = await withPaymentsEgress([cnp('stripe-no-dns', [dnsRule([{matchName: 'other.example.com'}]), {toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: tcp(443)}])])
    serveWithNock(await direct(policies))
    const d = await runExternal('commerce/payments', 'api.stripe.com')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect([layer(d, 'l4').summary, ...layer(d, 'l4').reasons].join(' ')).toMatch(/no DNS rule/)
  })

  it('CIDR with except: an address inside the except is denied, outside allowed', async () => {
    const policies = await withPaymentsEgress([cnp('db-range', [{toCIDRSet: [{cidr: '10.0.0.0/8', except: ['10.1.0.0/16']}], toPorts: tcp(5432)}])])
    serveWithNock(await FakeCluster.create({docs: seedDocs(), policies, extra: [waypointPod]}))
    expect(layer(await runExternal('commerce/payments', '10.2.3.4:5432'), 'l4').status).toBe('PASS')
    const d = await runExternal('commerce/payments', '10.1.2.3:5432')
    expect(layer(d, 'l4').status).toBe('DENY')
    expect(d.result.blockedAt).toBe('l4')
  })

  it('ServiceEntry missing in the cluster: L7 WARN (ztunnel passes through with no L7 authorization) and a warning', async () => {
    const cluster = await FakeCluster.create({docs: seedDocs(), extra: [waypointPod]})
    for (const se of cluster.objects.filter((x) => x.kind === 'ServiceEntry').map((x) => x.metadata.name)) cluster.remove('ServiceEntry', se)
    serveWithNock(cluster)
    const d = await runExternal('commerce/payments', 'api.stripe.com')
    expect(layer(d, 'l7')).toMatchObject({status: 'WARN'})
    expect(layer(d, 'l7').summary).toMatch(/no ServiceEntry for api.stripe.com:443/)
    expect(d.warnings.some((w) => /bypasses the waypoint \(no ServiceEntry\)/.test(w))).toBe(true)
  })

  it('an unknown source is an input error with a suggestion', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs()}))
    await expect(runExternal('commerce/paymnts', 'api.stripe.com')).rejects.toThrow(/paymnts/)
  })
})

describe.skipIf(!hasShared)('live: Hubble evidence for an external destination (upstream observer.proto)', () => {
  let hubble: RunningServer | undefined
  afterEach(async () => hubble?.stop())
  const t = (ago: number) => new Date(Date.now() - ago * 1000).toISOString()
  // A refused lookup is the request Cilium's DNS proxy dropped (A → resolver); an answer is
  // the response (resolver → A, is_reply), as Hubble records DNS L7 flows.
  const pod = {namespace: NS, pod_name: POD_B}
  const resolver = {namespace: 'kube-system', pod_name: 'coredns-1', labels: ['k8s:k8s-app=kube-dns']}
  const dnsFlow = (o: {rcode: number; verdict: 'FORWARDED' | 'DROPPED'; ips?: string[]}) => ({
    time: t(30), node_name: `kind/${NODE_B}`,
    flow: {
      time: t(30), verdict: o.verdict,
      ...(o.verdict === 'DROPPED'
        ? {IP: {source: IP_B, destination: '10.96.0.10', ipVersion: 'IPv4'}, l4: {UDP: {source_port: 40001, destination_port: 53}}, source: pod, destination: resolver}
        : {IP: {source: '10.96.0.10', destination: IP_B, ipVersion: 'IPv4'}, l4: {UDP: {source_port: 53, destination_port: 40001}}, source: resolver, destination: pod}),
      Type: 'L7', node_name: `kind/${NODE_B}`, event_type: {type: 129}, traffic_direction: 'EGRESS', is_reply: o.verdict === 'FORWARDED',
      ...(o.verdict === 'DROPPED' ? {drop_reason_desc: 'POLICY_DENIED'} : {}),
      l7: {type: o.verdict === 'DROPPED' ? 'REQUEST' : 'RESPONSE', dns: {query: 'api.stripe.com.', rcode: o.rcode, ips: o.ips ?? [], qtypes: ['A'], observation_source: 'proxy'}},
    },
  })
  const worldDrop = {
    time: t(20), node_name: `kind/${NODE_B}`,
    flow: {
      time: t(20), verdict: 'DROPPED', drop_reason_desc: 'POLICY_DENIED', IP: {source: IP_B, destination: '54.187.174.169', ipVersion: 'IPv4'},
      l4: {TCP: {source_port: 51000, destination_port: 443}}, source: {namespace: NS, pod_name: POD_B},
      destination: {labels: ['reserved:world'], identity: 2}, Type: 'L3_L4', node_name: `kind/${NODE_B}`, event_type: {type: 1}, traffic_direction: 'EGRESS',
    },
  }

  it('lookup DROPPED by DNS policy and drops to world: L4 says so and the datapath overrides a PASS', async () => {
    hubble = await startHubble({kind: 'flows', flows: [dnsFlow({rcode: 5, verdict: 'DROPPED'}), worldDrop]})
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: [waypointPod]}))
    const d = await runExternal('commerce/payments', 'api.stripe.com', {hubbleServer: hubble.address})
    const l4 = layer(d, 'l4')
    expect(l4.status).toBe('DENY')
    expect(l4.summary).toMatch(/DNS lookup of api.stripe.com denied by DNS policy/)
    expect(l4.summary).toMatch(/1 drop \(POLICY_DENIED\)/)
    expect(l4.evidence.some((e) => e.kind === 'HubbleDNS' && /DROPPED/.test(e.detail ?? ''))).toBe(true)
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(d.evidenceSources?.find((s) => s.source === 'hubble')?.state).toBe('read')
  })

  it('an answered lookup is evidence, not a contradiction', async () => {
    hubble = await startHubble({kind: 'flows', flows: [dnsFlow({rcode: 0, verdict: 'FORWARDED', ips: ['54.187.174.169']})]})
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: [waypointPod]}))
    const d = await runExternal('commerce/payments', 'api.stripe.com', {hubbleServer: hubble.address})
    expect(layer(d, 'l4').status).toBe('PASS')
    expect(layer(d, 'l4').evidence.some((e) => e.kind === 'HubbleDNS' && /answered 54.187.174.169/.test(e.detail ?? ''))).toBe(true)
  })
})
