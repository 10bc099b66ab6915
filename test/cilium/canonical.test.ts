import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import {CILIUM_KINDS, canonicalCilium, compileCilium} from '../../src/layers/cilium/index.js'
import {commerceGraph} from './fixtures.js'

const cnp = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: {name: 'a', namespace: 'shop', ...meta},
  spec,
})
const base = {
  endpointSelector: {matchLabels: {'k8s:app': 'b'}},
  ingress: [
    {fromEndpoints: [{matchLabels: {'k8s:app': 'a'}}, {matchLabels: {'k8s:app': 'c'}}], toPorts: [{ports: [{port: '80', protocol: 'TCP'}, {port: '81', protocol: 'UDP'}]}]},
    {fromEntities: ['host', 'cluster']},
  ],
}

describe('canonicalCilium', () => {
  it('covers both Cilium policy kinds and ignores others', () => {
    expect(CILIUM_KINDS).toEqual(['CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'])
    expect(canonicalCilium({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}})).toBeUndefined()
  })

  it('ignores name, labels, annotations, status and description', () => {
    const other = cnp({...base, description: 'x'}, {name: 'renamed', labels: {a: 'b'}, annotations: {c: 'd'}})
    other.status = {conditions: []}
    expect(canonicalCilium(other)).toBe(canonicalCilium(cnp(base)))
  })

  it('is insensitive to rule, peer, entity and port order, protocol case and selector form', () => {
    const reordered = cnp({
      endpointSelector: {matchExpressions: [{key: 'k8s:app', operator: 'In', values: ['b']}]},
      ingress: [
        {fromEntities: ['cluster', 'host']},
        {toPorts: [{ports: [{port: '81', protocol: 'udp'}, {port: '80', protocol: 'tcp'}]}], fromEndpoints: [{matchLabels: {'k8s:app': 'c'}}, {matchLabels: {'k8s:app': 'a', 'k8s:io.kubernetes.pod.namespace': 'shop'}}]},
      ],
    })
    expect(canonicalCilium(reordered)).toBe(canonicalCilium(cnp(base)))
  })

  it('treats absent and empty toPorts alike, and absent protocol as ANY', () => {
    const a = cnp({endpointSelector: {}, egress: [{toEntities: ['world']}]})
    const b = cnp({endpointSelector: {}, egress: [{toEntities: ['world'], toPorts: []}]})
    expect(canonicalCilium(a)).toBe(canonicalCilium(b))
    const c = cnp({endpointSelector: {}, egress: [{toEntities: ['world'], toPorts: [{ports: [{port: '53'}]}]}]})
    const d = cnp({endpointSelector: {}, egress: [{toEntities: ['world'], toPorts: [{ports: [{port: '53', protocol: 'ANY'}]}]}]})
    expect(canonicalCilium(c)).toBe(canonicalCilium(d))
  })

  it('distinguishes semantic differences', () => {
    const key = canonicalCilium(cnp(base))
    expect(canonicalCilium(cnp(base, {namespace: 'other'}))).not.toBe(key)
    expect(canonicalCilium({...cnp(base), kind: 'CiliumClusterwideNetworkPolicy'})).not.toBe(key)
    const port = structuredClone(base)
    port.ingress[0].toPorts![0].ports[0].port = '8080'
    expect(canonicalCilium(cnp(port))).not.toBe(key)
    // A present-but-empty peer list selects nothing; an absent one selects everything.
    expect(canonicalCilium(cnp({endpointSelector: {}, ingress: [{fromEndpoints: []}]}))).not.toBe(canonicalCilium(cnp({endpointSelector: {}, ingress: [{}]})))
    // `k8s:` and unprefixed keys select different label sources.
    expect(canonicalCilium(cnp({...base, endpointSelector: {matchLabels: {app: 'b'}}}))).not.toBe(key)
    // enableDefaultDeny: false changes enforcement.
    expect(canonicalCilium(cnp({...base, enableDefaultDeny: {ingress: false}}))).not.toBe(key)
    expect(canonicalCilium(cnp({...base, enableDefaultDeny: {ingress: true}}))).toBe(key)
  })

  it('tells the seed and upstream renderings of the same member apart', () => {
    const seed = compileCilium(commerceGraph(), defaultCompileOptions({profile: 'seed'}))
    const up = compileCilium(commerceGraph(), defaultCompileOptions({profile: 'upstream'}))
    expect(canonicalCilium(seed[1])).not.toBe(canonicalCilium(up[1]))
    expect(canonicalCilium(seed[1])).toBe(canonicalCilium(structuredClone(seed[1])))
  })
})
