import {readFileSync} from 'node:fs'
import AjvModule from 'ajv'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {pairRealizedState, realizedStateFindings, type PairState} from '../../src/cluster/index.js'
import type {KubeObject} from '../../src/core/kube.js'
import {hasShared, sharedPath, SKIP_REASON} from '../helpers/shared.js'
import {objects as o} from './fixtures.js'

const pod = (name: string, opts = {}) => o.pod('commerce', name, 'payments', opts) as KubeObject
const cep = (name: string, opts = {}) => o.ciliumEndpoint('commerce', name, 'payments', opts) as KubeObject

describe('realizedStateFindings', () => {
  it('finds nothing when every pod has a ready, enforcing endpoint with an identity', () => {
    expect(realizedStateFindings([pod('p-1'), pod('p-2')], [cep('p-1'), cep('p-2')])).toEqual([])
  })

  it('flags a running pod without a CiliumEndpoint, but not host-network or pending pods', () => {
    const pending = pod('p-pending')
    pending.status.phase = 'Pending'
    const findings = realizedStateFindings([pod('p-1'), pod('p-host', {hostNetwork: true}), pending], [])
    expect(findings).toEqual([{
      kind: 'pod-without-endpoint', severity: 'error', namespace: 'commerce', pod: 'p-1',
      detail: 'pod commerce/p-1 has no CiliumEndpoint: Cilium does not enforce policy on it',
    }])
  })

  it('flags each direction whose policy is not enforced', () => {
    const findings = realizedStateFindings([pod('p-1')], [cep('p-1', {ingress: false})])
    expect(findings).toEqual([expect.objectContaining({kind: 'enforcement-disabled', direction: 'ingress', severity: 'warning'})])
    expect(findings[0].detail).toContain('all ingress traffic is allowed at L4')
  })

  it('flags endpoints that are not ready or have no identity, and says when status.policy is absent', () => {
    const findings = realizedStateFindings([pod('p-1')], [cep('p-1', {state: 'waiting-for-identity', identity: null, ingress: null, egress: null})])
    expect(findings.map((f) => [f.kind, f.direction])).toEqual([
      ['endpoint-not-ready', undefined],
      ['endpoint-without-identity', undefined],
      ['policy-status-unavailable', 'ingress'],
      ['policy-status-unavailable', 'egress'],
    ])
    expect(findings[0].detail).toContain('state waiting-for-identity')
  })

  it('judges both sides of a pair and says which side could not be read', () => {
    const state = {
      podsA: {ok: true, items: [pod('a-1')]},
      ciliumEndpointsA: {ok: false, status: 'forbidden', reason: 'forbidden: cannot list ciliumendpoints.cilium.io in namespace shop'},
      podsB: {ok: true, items: [pod('b-1')]},
      ciliumEndpointsB: {ok: true, items: [cep('b-1', {egress: false})]},
    } as unknown as PairState
    const realized = pairRealizedState(state)
    expect(realized.source).toEqual([])
    expect(realized.target.map((f) => f.kind)).toEqual(['enforcement-disabled'])
    expect(realized.unavailable).toEqual(['forbidden: cannot list ciliumendpoints.cilium.io in namespace shop'])
  })
})

describe.skipIf(!hasShared)('CiliumEndpoint fixtures', () => {
  if (!hasShared) console.warn(SKIP_REASON)
  it('validate against the upstream CRD schema (the status fields read above are real)', () => {
    const crd = parse(readFileSync(sharedPath('upstream', 'crds', 'cilium', 'ciliumendpoints.yaml'), 'utf8'))
    const schema = crd.spec.versions.find((v: {name: string}) => v.name === 'v2').schema.openAPIV3Schema
    const Ajv = (AjvModule as unknown as {default?: typeof AjvModule}).default ?? AjvModule
    const validate = new (Ajv as any)({strict: false, validateFormats: false}).compile(schema)
    for (const fixture of [cep('p-1'), cep('p-2', {ingress: false}), cep('p-3', {state: 'not-ready', identity: null, ingress: null, egress: null})]) {
      expect(validate(fixture), JSON.stringify(validate.errors)).toBe(true)
    }
    const policy = schema.properties.status.properties.policy.properties
    expect(policy.ingress.properties.enforcing.type).toBe('boolean')
    expect(policy.egress.properties.state.type).toBe('string')
    expect(schema.properties.status.properties.identity.properties.id.type).toBe('integer')
  })
})
