// The L4 line for the traps of §10.10/§10.11: which rule decides, in words, and UNKNOWN
// (never PASS) when a named port the verdict depends on cannot be resolved.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import type {ConnectivityQuery, PortRef, Workload} from '../../src/core/query.js'
import {l4Layer} from '../../src/layers/cilium/index.js'

const http: PortRef = {name: 'http', servicePort: 8080, targetPort: 8080, protocol: 'TCP'}
const named = [{name: 'http', port: 8080, protocol: 'TCP'}]

function workload(name: string, ambient: boolean, extra: Partial<Workload> = {}): Workload {
  return {namespace: 'shop', name, kind: 'LatticeService', serviceAccount: name, podLabels: {app: name}, ambient, ports: [http], ...extra}
}
const query = (ambient = false, target: Partial<Workload> = {containerPorts: named}, extra: Partial<ConnectivityQuery> = {}): ConnectivityQuery => ({
  source: workload('client', ambient),
  target: workload('echo', ambient, target),
  port: http,
  trustDomain: 'cluster.local',
  ...extra,
})
const cnp = (name: string, spec: Record<string, unknown>): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name, namespace: 'shop'}, spec})
const ccnp = (name: string, spec: Record<string, unknown>): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: {name}, spec})
const echoSel = {matchLabels: {'k8s:app': 'echo'}}
const clientSel = {matchLabels: {'k8s:app': 'client'}}

describe('L4 line: rules without a peer (§10.10)', () => {
  it('CNP `ingress: [{}]` → DENY naming the deny-all policy, not "allows ingress from client"', () => {
    const r = l4Layer(query(), [cnp('all-ingress-deny', {endpointSelector: {}, ingress: [{}]})])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('no ingress rule on echo from client for echo:8080; ingress default-deny from CiliumNetworkPolicy shop/all-ingress-deny (ingress: [{}] allows nothing)')
    expect(r.evidence).toContainEqual({kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'all-ingress-deny', detail: 'ingress default-deny', source: 'policy'})
  })

  it('CCNP `egress: [{}]` → DENY on the caller side naming the CCNP', () => {
    const r = l4Layer(query(), [ccnp('all-egress-deny-ccnp', {endpointSelector: {}, egress: [{}]})])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('no egress rule on client for echo:8080; egress default-deny from CiliumClusterwideNetworkPolicy all-egress-deny-ccnp (egress: [{}] allows nothing)')
  })

  it('a toPorts-only rule passes any caller and is worded as the allowing rule', () => {
    const p = [
      cnp('echo-l4', {endpointSelector: echoSel, ingress: [{toPorts: [{ports: [{port: '8080', protocol: 'TCP'}]}]}]}),
      cnp('client-out', {endpointSelector: clientSel, egress: [{toEndpoints: [echoSel]}]}),
    ]
    const r = l4Layer(query(), p)
    expect(r.status).toBe('PASS')
    expect(r.summary).toBe('CiliumNetworkPolicy client-out allows egress to echo:8080; echo-l4 allows ingress from client')
    expect(r.evidence).toContainEqual({kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'echo-l4', detail: 'ingress rule #0 (broad)', source: 'policy'})
  })
})

describe('L4 line: named ports (§10.11)', () => {
  const namedDeny = (port = 'http') => [
    cnp('allow-in', {endpointSelector: {}, ingress: [{fromEndpoints: [{}]}]}),
    cnp('named-deny', {endpointSelector: echoSel, ingressDeny: [{fromEndpoints: [clientSel], toPorts: [{ports: [{port, protocol: 'TCP'}]}]}]}),
  ]

  it('resolved → DENY naming the deny rule (was PASS: named ports were ignored)', () => {
    const r = l4Layer(query(), namedDeny())
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('ingressDeny rule #0 of CiliumNetworkPolicy shop/named-deny drops client → echo:8080')
  })

  it('unresolvable and decisive → UNKNOWN with the reason, never PASS', () => {
    const r = l4Layer(query(false, {containerPorts: undefined}), namedDeny())
    expect(r.status).toBe('UNKNOWN')
    expect(r.summary).toBe('cannot decide ingress of echo for echo:8080: ingressDeny rule #0 of CiliumNetworkPolicy shop/named-deny: named port "http" cannot be resolved: the container ports of echo are not known')
  })

  it('unresolvable but not decisive → the verdict stands (DENY by default-deny)', () => {
    const r = l4Layer(query(false, {containerPorts: undefined}), [namedDeny()[1], cnp('client-out', {endpointSelector: clientSel, egress: [{}]})])
    expect(r.status).toBe('DENY')
    expect(r.summary).toMatch(/^no egress rule on client for echo:8080; egress default-deny from CiliumNetworkPolicy shop\/client-out/)
  })

  it('a name the destination does not define matches nothing: PASS (WARN when not in default-deny)', () => {
    const r = l4Layer(query(), namedDeny('metrics'))
    expect(['PASS', 'WARN']).toContain(r.status)
    expect(r.reasons.join('\n')).toMatch(/named port "metrics" is not a TCP container port of echo/)
  })

  it('ambient pairs are judged on the HBONE wire port: the name resolves to 8080, not 15008, so it does not match', () => {
    const r = l4Layer(query(true), namedDeny())
    expect(r.status).not.toBe('DENY')
    expect(r.status).not.toBe('UNKNOWN')
  })

  it('through a waypoint, a name on the waypoint hop with unknown waypoint ports is UNKNOWN', () => {
    const wp = {namespace: 'shop', name: 'shop-waypoint', serviceAccount: 'shop-waypoint', podLabels: {'gateway.networking.k8s.io/gateway-name': 'shop-waypoint'}}
    const p = [
      cnp('wp-in', {endpointSelector: {matchLabels: {'k8s:gateway.networking.k8s.io/gateway-name': 'shop-waypoint'}}, ingress: [{fromEndpoints: [{}], toPorts: [{ports: [{port: 'mesh', protocol: 'TCP'}]}]}]}),
    ]
    const r = l4Layer(query(true, {containerPorts: named}, {waypoint: wp}), p)
    expect(r.status).toBe('UNKNOWN')
    expect(r.summary).toMatch(/^client → shop-waypoint: cannot decide ingress of shop-waypoint .*named port "mesh" cannot be resolved: the container ports of shop-waypoint are not known/)
    const known = l4Layer(query(true, {containerPorts: named}, {waypoint: {...wp, containerPorts: [{name: 'mesh', port: 15008, protocol: 'TCP'}]}}), p)
    expect(['PASS', 'WARN']).toContain(known.status)
  })
})

describe('L4 line: the deny-all note only when the policy says nothing else', () => {
  it('a `{}` next to real rules is not called out; the real rules decide', () => {
    const r = l4Layer(query(), [cnp('mixed', {endpointSelector: {}, ingress: [{}, {fromEndpoints: [{matchLabels: {'k8s:app': 'other'}}]}]})])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('no ingress rule on echo from client for echo:8080; ingress default-deny from CiliumNetworkPolicy shop/mixed')
  })
})
