// The seed 001 scenarios against a live (nock-served) cluster: LatticeServices, CedarPolicies,
// pods, Services and Namespaces as the API server returns them, and the policies
// `platform compile` produces (or a drifted copy of them).
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {renderDiagnosisText} from '../../src/render/diagnosis-text.js'
import {objects as o} from '../cluster/fixtures.js'
import {inb, out, SEED_POLICIES, service} from '../helpers/specs.js'
import {evidencePods, logKey, tetragonKill} from './evidence-fixtures.js'
import {FakeCluster, IP_A, NODE_A, NODE_B, NS, pod, POD_A, seedDocs, serveWithNock, waypointDocs} from './fake-cluster.js'
import {layer, run, statuses, useNock} from './run.js'

useNock()

const waypointPod = (ready: boolean) => pod('commerce-waypoint-5f7d8c9b6-h4k8s', 'commerce-waypoint', {
  ip: '10.244.2.50', node: NODE_B, ready, sa: 'commerce-waypoint', labels: {'gateway.networking.k8s.io/gateway-name': 'commerce-waypoint'},
})

describe('live seed 001 scenarios', () => {
  it('(a) both sides declared, live policies = compiled: ALLOWED, every layer PASS, no drift', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs()}))
    const d = await run()
    expect(statuses(d)).toEqual(['admission:PASS', 'cedar:PASS', 'declarations:PASS', 'l4:PASS', 'l7:PASS', 'runtime:PASS'])
    expect(d.result).toEqual({status: 'ALLOWED', blockedAt: null, explanation: ''})
    expect(d.policySource).toBe('cluster')
    expect(d.drift).toEqual([])
    expect(d.warnings).toEqual([])
    expect(d.fix).toBeNull()
    expect(d.target.port).toEqual({name: 'http', servicePort: 8080, targetPort: 8080, wirePort: 15008})
    expect(layer(d, 'l4').summary).toBe('CiliumNetworkPolicy cnp-mesh-e79249a6 allows egress to payments:8080 (wire: HBONE 15008); cnp-mesh-3d68c7ca allows ingress from checkout')
    expect(layer(d, 'l7').summary).toBe('AuthorizationPolicy allow-to-3d68c7ca allows spiffe://cluster.local/ns/commerce/sa/checkout on port 8080')
    expect(layer(d, 'runtime').summary).toBe('allow-binaries-payments includes /usr/local/bin/payments')
  })

  it('(b) undeclared target: BLOCKED at L4, neither side declared, verified two-sided fix', async () => {
    serveWithNock(await FakeCluster.create({
      docs: [...seedDocs(), service(NS, 'orders')],
      extra: [pod('orders-66d9f7c8b-p9v2x', 'orders', {ip: '10.244.2.63', node: NODE_B}), o.service(NS, 'orders') as KubeObject,
        o.ciliumEndpoint(NS, 'orders-66d9f7c8b-p9v2x', 'orders') as KubeObject],
    }))
    const d = await run({target: 'commerce/orders'})
    expect(d.result.status).toBe('BLOCKED')
    expect(d.result.blockedAt).toBe('l4')
    expect(layer(d, 'declarations').status).toBe('DENY')
    expect(layer(d, 'l4').summary).toMatch(/^no egress rule on checkout for orders:8080 \(wire: HBONE 15008\); egress default-deny from CiliumClusterwideNetworkPolicy default-deny$/)
    expect(d.result.explanation).toBe('Neither checkout declares orders outbound nor orders declares checkout inbound.')
    expect(d.warnings).toEqual([])
    expect(d.fix?.verified).toBe(true)
    expect(d.fix?.changes.map((c) => `${c.name}: ${c.yaml}`)).toEqual([
      'orders: checkout: {type: service, direction: inbound}',
      'checkout: orders: {type: service, direction: outbound}',
    ])
  })

  it('(c) one-sided declaration: BLOCKED with the §4.7 message and a verified one-line fix', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs({payments: {}})}))
    const d = await run()
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4', explanation: 'Bilateral inbound declaration on payments does not include checkout.'})
    expect(layer(d, 'declarations').summary).toBe('outbound dependency payments declared but no matching inbound declaration found on service payments')
    expect(layer(d, 'l7').status).toBe('DENY')
    expect(d.fix?.changes).toHaveLength(1)
    expect(d.fix?.changes[0]).toMatchObject({kind: 'LatticeService', namespace: NS, name: 'payments', path: 'spec.workload.resources', yaml: 'checkout: {type: service, direction: inbound}'})
    expect(d.fix?.verified).toBe(true)
    const text = renderDiagnosisText(d, {width: Infinity})
    expect(text).toContain('Result: BLOCKED at L4. Bilateral inbound declaration on payments does not include checkout.')
    expect(text).toContain('Fix verified: the diagnosis re-run with this change in memory says ALLOWED.')
  })

  it.each([
    ['a waypoint pod that is not Ready', [waypointPod(false)]],
    ['no waypoint pod at all', []],
  ])('(d) waypoint down (%s): BLOCKED at L7, fails closed', async (_label, pods) => {
    serveWithNock(await FakeCluster.create({docs: waypointDocs(), useWaypoint: 'commerce-waypoint', extra: pods}))
    const d = await run()
    expect(layer(d, 'l7')).toMatchObject({status: 'DENY', summary: 'waypoint commerce-waypoint has no ready pod; traffic fails closed'})
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l7'})
    // The L4 hops through the waypoint are allowed by the compiled waypoint form.
    expect(layer(d, 'l4').status).toBe('PASS')
    expect(layer(d, 'l4').summary).toContain('checkout → commerce-waypoint')
    expect(d.drift).toEqual([])
  })

  it('(d) waypoint up: the same pair is ALLOWED through the waypoint', async () => {
    serveWithNock(await FakeCluster.create({docs: waypointDocs(), useWaypoint: 'commerce-waypoint', extra: [waypointPod(true)]}))
    const d = await run({method: 'GET', path: '/v1/charges'})
    expect(d.result.status).toBe('ALLOWED')
    expect(layer(d, 'l7').status).toBe('PASS')
    expect(layer(d, 'l7').reasons).toContain('enforced at waypoint commerce-waypoint (Service port 8080), then at payments\'s ztunnel (target port 8080)')
    // Without --method the method-restricted rule is a caveat, not a block.
    const any = await run()
    expect(any.result.status).toBe('ALLOWED')
    expect(layer(any, 'l7').status).toBe('WARN')
  })

  it('(e) payments\' CNP missing in the cluster: drift `missing`, BLOCKED at L4', async () => {
    serveWithNock((await FakeCluster.create({docs: seedDocs()})).remove('CiliumNetworkPolicy', 'cnp-mesh-3d68c7ca'))
    const d = await run()
    expect(d.drift).toEqual([{layer: 'l4', change: 'missing', kind: 'CiliumNetworkPolicy', namespace: NS, name: 'cnp-mesh-3d68c7ca'}])
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(layer(d, 'l4').summary).toMatch(/^no ingress rule on payments from checkout/)
    expect(d.result.explanation).toContain('Live policies drifted from the specs: missing CiliumNetworkPolicy commerce/cnp-mesh-3d68c7ca.')
    expect(layer(d, 'l7').status).toBe('PASS')
    // The specs are right: the fix is to re-apply the object the controller should have written.
    expect(d.fix?.changes).toEqual([expect.objectContaining({kind: 'Cluster', namespace: NS, name: 'CiliumNetworkPolicy cnp-mesh-3d68c7ca', path: expect.stringMatching(/^re-apply/)})])
    expect(d.fix?.changes[0].yaml).toContain('name: cnp-mesh-3d68c7ca')
    expect(d.fix?.verified).toBe(true)
  })

  it('(f) a binary Tetragon killed in checkout, used as --client-binary: BLOCKED at runtime with the event', async () => {
    serveWithNock(await FakeCluster.create({
      docs: seedDocs(), extra: evidencePods(),
      logs: {[logKey.tetragon(NODE_A)]: tetragonKill('/usr/bin/wget'), [logKey.tetragon(NODE_B)]: ''},
    }))
    const d = await run({evidence: true, clientBinary: '/usr/bin/wget'})
    const runtime = layer(d, 'runtime')
    expect(runtime.status).toBe('DENY')
    expect(runtime.summary).toBe('--client-binary /usr/bin/wget is not allowed in checkout: it would be killed by allow-binaries-checkout')
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'runtime'})
    expect(runtime.evidence).toContainEqual(expect.objectContaining({
      kind: 'TetragonEvent', namespace: NS, name: POD_A, detail: '/usr/bin/wget SIGKILL by allow-binaries-checkout', count: 1, source: 'tetragon',
    }))
    expect(d.fix?.verified).toBe(true)
    expect(d.fix?.changes[0]).toMatchObject({name: 'checkout', path: 'spec.workload.containers.main.security.allowedBinaries', yaml: '[/usr/bin/curl, /usr/bin/wget]'})
  })

  it('(f) the same kill without --client-binary is a WARN naming the binary, not a block', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: evidencePods(), logs: {[logKey.tetragon(NODE_A)]: tetragonKill('/usr/bin/wget')}}))
    const d = await run({evidence: true})
    expect(layer(d, 'runtime').status).toBe('WARN')
    expect(layer(d, 'runtime').summary).toContain('rerun with --client-binary /usr/bin/wget')
    expect(d.result.status).toBe('ALLOWED')
  })

  it('(g) across namespaces (shop/checkout → commerce/payments): ALLOWED, and no drift for collections never read', async () => {
    // web → checkout in shop gives shop an AuthorizationPolicy (allow-to-<checkout>).
    const web = service('shop', 'web', {checkout: out()})
    const checkout = service('shop', 'checkout', {payments: out({namespace: NS}), web: inb()}, {container: {command: ['/srv/checkout']}})
    const payments = service(NS, 'payments', {checkout: inb({namespace: 'shop'})})
    const cluster = await FakeCluster.create({docs: [web, checkout, payments, SEED_POLICIES]})
    cluster.remove('Pod', POD_A).remove('CiliumEndpoint', POD_A)
    cluster.objects.push(
      o.namespace('shop', {'istio.io/dataplane-mode': 'ambient'}) as KubeObject,
      pod(POD_A, 'checkout', {namespace: 'shop', ip: IP_A, node: NODE_A}),
      o.ciliumEndpoint('shop', POD_A, 'checkout') as KubeObject,
    )
    // The compiled AuthorizationPolicies in shop exist in the cluster but are not read (L7 is enforced at B).
    expect(cluster.objects.some((x) => x.kind === 'AuthorizationPolicy' && x.metadata.namespace === 'shop')).toBe(true)
    serveWithNock(cluster)
    const d = await run({source: 'shop/checkout'})
    expect(statuses(d)).toEqual(['admission:PASS', 'cedar:PASS', 'declarations:PASS', 'l4:PASS', 'l7:PASS', 'runtime:PASS'])
    expect(d.drift).toEqual([])
    expect(d.result.status).toBe('ALLOWED')
  })
})

// Tetragon's getting-started egress policy (cilium/tetragon examples/quickstart/
// network_egress_cluster_enforce.yaml, docs getting-started/enforcement.md): tcp_connect with
// NotDAddr [loopback, pod CIDR, service CIDR] → Sigkill. Live, B's pod IPs and Service
// ClusterIP are known, so A's client binary dialing B is decided instead of UNKNOWN.
describe('live: Tetragon DAddr filters decided on B\'s addresses', () => {
  const egress = (cidrs: string[]): KubeObject => ({
    apiVersion: 'cilium.io/v1alpha1', kind: 'TracingPolicyNamespaced', metadata: {name: 'enforce-network-activity-outside-cluster-cidr-range', namespace: NS},
    spec: {kprobes: [{call: 'tcp_connect', syscall: false, args: [{index: 0, type: 'sock'}], selectors: [{matchArgs: [{index: 0, operator: 'NotDAddr', values: ['127.0.0.1', ...cidrs]}], matchActions: [{action: 'Sigkill'}]}]}]},
  })

  it('B inside the cluster CIDRs (pod IP and ClusterIP): PASS', async () => {
    const inside = await FakeCluster.create({docs: seedDocs()})
    inside.objects.push(egress(['10.244.0.0/16', '10.96.0.0/12']))
    serveWithNock(inside)
    const d = await run({clientBinary: '/usr/bin/curl'})
    expect(layer(d, 'runtime').status).toBe('PASS')
    expect(d.result.status).toBe('ALLOWED')
  })

  it('only B\'s Service CIDR listed: the pod IP a socket-LB connect carries is outside, so it may be killed: UNKNOWN, never PASS', async () => {
    const half = await FakeCluster.create({docs: seedDocs()})
    half.objects.push(egress(['10.96.0.0/12']))
    serveWithNock(half)
    const d = await run({clientBinary: '/usr/bin/curl'})
    expect(layer(d, 'runtime').status).toBe('UNKNOWN')
    expect(d.result.status).toBe('UNKNOWN')
  })

  it('B outside the listed CIDRs: BLOCKED at runtime naming the policy', async () => {
    const outside = await FakeCluster.create({docs: seedDocs()})
    outside.objects.push(egress(['192.168.0.0/16']))
    serveWithNock(outside)
    const blocked = await run({clientBinary: '/usr/bin/curl'})
    expect(blocked.result).toMatchObject({status: 'BLOCKED', blockedAt: 'runtime'})
    expect(layer(blocked, 'runtime').summary).toMatch(/--client-binary \/usr\/bin\/curl is not allowed in checkout: it would be killed when it connects by enforce-network-activity-outside-cluster-cidr-range/)
  })
})
