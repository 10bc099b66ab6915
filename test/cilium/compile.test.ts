import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {names} from '../../src/core/names.js'
import type {KubeObject} from '../../src/core/kube.js'
import {compileCilium} from '../../src/layers/cilium/index.js'
import {graph, node} from '../helpers/graph.js'
import {hasShared, sharedPath} from '../helpers/shared.js'
import {commerceGraph, fleetGraph} from './fixtures.js'

const seed = defaultCompileOptions({profile: 'seed'})
const upstream = defaultCompileOptions({profile: 'upstream'})

const dns = (names: string[]) => ({
  toEndpoints: [{matchLabels: {'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns'}}],
  toPorts: [{ports: [{port: '53', protocol: 'UDP'}, {port: '53', protocol: 'TCP'}], ...(names.length ? {rules: {dns: names.map((n) => ({matchName: n}))}} : {})}],
})
const hbone = [{ports: [{port: '15008', protocol: 'TCP'}]}]
const ports = (...p: Array<[number, string]>) => [{ports: p.map(([port, protocol]) => ({port: String(port), protocol}))}]
const sel = (name: string, ns?: string) => ({matchLabels: {'k8s:app.kubernetes.io/name': name, ...(ns ? {'k8s:io.kubernetes.pod.namespace': ns} : {})}})
const wp = (ns: string) => ({matchLabels: {'k8s:gateway.networking.k8s.io/gateway-name': `${ns}-waypoint`, 'k8s:io.kubernetes.pod.namespace': ns}})

function byName(objs: KubeObject[], ns: string, name: string): KubeObject {
  const found = objs.find((o) => o.metadata.name === names.cnp(ns, name))
  if (!found) throw new Error(`no CNP for ${ns}/${name}`)
  return found
}

// The §5.5 worked example, transcribed from LATTICE-SPEC.
const SEED_55 = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: cnp-mesh-e79249a6
  namespace: commerce
  labels: {app.kubernetes.io/name: cnp-mesh-e79249a6, app.kubernetes.io/managed-by: lattice}
spec:
  endpointSelector: {matchLabels: {k8s:app.kubernetes.io/name: checkout}}
  egress:
    - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns}}]
      toPorts:
        - ports: [{port: "53", protocol: UDP}, {port: "53", protocol: TCP}]
          rules: {dns: [{matchName: payments.commerce.svc.cluster.local}]}
    - toEndpoints: [{matchLabels: {k8s:app.kubernetes.io/name: payments, k8s:io.kubernetes.pod.namespace: commerce}}]
      toPorts: [{ports: [{port: "15008", protocol: TCP}]}]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: cnp-mesh-3d68c7ca
  namespace: commerce
  labels: {app.kubernetes.io/name: cnp-mesh-3d68c7ca, app.kubernetes.io/managed-by: lattice}
spec:
  endpointSelector: {matchLabels: {k8s:app.kubernetes.io/name: payments}}
  ingress:
    - fromEndpoints: [{matchLabels: {k8s:app.kubernetes.io/name: checkout, k8s:io.kubernetes.pod.namespace: commerce}}]
      toPorts: [{ports: [{port: "15008", protocol: TCP}]}]
    - fromEndpoints: [{matchLabels: {k8s:gateway.networking.k8s.io/gateway-name: commerce-waypoint, k8s:io.kubernetes.pod.namespace: commerce}}]
      toPorts: [{ports: [{port: "15008", protocol: TCP}]}]
  egress:
    - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns}}]
      toPorts:
        - ports: [{port: "53", protocol: UDP}, {port: "53", protocol: TCP}]
          rules: {dns: [{matchName: api.stripe.com}]}
    - toEndpoints: [{matchLabels: {k8s:gateway.networking.k8s.io/gateway-name: commerce-waypoint, k8s:io.kubernetes.pod.namespace: commerce}}]
      toPorts: [{ports: [{port: "15008", protocol: TCP}]}]
    - toFQDNs: [{matchName: api.stripe.com}]
      toPorts: [{ports: [{port: "443", protocol: TCP}]}]
`
const UPSTREAM_55_PAYMENTS = `
endpointSelector: {matchLabels: {k8s:app.kubernetes.io/name: payments}}
ingress:
  - fromEntities: [cluster]
    toPorts: [{ports: [{port: "15008", protocol: TCP}]}]
egress:
  - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns}}]
    toPorts:
      - ports: [{port: "53", protocol: UDP}, {port: "53", protocol: TCP}]
        rules: {dns: [{matchName: api.stripe.com}]}
  - toEntities: [cluster, world]
    toPorts: [{ports: [{port: "15008", protocol: TCP}]}]
  - toFQDNs: [{matchName: api.stripe.com}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
`
const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS())

describe('§5.5 worked example', () => {
  it('seed profile: both CNPs exactly', () => {
    expect(compileCilium(commerceGraph(), seed)).toStrictEqual(docs(SEED_55))
  })

  it('upstream profile: the payments spec exactly', () => {
    const objs = compileCilium(commerceGraph(), upstream)
    expect(byName(objs, 'commerce', 'payments').spec).toStrictEqual(docs(UPSTREAM_55_PAYMENTS)[0])
    // checkout: DNS for its callee and the broad HBONE egress, no ingress (no callers).
    expect(byName(objs, 'commerce', 'checkout').spec).toStrictEqual({
      endpointSelector: sel('checkout'),
      egress: [dns(['payments.commerce.svc.cluster.local']), {toEntities: ['cluster', 'world'], toPorts: hbone}],
    })
  })

  it.skipIf(!hasShared)('matches the YAML blocks in LATTICE-SPEC §5.5 itself', () => {
    const spec = readFileSync(sharedPath('docs', 'LATTICE-SPEC.md'), 'utf8')
    const section = spec.slice(spec.indexOf('### 5.5 Worked example'), spec.indexOf('## 6. L7 compile'))
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1])
    expect(blocks).toHaveLength(2)
    expect(compileCilium(commerceGraph(), seed)).toStrictEqual(docs(blocks[0]))
    const up = docs(blocks[1])[0] as {spec: unknown}
    expect(byName(compileCilium(commerceGraph(), upstream), 'commerce', 'payments').spec).toStrictEqual(up.spec)
  })
})

describe('seed profile rules (§5.4.2, §5.4.3)', () => {
  const objs = compileCilium(fleetGraph(), seed)

  it('emits exactly one CNP per member, always with DNS egress', () => {
    expect(objs).toHaveLength(6)
    for (const o of objs) expect(o.spec.egress[0].toEndpoints).toEqual(dns([]).toEndpoints)
  })

  it('caller egress: DNS names (fqdn then callees), per-edge rules, waypoint of a waypoint-enforced callee', () => {
    const web = byName(objs, 'shop', 'web')
    expect(web.spec.egress).toStrictEqual([
      dns(['api.shop.svc.cluster.local', 'orders.shop.svc.cluster.local', 'legacy.data.svc.cluster.local']),
      {toEndpoints: [sel('api', 'shop')], toPorts: hbone},
      {toEndpoints: [sel('orders', 'shop')], toPorts: hbone},
      {toEndpoints: [wp('shop')], toPorts: hbone},
      // legacy is non-ambient and has no ports: nothing to open.
    ])
  })

  it('external rules: matchPattern for *. hosts (seed), CIDR/UDP, entities, no toPorts for an empty port list', () => {
    const api = byName(objs, 'shop', 'api')
    expect(api.spec.egress[0].toPorts[0].rules.dns).toEqual([
      {matchName: 'api.stripe.com'},
      {matchPattern: '*.s3.amazonaws.com'},
      {matchName: 'db.data.svc.cluster.local'},
      {matchName: 'cache.data.svc.cluster.local'},
    ])
    expect(api.spec.egress.slice(1)).toStrictEqual([
      // db is non-ambient: its target ports, with the declared UDP port kept as UDP.
      {toEndpoints: [{matchLabels: {'k8s:app': 'postgres', 'k8s:tier': 'db', 'k8s:io.kubernetes.pod.namespace': 'data'}}], toPorts: ports([5432, 'TCP'], [8125, 'UDP'])},
      {toEndpoints: [sel('cache', 'data')], toPorts: hbone},
      {toEndpoints: [wp('shop')], toPorts: hbone},
      {toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: ports([443, 'TCP'])},
      {toFQDNs: [{matchPattern: '*.s3.amazonaws.com'}], toPorts: ports([443, 'TCP'])},
      {toCIDR: ['10.20.30.40/32'], toPorts: ports([123, 'UDP'])},
      {toEntities: ['kube-apiserver'], toPorts: ports([6443, 'TCP'])},
      {toEntities: ['world']},
    ])
  })

  it('callee ingress: per caller, waypoint, permissive, webhook, in that order', () => {
    const api = byName(objs, 'shop', 'api')
    expect(api.spec.ingress).toStrictEqual([
      {fromEndpoints: [sel('web', 'shop')], toPorts: hbone},
      {fromEndpoints: [wp('shop')], toPorts: hbone},
      {fromEntities: ['cluster', 'remote-node', 'kube-apiserver', 'host', 'world'], toPorts: ports([9443, 'TCP'])},
    ])
    expect(byName(objs, 'shop', 'web').spec.ingress).toStrictEqual([
      {fromEndpoints: [{matchLabels: {'k8s:io.kubernetes.pod.namespace': 'data'}}], toPorts: hbone},
      {fromEntities: ['cluster'], toPorts: ports([30080, 'TCP'])},
    ])
    // Waypoint-enforced: the waypoint may reach it (§5.4.3-2).
    expect(byName(objs, 'shop', 'orders').spec.ingress).toStrictEqual([
      {fromEndpoints: [sel('web', 'shop')], toPorts: hbone},
      {fromEndpoints: [wp('shop')], toPorts: hbone},
    ])
  })

  it('non-ambient LMM: k8s:-prefixed custom selector, target ports, peer rules without port restriction', () => {
    const db = byName(objs, 'data', 'db')
    const own = {matchLabels: {'k8s:app': 'postgres', 'k8s:tier': 'db'}}
    expect(db.spec.endpointSelector).toEqual(own)
    expect(db.spec.ingress).toStrictEqual([
      {fromEndpoints: [sel('api', 'shop')], toPorts: ports([5432, 'TCP'], [8125, 'UDP'])},
      {fromEndpoints: [own]},
    ])
    expect(db.spec.egress).toStrictEqual([dns(['cache.data.svc.cluster.local']), {toEndpoints: [sel('cache', 'data')], toPorts: hbone}, {toEndpoints: [own]}])
  })

  it('self-edge = peer traffic on 15008; advertise opens HBONE from the cluster', () => {
    const cache = byName(objs, 'data', 'cache')
    expect(cache.spec.ingress).toStrictEqual([
      {fromEndpoints: [sel('api', 'shop')], toPorts: hbone},
      {fromEndpoints: [{matchLabels: {'k8s:app': 'postgres', 'k8s:tier': 'db', 'k8s:io.kubernetes.pod.namespace': 'data'}}], toPorts: hbone},
      {fromEndpoints: [sel('cache')], toPorts: hbone},
      {fromEntities: ['cluster'], toPorts: hbone},
    ])
    expect(cache.spec.egress).toStrictEqual([dns(['cache.data.svc.cluster.local']), {toEndpoints: [sel('cache')], toPorts: hbone}])
  })

  it('namespace-scoped member selects every pod of its namespace; omits ingress when no rule results', () => {
    const legacy = byName(objs, 'data', 'legacy')
    expect(legacy.spec.endpointSelector).toEqual({})
    expect(legacy.spec).not.toHaveProperty('ingress')
  })

  it('include() filters emitters only: peers still name an excluded member', () => {
    const some = compileCilium(fleetGraph(), seed, (k) => k !== 'shop/api')
    expect(some).toHaveLength(5)
    expect(some.some((o) => o.metadata.name === names.cnp('shop', 'api'))).toBe(false)
    expect(byName(some, 'shop', 'web').spec.egress[1]).toEqual({toEndpoints: [sel('api', 'shop')], toPorts: hbone})
  })

  it('one waypoint rule per waypoint even when reached for several reasons', () => {
    const a = node({ns: 'n', name: 'a', egress: [{target: {cidr: '10.0.0.1/32'}, ports: [5432], protocol: 'TCP'}]})
    const b = node({ns: 'n', name: 'b'})
    const g = graph([a, b], [{from: 'n/a', to: 'n/b', l7: {paths: ['/x']}}])
    const egress = compileCilium(g, seed)[0].spec.egress
    expect(egress.filter((r: any) => JSON.stringify(r).includes('n-waypoint'))).toHaveLength(1)
  })
})

describe('upstream profile (§5.4.4)', () => {
  const objs = compileCilium(fleetGraph(), upstream)

  it('ambient: broad HBONE ingress when it has callers or plaintext ports, then plaintext rules; no per-caller rules', () => {
    expect(byName(objs, 'shop', 'api').spec.ingress).toStrictEqual([
      {fromEntities: ['cluster'], toPorts: hbone},
      {fromEntities: ['cluster', 'remote-node', 'kube-apiserver', 'host', 'world'], toPorts: ports([9443, 'TCP'])},
    ])
  })

  it('ambient egress: broad HBONE always, per-edge only to non-ambient callees (namespace label only across namespaces), matchName for *. hosts', () => {
    const api = byName(objs, 'shop', 'api')
    expect(api.spec.egress.slice(1, 3)).toStrictEqual([
      {toEntities: ['cluster', 'world'], toPorts: hbone},
      {toEndpoints: [{matchLabels: {'k8s:app': 'postgres', 'k8s:tier': 'db', 'k8s:io.kubernetes.pod.namespace': 'data'}}], toPorts: ports([5432, 'TCP'], [8125, 'TCP'])},
    ])
    expect(api.spec.egress).toContainEqual({toFQDNs: [{matchName: '*.s3.amazonaws.com'}], toPorts: ports([443, 'TCP'])})
    expect(JSON.stringify(api.spec)).not.toContain('waypoint')
  })

  it('non-ambient: peer rule, per-caller rules on T(member), no egress to callees (upstream gap)', () => {
    const db = byName(objs, 'data', 'db')
    const own = {matchLabels: {'k8s:app': 'postgres', 'k8s:tier': 'db'}}
    expect(db.spec.ingress).toStrictEqual([{fromEndpoints: [own]}, {fromEndpoints: [sel('api', 'shop')], toPorts: ports([5432, 'TCP'], [8125, 'TCP'])}])
    expect(db.spec.egress).toStrictEqual([dns(['cache.data.svc.cluster.local']), {toEndpoints: [own]}])
  })

  it('ambient member without callers has no ingress section', () => {
    const g = graph([node({ns: 'x', name: 'lonely'})], [])
    expect(compileCilium(g, upstream)[0].spec).not.toHaveProperty('ingress')
  })
})
