// External destinations as B (issue 9.2): parsing B, and each layer's verdict with the
// engines' semantics — Cilium toFQDNs only for names a DNS rule let the endpoint look up
// (Cilium docs "DNS based" policies, pkg/policy/api/fqdn.go; cilium-cli connectivity test
// `client-egress-l7` / `to-fqdns`), toCIDRSet `except`, Istio's ServiceEntry bound to a
// waypoint with the egress grant (istio tests/integration/ambient egress tests), Cedar
// AccessExternalEndpoint — with the blocking layer and the verified fix.
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {ExternalQuery} from '../../src/core/external.js'
import type {KubeObject} from '../../src/core/kube.js'
import type {Workload} from '../../src/core/query.js'
import {diagnoseExternalOffline} from '../../src/diagnose/external.js'
import {clusterServiceKey, looksExternal, parseExternalTarget} from '../../src/diagnose/external-target.js'
import {l4ExternalLayer} from '../../src/layers/cilium/index.js'
import {l7ExternalLayer} from '../../src/layers/istio/index.js'
import {cedar, seedPair, service, writeSpecs} from '../helpers/specs.js'

describe('B as an external destination', () => {
  it.each([
    ['api.stripe.com', {host: 'api.stripe.com', port: 443, protocol: 'TCP'}],
    ['api.stripe.com:8443', {host: 'api.stripe.com', port: 8443, protocol: 'TCP'}],
    ['https://api.stripe.com/v1/charges', {host: 'api.stripe.com', port: 443, scheme: 'https'}],
    ['http://example.org', {host: 'example.org', port: 80}],
    ['10.20.30.40:5432', {ip: '10.20.30.40', port: 5432}],
    ['udp://10.20.30.40:123', {ip: '10.20.30.40', port: 123, protocol: 'UDP'}],
    ['10.0.0.0/8:5432', {cidr: '10.0.0.0/8', port: 5432}],
    ['[2001:db8::5]:5432', {ip: '2001:db8::5', port: 5432}],
  ])('%s', (text, expected) => {
    expect(looksExternal(text)).toBe(true)
    expect(parseExternalTarget(text)).toMatchObject({kind: 'External', ...expected})
  })

  it('Lattice names and in-cluster DNS names are not external', () => {
    for (const t of ['commerce/payments', 'payments', 'orders-db']) expect(looksExternal(t)).toBe(false)
    expect(looksExternal('payments.commerce.svc.cluster.local')).toBe(false)
    expect(clusterServiceKey('payments.commerce.svc.cluster.local')).toBe('commerce/payments')
  })

  it('--port overrides; a CIDR needs a port; bad input names what is wrong', () => {
    expect(parseExternalTarget('api.stripe.com', '8443').port).toBe(8443)
    expect(() => parseExternalTarget('10.0.0.0/8')).toThrow(/CIDR needs a port/)
    expect(() => parseExternalTarget('10.0.0.0/40:1')).toThrow(/prefix length/)
    expect(() => parseExternalTarget('api.stripe.com', 'https')).toThrow(/port number/)
  })
})

const payments: Workload = {
  namespace: 'commerce', name: 'payments', kind: 'LatticeService', serviceAccount: 'payments',
  podLabels: {'app.kubernetes.io/name': 'payments'}, namespaceLabels: {'istio.io/dataplane-mode': 'ambient'}, ambient: false, ports: [],
}
const query = (target: string): ExternalQuery => ({source: payments, target: parseExternalTarget(target), trustDomain: 'cluster.local'})

function cnp(egress: unknown[]): KubeObject {
  return {apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name: 'payments-egress', namespace: 'commerce'}, spec: {endpointSelector: {matchLabels: {'k8s:app.kubernetes.io/name': 'payments'}}, egress}}
}
const dnsRule = (dns: unknown[]) => ({
  toEndpoints: [{matchLabels: {'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns'}}],
  toPorts: [{ports: [{port: '53', protocol: 'UDP'}], rules: {dns}}],
})
const https = [{ports: [{port: '443', protocol: 'TCP'}]}]

describe('L4 to an external destination (Cilium FQDN, CIDR and entity semantics)', () => {
  it('toFQDNs matchName with a DNS rule for the name: PASS', () => {
    const r = l4ExternalLayer(query('api.stripe.com'), [cnp([dnsRule([{matchName: 'api.stripe.com'}]), {toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: https}])])
    expect(r.status).toBe('PASS')
  })

  it('toFQDNs matchPattern "*.stripe.com" matches one label, not the apex (Cilium matchpattern)', () => {
    const policies = [cnp([dnsRule([{matchPattern: '*.stripe.com'}]), {toFQDNs: [{matchPattern: '*.stripe.com'}], toPorts: https}])]
    expect(l4ExternalLayer(query('files.stripe.com'), policies).status).toBe('PASS')
    expect(l4ExternalLayer(query('stripe.com'), policies).status).toBe('DENY')
  })

  it('toFQDNs without a DNS rule allowing the lookup never matches: DENY naming the missing DNS rule', () => {
    const r = l4ExternalLayer(query('api.stripe.com'), [cnp([dnsRule([{matchName: 'other.example.com'}]), {toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: https}])])
    expect(r.status).toBe('DENY')
    expect([r.summary, ...r.reasons].join(' ')).toMatch(/no DNS rule/)
  })

  it('the DNS lookup itself must be allowed: no egress to kube-dns on 53 is a DENY', () => {
    const r = l4ExternalLayer(query('api.stripe.com'), [cnp([{toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: https}])])
    expect(r.status).toBe('DENY')
    expect(r.summary).toMatch(/kube-dns:53\/UDP/)
  })

  it('toCIDRSet with except: inside the except is denied, outside allowed', () => {
    const policies = [cnp([{toCIDRSet: [{cidr: '10.0.0.0/8', except: ['10.1.0.0/16']}], toPorts: [{ports: [{port: '5432', protocol: 'TCP'}]}]}])]
    expect(l4ExternalLayer(query('10.2.3.4:5432'), policies).status).toBe('PASS')
    expect(l4ExternalLayer(query('10.1.2.3:5432'), policies).status).toBe('DENY')
  })

  it('toEntities world allows any external address on the port; the wrong protocol does not', () => {
    const policies = [cnp([{toEntities: ['world'], toPorts: [{ports: [{port: '123', protocol: 'UDP'}]}]}])]
    expect(l4ExternalLayer(query('udp://10.20.30.40:123'), policies).status).toBe('PASS')
    expect(l4ExternalLayer(query('10.20.30.40:123'), policies).status).toBe('DENY')
  })
})

describe('L7 to an external destination (ServiceEntry, waypoint, egress grant)', () => {
  const ambient = {...payments, ambient: true}
  const se = (labels: Record<string, string> = {}): KubeObject => ({apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: {name: 'se-stripe', namespace: 'commerce', labels}, spec: {hosts: ['api.stripe.com'], ports: [{number: 443, name: 'https-443', protocol: 'HTTPS'}], location: 'MESH_EXTERNAL', resolution: 'DNS'}})
  const grant = (principal: string): KubeObject => ({apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: {name: 'allow-fqdn', namespace: 'commerce'}, spec: {targetRefs: [{group: 'networking.istio.io', kind: 'ServiceEntry', name: 'se-stripe'}], action: 'ALLOW', rules: [{from: [{source: {principals: [principal]}}], to: [{operation: {ports: ['443']}}]}]}})
  const wp = {namespace: 'commerce', name: 'commerce-waypoint', serviceAccount: 'commerce-waypoint', podLabels: {}}
  const q = (extra: Partial<ExternalQuery> = {}): ExternalQuery => ({...query('api.stripe.com'), source: ambient, ...extra})

  it('no ServiceEntry: ztunnel passes through with no L7 authorization (WARN, does not block)', () => {
    const r = l7ExternalLayer(q(), [])
    expect(r.status).toBe('WARN')
    expect(r.summary).toMatch(/no ServiceEntry/)
  })

  it('ServiceEntry on the waypoint with a grant for the caller: PASS naming the grant', () => {
    const r = l7ExternalLayer(q({waypoint: wp}), [se({'istio.io/use-waypoint': 'commerce-waypoint'}), grant('cluster.local/ns/commerce/sa/payments')])
    expect(r.status).toBe('PASS')
    expect(r.summary).toMatch(/allow-fqdn/)
  })

  it('a grant for another identity: DENY at the waypoint', () => {
    const r = l7ExternalLayer(q({waypoint: wp}), [se({'istio.io/use-waypoint': 'commerce-waypoint'}), grant('cluster.local/ns/commerce/sa/checkout')])
    expect(r.status).toBe('DENY')
  })

  it('waypoint with no ready pod, or no waypoint at all: fails closed', () => {
    expect(l7ExternalLayer(q({waypoint: {...wp, ready: false}}), [se({'istio.io/use-waypoint': 'commerce-waypoint'})]).status).toBe('DENY')
    expect(l7ExternalLayer(q(), [se({'istio.io/use-waypoint': 'commerce-waypoint'})]).summary).toMatch(/pending/)
  })
})

describe('debug connectivity A <external> offline (specs)', () => {
  const options = defaultCompileOptions({})
  const run = (specs: string, source: string, target: string) => diagnoseExternalOffline({specPaths: [specs], policyPaths: [], source, target: parseExternalTarget(target), options})

  it('declared and permitted: ALLOWED through the waypoint with the egress grant', async () => {
    const d = await run(writeSpecs([...seedPair(), cedar('c', 'permit (principal, action, resource);')]), 'commerce/payments', 'https://api.stripe.com/v1/charges')
    expect(d.result.status).toBe('ALLOWED')
    expect(d.target.kind).toBe('External')
    expect(d.layers.find((l) => l.layer === 'l7')!.summary).toMatch(/allow-fqdn-/)
  })

  it('not declared: BLOCKED at L4, the fix adds the external-service and is verified', async () => {
    const d = await run(writeSpecs([...seedPair(), cedar('c', 'permit (principal, action, resource);')]), 'commerce/checkout', 'api.stripe.com')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(d.result.explanation).toMatch(/checkout declares no external-service for api.stripe.com:443/)
    expect(d.fix?.changes[0]).toMatchObject({kind: 'LatticeService', name: 'checkout', path: 'spec.workload.resources'})
    expect(d.fix?.changes[0]!.yaml).toContain('https://api.stripe.com')
    expect(d.fix?.verified).toBe(true)
  })

  it('declared but Cedar has no permit: BLOCKED at Cedar; the fix names the permit', async () => {
    const svc = service('commerce', 'checkout', {paypal: {type: 'external-service', direction: 'outbound', params: {endpoints: {api: 'https://api.paypal.com'}}}})
    const d = await run(writeSpecs([svc, cedar('c', 'permit (principal, action == Lattice::Action::"OverrideSecurity", resource);')]), 'commerce/checkout', 'api.paypal.com')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'cedar'})
    expect(d.fix?.changes.some((c) => c.kind === 'CedarPolicy' && c.yaml.includes('Lattice::ExternalEndpoint::"api.paypal.com:443"'))).toBe(true)
  })
})
