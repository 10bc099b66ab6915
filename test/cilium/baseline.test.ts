import {describe, expect, it} from 'vitest'
import {defaultCompileOptions, SEED_EXEMPT_NAMESPACES, UPSTREAM_EXEMPT_NAMESPACES} from '../../src/core/constants.js'
import {ciliumBaseline} from '../../src/layers/cilium/index.js'

const seed = ciliumBaseline(defaultCompileOptions({profile: 'seed'}))
const upstream = ciliumBaseline(defaultCompileOptions({profile: 'upstream'}))
const get = (objs: typeof seed, name: string) => objs.find((o) => o.metadata.name === name)!

describe('cluster-wide baseline (§5.3, §10.1)', () => {
  it('emits the expected CCNPs per profile, cluster-scoped with only the managed-by label', () => {
    expect(seed.map((o) => o.metadata.name)).toEqual(['default-deny', 'allow-node-ingress', 'allow-ambient-hostprobes', 'mesh-proxy-egress', 'mesh-proxy-ingress', 'eastwest-gateway-ingress'])
    expect(upstream.map((o) => o.metadata.name)).toEqual(['default-deny', 'allow-node-ingress', 'allow-ambient-hostprobes', 'mesh-proxy-egress', 'eastwest-gateway-ingress'])
    for (const o of [...seed, ...upstream]) {
      expect(o.apiVersion).toBe('cilium.io/v2')
      expect(o.kind).toBe('CiliumClusterwideNetworkPolicy')
      expect(o.metadata).toEqual({name: o.metadata.name, labels: {'app.kubernetes.io/managed-by': 'lattice'}})
    }
  })

  it('seed default-deny: the canonical §5.3 object', () => {
    expect(get(seed, 'default-deny')).toStrictEqual({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumClusterwideNetworkPolicy',
      metadata: {name: 'default-deny', labels: {'app.kubernetes.io/managed-by': 'lattice'}},
      spec: {
        description: 'Deny all pod ingress and egress outside system namespaces',
        endpointSelector: {matchExpressions: [{key: 'k8s:io.kubernetes.pod.namespace', operator: 'NotIn', values: ['cert-manager', 'cilium-system', 'istio-system', 'kube-system']}]},
        enableDefaultDeny: {ingress: true, egress: true},
        ingress: [{fromEntities: []}],
        egress: [{toEntities: []}],
      },
    })
  })

  it('upstream default-deny: no ingress key, DNS for kubernetes.default only, API server, 19 exempt namespaces', () => {
    const dd = get(upstream, 'default-deny')
    expect(dd.spec).not.toHaveProperty('ingress')
    expect(dd.spec.description).toBe('Block all ingress traffic by default, allow DNS and K8s API egress')
    expect(dd.spec.endpointSelector.matchExpressions[0].values).toEqual([...UPSTREAM_EXEMPT_NAMESPACES].sort())
    expect(dd.spec.egress).toStrictEqual([
      {
        toEndpoints: [{matchLabels: {'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns'}}],
        toPorts: [{ports: [{port: '53', protocol: 'UDP'}, {port: '53', protocol: 'TCP'}], rules: {dns: [{matchName: 'kubernetes.default.svc.cluster.local'}]}}],
      },
      {toEntities: ['kube-apiserver']},
    ])
  })

  it('uses the configured exempt list (sorted), lattice-system not exempt by default', () => {
    expect(get(seed, 'default-deny').spec.endpointSelector.matchExpressions[0].values).toEqual([...SEED_EXEMPT_NAMESPACES].sort())
    const custom = ciliumBaseline(defaultCompileOptions({exemptNamespaces: ['zeta', 'alpha']}))
    expect(get(custom, 'default-deny').spec.endpointSelector.matchExpressions[0].values).toEqual(['alpha', 'zeta'])
    expect(JSON.stringify(seed)).not.toContain('lattice-system')
  })

  it('supporting CCNPs are additive (enableDefaultDeny false/false) and carry the documented rules', () => {
    for (const name of ['allow-node-ingress', 'allow-ambient-hostprobes', 'mesh-proxy-egress', 'mesh-proxy-ingress', 'eastwest-gateway-ingress']) {
      expect(get(seed, name).spec.enableDefaultDeny).toEqual({ingress: false, egress: false})
    }
    expect(get(seed, 'allow-node-ingress').spec).toMatchObject({endpointSelector: {}, ingress: [{fromEntities: ['host', 'remote-node', 'kube-apiserver']}]})
    expect(get(seed, 'allow-ambient-hostprobes').spec).toMatchObject({endpointSelector: {}, ingress: [{fromCIDR: ['169.254.7.127/32']}]})
    const proxy = {matchExpressions: [{key: 'k8s:gateway.networking.k8s.io/gateway-name', operator: 'Exists'}]}
    expect(get(seed, 'mesh-proxy-ingress').spec).toMatchObject({endpointSelector: proxy, ingress: [{fromEntities: ['cluster'], toPorts: [{ports: [{port: '15008', protocol: 'TCP'}]}]}]})
    const egress = get(seed, 'mesh-proxy-egress').spec
    expect(egress.endpointSelector).toEqual(proxy)
    expect(egress.egress.slice(1)).toStrictEqual([
      {toEndpoints: [{matchLabels: {'k8s:app': 'istiod', 'k8s:io.kubernetes.pod.namespace': 'istio-system'}}], toPorts: [{ports: [{port: '15012', protocol: 'TCP'}]}]},
      {toEntities: ['all'], toPorts: [{ports: [{port: '15008', protocol: 'TCP'}]}]},
      {toEndpoints: [{matchExpressions: [{key: 'k8s:io.kubernetes.pod.namespace', operator: 'NotIn', values: ['cert-manager', 'cilium-system', 'istio-system', 'kube-system']}]}]},
      {toCIDR: ['0.0.0.0/0']},
    ])
    expect(get(seed, 'eastwest-gateway-ingress').spec).toMatchObject({
      endpointSelector: {matchLabels: {'k8s:io.kubernetes.pod.namespace': 'istio-system', 'k8s:gateway.networking.k8s.io/gateway-name': 'istio-eastwestgateway'}},
      ingress: [{fromCIDR: ['0.0.0.0/0'], toPorts: [{ports: [{port: '15008', protocol: 'TCP'}]}]}],
    })
  })
})
