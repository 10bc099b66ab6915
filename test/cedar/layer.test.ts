import {describe, expect, it} from 'vitest'
import {authorizeService, cedarLayer, loadCedarPolicies} from '../../src/layers/cedar/index.js'
import {COMMERCE_PAYMENTS_POLICIES, checkout, container, payments, policyObject, resource, service} from './fixtures.js'

const NO_PERMIT = 'no permit policy for this service and resource'

describe('cedarLayer (§3.7 wording)', () => {
  it('PASS lists the gates that had requests, in upstream order', async () => {
    const set = await loadCedarPolicies([policyObject('commerce-payments', COMMERCE_PAYMENTS_POLICIES)])
    const ctx = {services: [checkout, payments]}
    const result = cedarLayer([authorizeService(set, checkout, ctx), authorizeService(set, payments, ctx)], set)
    expect(result.layer).toBe('cedar')
    expect(result.status).toBe('PASS')
    expect(result.summary).toBe('AccessSecret permitted, OverrideSecurity permitted, AccessExternalEndpoint permitted')
    expect(result.warnings).toEqual([])
    expect(result.evidence).toContainEqual({
      kind: 'CedarPolicy',
      namespace: 'lattice-system',
      name: 'commerce-payments',
      detail: 'commerce-payments_policy0 permits AccessSecret on Lattice::SecretPath::"vault-prod:commerce/payments/stripe"',
      source: 'policy',
    })
    // image gates are informational: mentioned in reasons, never in the summary
    expect(result.reasons.some((r) => r.includes('informational, not enforced: DeployImage denied for image'))).toBe(true)
  })

  it('no gated requests', async () => {
    const set = await loadCedarPolicies([])
    expect(cedarLayer([authorizeService(set, service({name: 'plain'}), {services: []})], set).summary).toBe('no gated requests')
  })

  it('DENY names the secret and the reason, and lists the failure message', async () => {
    const set = await loadCedarPolicies([])
    const result = cedarLayer([authorizeService(set, payments, {services: []})], set)
    expect(result.status).toBe('DENY')
    expect(result.summary).toBe(
      `AccessSecret denied for secret vault-prod:commerce/payments/stripe: ${NO_PERMIT}; AccessExternalEndpoint denied for endpoint api.stripe.com:443: ${NO_PERMIT}`,
    )
    expect(result.reasons.slice(0, 2)).toEqual([
      `secret access denied: 'stripe-key': ${NO_PERMIT} (reported first by upstream)`,
      `external endpoint access denied: 'stripe' (api.stripe.com:443): ${NO_PERMIT}`,
    ])
  })

  it('DENY names the forbidding policy and prefixes services when several are judged', async () => {
    const set = await loadCedarPolicies([policyObject('commerce-payments', COMMERCE_PAYMENTS_POLICIES), policyObject('broken', 'permit(')])
    const bad = service({name: 'api', containers: {main: container({security: {privileged: true}})}})
    const result = cedarLayer([authorizeService(set, checkout, {services: []}), authorizeService(set, bad, {services: []})], set)
    expect(result.status).toBe('DENY')
    expect(result.summary).toBe(`commerce/api: OverrideSecurity denied for override privileged (container 'main'): access explicitly forbidden by policy`)
    expect(result.reasons).toContain('commerce/api: OverrideSecurity on Lattice::SecurityOverride::"privileged" forbidden by policy commerce-payments_policy3')
    expect(result.reasons).toContain('CedarPolicy broken was skipped (parse error), so its permits do not apply')
    expect(result.warnings[0]).toMatch(/^CedarPolicy broken skipped: it does not parse \(.+\); none of its policies apply$/)
    expect(result.evidence.map((e) => e.detail)).toContain('commerce-payments_policy3 forbids OverrideSecurity on Lattice::SecurityOverride::"privileged"')
  })

  it('WARN when allowed with a caveat (volume consent only)', async () => {
    const set = await loadCedarPolicies([])
    const owner = service({name: 'own', resources: {v: resource({type: 'volume', id: 'data', params: {size: '1Gi', allowedConsumers: ['use']}})}})
    const user = service({name: 'use', resources: {v: resource({type: 'volume', id: 'data'})}})
    const result = cedarLayer([authorizeService(set, user, {services: [owner, user]})], set)
    expect(result.status).toBe('WARN')
    expect(result.summary).toBe("AccessVolume permitted; AccessVolume allowed by owner consent only (no Cedar policy): 'v' (volume 'data')")
    expect(result.warnings).toEqual(["AccessVolume allowed by owner consent only (no Cedar policy): 'v' (volume 'data')"])
  })
})
