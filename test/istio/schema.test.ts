// Every emitted Istio object validates against the served v1 schema of the real CRD
// (../shared/upstream/crds/istio), plus the CEL rules Ajv cannot run that our output touches.
import {readFileSync} from 'node:fs'
import {Ajv} from 'ajv'
import {parse} from 'yaml'
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {compileIstio, istioBaseline} from '../../src/layers/istio/index.js'
import {graph, node} from '../helpers/graph.js'
import {hasShared, sharedPath} from '../helpers/shared.js'
import {opts} from './fixtures.js'

const CRDS: Record<string, string> = {
  AuthorizationPolicy: 'authorizationpolicies.security.istio.io.yaml',
  PeerAuthentication: 'peerauthentications.security.istio.io.yaml',
  ServiceEntry: 'serviceentries.networking.istio.io.yaml',
}

function everything(): KubeObject[] {
  const checkout = node({ns: 'commerce', name: 'checkout', egress: [{target: {cidr: '10.0.0.5/32'}, ports: [5432], protocol: 'TCP'}]})
  const payments = node({
    ns: 'commerce',
    name: 'payments',
    ports: [
      {name: 'http', port: 8080, servicePort: 80, peerAuth: 'Strict'},
      {name: 'hook', port: 9443, peerAuth: 'Webhook'},
    ],
    egress: [
      {target: {fqdn: 'api.stripe.com'}, ports: [443], protocol: 'TCP'},
      {target: {fqdn: 'ntp.example'}, ports: [123], protocol: 'UDP'},
      {target: {fqdn: 'all.example'}, ports: [], protocol: 'TCP'},
    ],
    advertise: {allowedServices: ['remote/x']},
  })
  const open = node({ns: 'edge', name: 'open', advertise: {allowedServices: ['*']}})
  const g = graph(
    [checkout, payments, open],
    [{from: checkout.key, to: payments.key, l7: {methods: ['GET'], paths: ['/v1/*']}}, [payments.key, payments.key]],
  )
  return [...istioBaseline(opts), ...compileIstio(g, opts)]
}

describe.skipIf(!hasShared)('emitted Istio objects validate against the v1 CRD schemas', () => {
  const ajv = new Ajv({strict: false, allErrors: true, validateFormats: false})
  // The describe body runs even when skipped: read the CRDs only when they exist.
  const validators = Object.fromEntries(
    Object.entries(hasShared ? CRDS : {}).map(([kind, file]) => {
      const crd = parse(readFileSync(sharedPath('upstream', 'crds', 'istio', file), 'utf8'))
      const v1 = crd.spec.versions.find((v: any) => v.name === 'v1' && v.served)
      return [kind, ajv.compile(v1.schema.openAPIV3Schema)]
    }),
  )
  const objects = everything().filter((o) => o.kind in CRDS)

  it('covers every kind', () => {
    expect(new Set(objects.map((o) => o.kind))).toEqual(new Set(Object.keys(CRDS)))
  })

  it.each(objects.map((o) => [`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, o] as const))('%s', (_label, obj) => {
    const validate = validators[obj.kind]
    const ok = validate(obj)
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([])
    expect(ok).toBe(true)
    // CEL rules: portLevelMtls requires a non-empty selector; SE port numbers unique.
    if (obj.kind === 'PeerAuthentication' && obj.spec.portLevelMtls) expect(Object.keys(obj.spec.selector?.matchLabels ?? {})).not.toHaveLength(0)
    if (obj.kind === 'ServiceEntry' && obj.spec.ports) {
      const numbers = obj.spec.ports.map((p: any) => p.number)
      expect(new Set(numbers).size).toBe(numbers.length)
    }
  })

  it('rejects a broken object (the validator is live)', () => {
    const bad = {apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: {name: 'x'}, spec: {action: 'PERMIT'}}
    expect(validators.AuthorizationPolicy(bad)).toBe(false)
  })
})
