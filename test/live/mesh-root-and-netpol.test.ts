// Two live inputs of the pair diagnosis: the Istio mesh root namespace (mesh config
// `rootNamespace`, default istio-system: istio pkg/config/mesh DefaultMeshConfig) decides which
// AuthorizationPolicies are mesh-wide, and Kubernetes NetworkPolicies in A's and B's
// namespaces are evaluated at L4 (Cilium enforces them alongside CNPs).
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {meshRootNamespace} from '../../src/diagnose/live-state.js'
import {objects as o} from '../cluster/fixtures.js'
import {FakeCluster, NS, seedDocs, serveWithNock} from './fake-cluster.js'
import {layer, run, useNock} from './run.js'

useNock()

const mesh = (text: string) => ({istioConfig: {ok: true as const, items: [o.configMap('istio-system', 'istio', {mesh: text}) as unknown as KubeObject]}})

describe('mesh root namespace', () => {
  it('from the mesh config, else istio-system', () => {
    expect(meshRootNamespace(mesh('trustDomain: cluster.local\nrootNamespace: mesh-root\n'))).toBe('mesh-root')
    expect(meshRootNamespace(mesh('trustDomain: cluster.local\n'))).toBe('istio-system')
    expect(meshRootNamespace(mesh(': : not yaml ['))).toBe('istio-system')
    expect(meshRootNamespace({istioConfig: {ok: false, status: 'forbidden', reason: 'forbidden'}})).toBe('istio-system')
  })

  // A DENY-all policy without a selector in istio-system is mesh-wide only while istio-system is the root.
  const denyAll = {apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: {name: 'deny-all', namespace: 'istio-system'}, spec: {action: 'DENY', rules: [{}]}} as unknown as KubeObject

  it('an AuthorizationPolicy in the root namespace applies mesh-wide (default root istio-system)', async () => {
    const cluster = await FakeCluster.create({docs: seedDocs()})
    cluster.objects.push(denyAll)
    serveWithNock(cluster)
    const d = await run()
    expect(layer(d, 'l7').status).toBe('DENY')
  })

  it('with rootNamespace: mesh-root, the same policy in istio-system is not mesh-wide, and the run says the root was not read', async () => {
    const cluster = await FakeCluster.create({docs: seedDocs(), extra: [o.configMap('istio-system', 'istio', {mesh: 'trustDomain: cluster.local\nrootNamespace: mesh-root\n'}) as unknown as KubeObject]})
    cluster.objects.push(denyAll)
    serveWithNock(cluster)
    const d = await run()
    // Not denied by deny-all; and istio-system's STRICT PeerAuthentication is no longer mesh-wide either.
    expect(layer(d, 'l7')).toMatchObject({status: 'WARN', summary: 'port 8080 accepts plaintext from any source'})
    expect(d.warnings.some((w) => /Istio mesh root namespace is mesh-root/.test(w))).toBe(true)
  })
})

describe('Kubernetes NetworkPolicies in a Lattice pair (live)', () => {
  // payments without the platform's ingress CNP: only a NetworkPolicy can admit checkout.
  const withoutIngressCnp = async (extra: KubeObject[] = []) => {
    const cluster = await FakeCluster.create({docs: seedDocs()})
    cluster.remove('CiliumNetworkPolicy', 'cnp-mesh-3d68c7ca')
    cluster.objects.push(...extra)
    return cluster
  }
  const np = (from: Record<string, string>) => ({apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name: 'payments-from', namespace: NS}, spec: {podSelector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, policyTypes: ['Ingress'], ingress: [{from: [{podSelector: {matchLabels: from}}]}]}}) as unknown as KubeObject

  it('read from the cluster and evaluated at L4: a NetworkPolicy admitting checkout opens ingress (allows are a union with CNPs)', async () => {
    serveWithNock(await withoutIngressCnp())
    expect(layer(await run(), 'l4').status).toBe('DENY')
  })

  it('with the NetworkPolicy: PASS naming it; one admitting another app: still DENY', async () => {
    const {default: nock} = await import('nock')
    serveWithNock(await withoutIngressCnp([np({'app.kubernetes.io/name': 'checkout'})]))
    const d = await run()
    expect(layer(d, 'l4').status).toBe('PASS')
    expect(layer(d, 'l4').evidence.some((e) => e.kind === 'NetworkPolicy' && e.name === 'payments-from')).toBe(true)
    nock.cleanAll()
    serveWithNock(await withoutIngressCnp([np({app: 'nobody'})]))
    expect(layer(await run(), 'l4').status).toBe('DENY')
  })
})
