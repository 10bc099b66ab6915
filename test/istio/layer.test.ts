import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {compileIstio, istioBaseline, l7Layer} from '../../src/layers/istio/index.js'
import {graph, node} from '../helpers/graph.js'
import {ap, opts, P, query, seedPair, waypointOf} from './fixtures.js'

const compiled = (g: Parameters<typeof compileIstio>[0]): KubeObject[] => [...istioBaseline(opts), ...compileIstio(g, opts)]
const CHECKOUT = 'spiffe://cluster.local/ns/commerce/sa/checkout'

describe('l7Layer §9.3 wordings', () => {
  it('PASS names the allowing policy', () => {
    const {checkout, payments, graph: g} = seedPair()
    const r = l7Layer(query(checkout, payments), compiled(g))
    expect(r).toMatchObject({layer: 'l7', status: 'PASS', summary: `AuthorizationPolicy allow-to-3d68c7ca allows ${CHECKOUT} on port 8080`})
    expect(r.evidence).toEqual([{kind: 'AuthorizationPolicy', namespace: 'commerce', name: 'allow-to-3d68c7ca', detail: 'rule 0', source: 'policy'}])
  })

  it('DENY by default names the root default deny (one-sided declaration)', () => {
    const {checkout, payments} = seedPair()
    const g = graph([checkout, payments], [])
    expect(l7Layer(query(checkout, payments), compiled(g)).summary).toBe(
      `no AuthorizationPolicy allows ${CHECKOUT} on payments port 8080; default deny from AuthorizationPolicy istio-system/mesh-default-deny`,
    )
  })

  it('cross-namespace callee is written ns/name', () => {
    const a = node({ns: 'frontend', name: 'web'})
    const b = node({ns: 'backend', name: 'api'})
    const r = l7Layer(query(a, b), compiled(graph([a, b], [])))
    expect(r.summary).toMatch(/^no AuthorizationPolicy allows spiffe:\/\/cluster.local\/ns\/frontend\/sa\/web on backend\/api port 8080;/)
  })

  it('explicit DENY names policy and rule', () => {
    const {checkout, payments, graph: g} = seedPair()
    const deny = ap('commerce', 'deny-qa-writes', {action: 'DENY', rules: [{from: [{source: {principals: [P.checkout]}}]}]})
    const r = l7Layer(query(checkout, payments), [...compiled(g), deny])
    expect(r).toMatchObject({status: 'DENY', summary: 'denied by AuthorizationPolicy commerce/deny-qa-writes rule 0'})
  })

  it('trust-domain mismatch is its own explanation', () => {
    const {checkout, payments, graph: g} = seedPair()
    const live = compileIstio(g, {...opts, trustDomain: 'lattice.prod.local'})
    const r = l7Layer(query(checkout, payments), [...istioBaseline(opts), ...live])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe(
      `trust domain mismatch: AuthorizationPolicy commerce/allow-to-3d68c7ca allows lattice.prod.local/ns/commerce/sa/checkout (trust domain lattice.prod.local) but the caller is ${CHECKOUT} (trust domain cluster.local)`,
    )
    expect(r.reasons[0]).toMatch(/default deny from AuthorizationPolicy istio-system\/mesh-default-deny$/)
  })

  it('non-ambient caller against a STRICT port (§6.6)', () => {
    const {checkout, payments, graph: g} = seedPair()
    checkout.ambient = false
    const r = l7Layer(query(checkout, payments), compiled(g))
    expect(r).toMatchObject({status: 'DENY', summary: 'caller checkout is not in the ambient mesh; payments requires mTLS on port 8080'})
    expect(r.evidence[0]).toMatchObject({kind: 'PeerAuthentication', namespace: 'istio-system', name: 'default'})
  })

  it('WARN for a PERMISSIVE target port, for ambient and non-ambient callers', () => {
    const {checkout, payments, graph: g} = seedPair({ports: [{name: 'hook', port: 9443, peerAuth: 'Permissive'}]})
    const r = l7Layer(query(checkout, payments), compiled(g))
    expect(r).toMatchObject({status: 'WARN', summary: 'port 9443 accepts plaintext from any source'})
    expect(r.reasons[0]).toBe(`AuthorizationPolicy allow-to-3d68c7ca allows ${CHECKOUT} on port 9443`)
    checkout.ambient = false
    const plain = l7Layer(query(checkout, payments), compiled(g))
    expect(plain).toMatchObject({status: 'WARN', summary: 'port 9443 accepts plaintext from any source'})
    expect(plain.reasons[0]).toBe('AuthorizationPolicy allow-plaintext-3d68c7ca allows plaintext from checkout on port 9443')
    expect(plain.reasons[1]).toMatch(/^caller checkout is not in the ambient mesh/)
  })

  it('no ports', () => {
    const {checkout, payments, graph: g} = seedPair({ports: []})
    expect(l7Layer(query(checkout, payments), compiled(g))).toMatchObject({status: 'DENY', summary: 'payments exposes no ports; no AuthorizationPolicy can allow it'})
  })

  it('no AuthorizationPolicy at all is a WARN (not in default deny)', () => {
    const {checkout, payments} = seedPair()
    const r = l7Layer(query(checkout, payments), [])
    expect(r.status).toBe('WARN')
    expect(r.warnings).toContain('payments is not in L7 default-deny (no AuthorizationPolicy applies)')
  })

  it('non-ambient callee: Istio does not enforce', () => {
    const {checkout, payments} = seedPair({ambient: false})
    expect(l7Layer(query(checkout, payments), []).status).toBe('PASS')
  })
})

describe('l7Layer with a waypoint on the path', () => {
  const l7 = {methods: ['GET', 'POST'], paths: ['/v1/charges']}
  const setup = () => seedPair({ports: [{name: 'http', port: 8080, servicePort: 80, peerAuth: 'Strict'}]}, {l7})

  it('waypoint down fails closed (§10.3)', () => {
    const {checkout, payments, graph: g} = setup()
    const r = l7Layer(query(checkout, payments, {waypoint: waypointOf('commerce', false)}), compiled(g))
    expect(r).toMatchObject({status: 'DENY', summary: 'waypoint commerce-waypoint has no ready pod; traffic fails closed'})
  })

  it('PASS checks the waypoint (service port, method, path) and then the ztunnel hop', () => {
    const {checkout, payments, graph: g} = setup()
    const r = l7Layer(query(checkout, payments, {waypoint: waypointOf('commerce'), method: 'POST', path: '/v1/charges'}), compiled(g))
    expect(r.status).toBe('PASS')
    expect(r.summary).toBe(
      `AuthorizationPolicy allow-to-3d68c7ca allows ${CHECKOUT} on port 80 at waypoint commerce-waypoint; allow-wp-to-3d68c7ca allows the waypoint on port 8080`,
    )
  })

  it('a method outside the rule is denied at the waypoint', () => {
    const {checkout, payments, graph: g} = setup()
    const r = l7Layer(query(checkout, payments, {waypoint: waypointOf('commerce'), method: 'DELETE', path: '/v1/charges'}), compiled(g))
    expect(r.summary).toBe(`no AuthorizationPolicy allows ${CHECKOUT} on payments port 80; default deny from AuthorizationPolicy istio-system/waypoint-default-deny`)
  })

  it('without --method/--path the verdict is a conditional WARN naming the constraints', () => {
    const {checkout, payments, graph: g} = setup()
    const r = l7Layer(query(checkout, payments, {waypoint: waypointOf('commerce')}), compiled(g))
    expect(r.status).toBe('WARN')
    expect(r.summary).toBe(
      `AuthorizationPolicy allow-to-3d68c7ca allows ${CHECKOUT} on port 80 only for some requests (methods GET, POST; paths /v1/charges); pass --method and --path to check one`,
    )
  })

  it('DENY plus a warning when the callee ztunnel does not admit the waypoint identity', () => {
    const {checkout, payments, graph: g} = setup()
    const objs = compiled(g).filter((o) => !o.metadata.name.startsWith('allow-wp-to-'))
    const r = l7Layer(query(checkout, payments, {waypoint: waypointOf('commerce'), method: 'GET', path: '/v1/charges'}), objs)
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe(
      'no AuthorizationPolicy allows spiffe://cluster.local/ns/commerce/sa/commerce-waypoint on payments port 8080; default deny from AuthorizationPolicy istio-system/mesh-default-deny',
    )
    expect(r.warnings).toEqual([
      'waypoint commerce-waypoint is on the path to payments, but no ztunnel ALLOW on payments names the waypoint principal cluster.local/ns/commerce/sa/commerce-waypoint on port 8080',
    ])
  })

  it('warns when a waypoint-form policy exists but no waypoint is on the path', () => {
    const {checkout, payments, graph: g} = setup()
    const r = l7Layer(query(checkout, payments), compiled(g))
    expect(r.status).toBe('DENY')
    expect(r.warnings.join()).toMatch(/AuthorizationPolicy commerce\/allow-to-3d68c7ca targets Service payments but no waypoint is on the path/)
  })

  it('uses the Services selecting B for targetRefs when Service objects are given', () => {
    const {checkout, payments, graph: g} = setup()
    const objs = compiled(g).map((o) => (o.metadata.name === 'allow-to-3d68c7ca' ? {...o, spec: {...o.spec, targetRefs: [{group: '', kind: 'Service', name: 'payments-svc'}]}} : o))
    const svc: KubeObject = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'payments-svc', namespace: 'commerce'}, spec: {selector: {'app.kubernetes.io/name': 'payments'}}}
    const q = query(checkout, payments, {waypoint: waypointOf('commerce'), method: 'GET', path: '/v1/charges'})
    expect(l7Layer(q, objs).status).toBe('DENY')
    expect(l7Layer(q, [...objs, svc]).status).toBe('PASS')
  })

  it('a non-ambient caller bypasses the waypoint and meets STRICT mTLS', () => {
    const {checkout, payments, graph: g} = setup()
    checkout.ambient = false
    const r = l7Layer(query(checkout, payments, {waypoint: waypointOf('commerce')}), compiled(g))
    expect(r.summary).toBe('caller checkout is not in the ambient mesh; payments requires mTLS on port 8080')
    expect(r.reasons).toContain('a non-ambient caller bypasses waypoint commerce-waypoint')
  })
})
