import {beforeAll, describe, expect, it} from 'vitest'
import {authorizeService, loadCedarPolicies, wildcardPermitted, type CedarPolicySet} from '../../src/layers/cedar/index.js'
import {COMMERCE_PAYMENTS_POLICIES, checkout, container, payments, permitAll, policyObject, resource, service} from './fixtures.js'

const load = (...texts: string[]) => loadCedarPolicies(texts.map((t, i) => policyObject(`p${i}`, t)))
const NO_PERMIT = 'no permit policy for this service and resource'
const FORBIDDEN = 'access explicitly forbidden by policy'
const ctx = {services: [] as ReturnType<typeof service>[]}

describe('§3.6 example policies against the §1.1 services', () => {
  let set: CedarPolicySet
  beforeAll(async () => {
    set = await loadCedarPolicies([policyObject('commerce-payments', COMMERCE_PAYMENTS_POLICIES, {priority: 10})])
  })

  it('payments is permitted its Stripe secret and endpoint', () => {
    const r = authorizeService(set, payments, {services: [checkout, payments]})
    expect(r.permitted).toBe(true)
    expect(r.service).toBe('commerce/payments')
    const enforced = r.decisions.filter((d) => d.enforced)
    expect(enforced.map((d) => [d.gate, d.resource, d.allowed, d.policies])).toEqual([
      ['AccessSecret', 'Lattice::SecretPath::"vault-prod:commerce/payments/stripe"', true, ['commerce-payments_policy0']],
      ['AccessExternalEndpoint', 'Lattice::ExternalEndpoint::"api.stripe.com:443"', true, ['commerce-payments_policy1']],
    ])
    expect(r.failureMessage).toBeUndefined()
    expect(r.warnings).toEqual([])
  })

  it('checkout is permitted allowedBinary:/usr/bin/curl', () => {
    const r = authorizeService(set, checkout, {services: [checkout, payments]})
    expect(r.permitted).toBe(true)
    const override = r.decisions.find((d) => d.gate === 'OverrideSecurity')!
    expect(override).toMatchObject({item: 'allowedBinary:/usr/bin/curl', container: 'main', allowed: true, policies: ['commerce-payments_policy2']})
  })

  it('image gates are reported but never deny (§8 D7)', () => {
    const r = authorizeService(set, checkout, ctx)
    const images = r.decisions.filter((d) => !d.enforced)
    expect(images.map((d) => [d.gate, d.resource, d.allowed])).toEqual([
      ['DeployImage', 'Lattice::ImageRef::"registry.example.com/commerce/checkout:2.7.1"', false],
      ['AllowTagReference', 'Lattice::ImageRef::"registry.example.com/commerce/checkout:2.7.1"', false],
    ])
    expect(r.permitted).toBe(true)
    expect(r.denials).toEqual([])
    // payments is pinned by digest: no AllowTagReference request
    expect(authorizeService(set, payments, ctx).decisions.filter((d) => d.gate === 'AllowTagReference')).toEqual([])
  })

  it('the forbid beats a permit and is named in the decision', async () => {
    const withPermit = await loadCedarPolicies([
      policyObject('commerce-payments', COMMERCE_PAYMENTS_POLICIES, {priority: 10}),
      policyObject('allow-privileged', permitAll('OverrideSecurity'), {priority: 99}),
    ])
    const svc = service({name: 'api', containers: {main: container({security: {privileged: true}})}})
    const r = authorizeService(withPermit, svc, ctx)
    expect(r.permitted).toBe(false)
    expect(r.denials).toHaveLength(1)
    expect(r.denials[0]).toMatchObject({gate: 'OverrideSecurity', item: 'privileged', reason: FORBIDDEN, policies: ['commerce-payments_policy3']})
    expect(r.failureMessage).toBe(`security override denied: 'privileged' (container 'main'): ${FORBIDDEN}`)
    // same spec outside commerce: the forbid does not apply, the permit does
    const other = authorizeService(withPermit, service({ns: 'media', name: 'api', containers: {main: container({security: {privileged: true}})}}), ctx)
    expect(other.permitted).toBe(true)
    expect(other.decisions.find((d) => d.item === 'privileged')!.policies).toEqual(['allow-privileged_policy0'])
  })
})

describe('default deny', () => {
  it('an empty policy set denies every gated request', async () => {
    const set = await load()
    const r = authorizeService(set, payments, ctx)
    expect(r.permitted).toBe(false)
    expect(r.denials.map((d) => [d.gate, d.reason])).toEqual([
      ['AccessSecret', NO_PERMIT],
      ['AccessExternalEndpoint', NO_PERMIT],
    ])
    expect(r.firstFailingGate).toBe('AccessSecret')
    expect(r.failureMessage).toBe(`secret access denied: 'stripe-key': ${NO_PERMIT}`)
    expect(r.failures.map((f) => f.message)).toEqual([
      `secret access denied: 'stripe-key': ${NO_PERMIT}`,
      `external endpoint access denied: 'stripe' (api.stripe.com:443): ${NO_PERMIT}`,
    ])
  })

  it('a service with no gated request is permitted by an empty set', async () => {
    const r = authorizeService(await load(), service({name: 'plain'}), ctx)
    expect(r.permitted).toBe(true)
    expect(r.decisions.every((d) => !d.enforced)).toBe(true)
  })
})

describe('gates', () => {
  it('AccessSecret: per secret resource, remote key from id (default: the key), every denial listed', async () => {
    const svc = service({
      name: 'app',
      resources: {
        db: resource({type: 'secret', id: 'apps/db', params: {provider: 'vault'}}),
        tls: resource({type: 'secret', params: {provider: 'aws'}}),
      },
    })
    const set = await load('permit(principal, action == Lattice::Action::"AccessSecret", resource) when { resource.provider == "vault" && resource.path == "apps/db" };')
    const r = authorizeService(set, svc, ctx)
    expect(r.decisions.filter((d) => d.gate === 'AccessSecret').map((d) => [d.resource, d.allowed])).toEqual([
      ['Lattice::SecretPath::"vault:apps/db"', true],
      ['Lattice::SecretPath::"aws:tls"', false],
    ])
    expect(r.failureMessage).toBe(`secret access denied: 'tls': ${NO_PERMIT}`)
    const none = authorizeService(await load(), svc, ctx)
    expect(none.failureMessage).toBe(`secret access denied: 'db': ${NO_PERMIT}; 'tls': ${NO_PERMIT}`)
  })

  it('OverrideSecurity: the implicit wildcard is not covered by a specific path permit (§7.5)', async () => {
    const svc = service({name: 'app', containers: {main: container({command: undefined})}})
    const set = await load(`permit(principal, action == Lattice::Action::"OverrideSecurity", resource == Lattice::SecurityOverride::"allowedBinary:/usr/bin/curl");`)
    const r = authorizeService(set, svc, ctx)
    expect(r.permitted).toBe(false)
    expect(r.failureMessage).toBe(`security override denied: 'allowedBinary:*' (container 'main'): ${NO_PERMIT}`)
    const ok = await load(`permit(principal, action == Lattice::Action::"OverrideSecurity", resource) when { resource.category == "binary" && resource.override_id == "allowedBinary:*" };`)
    expect(authorizeService(ok, svc, ctx).permitted).toBe(true)
  })

  it('OverrideSecurity: pod-level overrides are named without a container', async () => {
    const r = authorizeService(await load(), service({name: 'app', spec: {hostNetwork: true}}), ctx)
    expect(r.failureMessage).toBe(`security override denied: 'hostNetwork': ${NO_PERMIT}`)
  })

  it('AccessExternalEndpoint: one request per parsed endpoint, attributes as Strings', async () => {
    const svc = service({
      name: 'app',
      resources: {
        ext: resource({type: 'external-service', params: {endpoints: {a: 'tcp://db.example.com:5432', b: 'udp://10.20.30.40:123', bad: 'not a url'}}}),
        ignored: resource({type: 'external-service', direction: 'inbound', params: {endpoints: {a: 'https://in.example.com'}}}),
      },
    })
    const set = await load('permit(principal, action == Lattice::Action::"AccessExternalEndpoint", resource) when { resource.port == "5432" && resource.protocol == "tcp" };')
    const r = authorizeService(set, svc, ctx)
    expect(r.decisions.filter((d) => d.enforced).map((d) => [d.resourceId, d.allowed])).toEqual([
      ['db.example.com:5432', true],
      ['10.20.30.40:123', false],
    ])
    expect(r.failureMessage).toBe(`external endpoint access denied: 'ext' (10.20.30.40:123): ${NO_PERMIT}`)
  })

  it('entity egress is evaluated but a denial is only a warning (§8 D19)', async () => {
    const svc = service({name: 'app', resources: {internet: resource({type: 'external-service', id: 'entity:world:8443'})}})
    const r = authorizeService(await load(), svc, ctx)
    expect(r.permitted).toBe(true)
    expect(r.decisions).toContainEqual(expect.objectContaining({gate: 'AccessExternalEndpoint', resource: 'Lattice::ExternalEndpoint::"entity:world:8443"', allowed: false, enforced: false}))
    expect(r.warnings).toEqual([
      `AccessExternalEndpoint for 'internet' (entity:world:8443) would be denied under seed semantics; not enforced by upstream (${NO_PERMIT})`,
    ])
    const permitted = await load('permit(principal, action == Lattice::Action::"AccessExternalEndpoint", resource) when { resource.host == "entity:world" && resource.port == "8443" && resource.protocol == "tcp" };')
    expect(authorizeService(permitted, svc, ctx).warnings).toEqual([])
  })

  it('AllowWildcard: inbound id "*" asks Mesh::"inbound" with the §3.7 mesh-member failure', async () => {
    const svc = service({name: 'public-api', resources: {'any-caller': resource({type: 'service', direction: 'inbound', id: '*'})}})
    const denied = authorizeService(await load(), svc, ctx)
    expect(denied.permitted).toBe(false)
    expect(denied.wildcardInboundPermitted).toBe(false)
    expect(denied.firstFailingGate).toBe('AllowWildcard')
    expect(denied.failureMessage).toBe(
      'MeshMember failed: Cedar policy denied allows_all (wildcard inbound) for commerce/public-api; add a permit policy for Action::"AllowWildcard" on Mesh::"inbound"',
    )
    const set = await load('permit(principal == Lattice::Service::"commerce/public-api", action == Lattice::Action::"AllowWildcard", resource == Lattice::Mesh::"inbound");')
    const ok = authorizeService(set, svc, ctx)
    expect(ok.permitted).toBe(true)
    expect(ok.wildcardInboundPermitted).toBe(true)
    expect(wildcardPermitted(set, 'commerce/public-api', 'inbound')).toBe(true)
    expect(wildcardPermitted(set, 'commerce/public-api', 'outbound')).toBe(false)
    expect(wildcardPermitted(set, 'monitoring/vmagent-lattice-metrics', 'inbound')).toBe(false)
    expect(authorizeService(set, service({name: 'x'}), ctx).wildcardInboundPermitted).toBeUndefined()
  })

  it('AllowWildcard: an open advertise asks Mesh::"advertise"', async () => {
    const svc = service({name: 'api', spec: {advertise: {allowedServices: ['*']}}})
    const r = authorizeService(await load(), svc, ctx)
    expect(r.failureMessage).toBe(
      'MeshMember failed: Cedar policy denied advertise (wildcard cross-cluster) for commerce/api; add a permit policy for Action::"AllowWildcard" on Mesh::"advertise"',
    )
  })

  it('the first failing gate follows upstream order, not declaration order', async () => {
    const svc = service({
      name: 'app',
      containers: {main: container({security: {privileged: true}})},
      resources: {
        ext: resource({type: 'external-service', params: {endpoints: {a: 'https://x.example.com'}}}),
        vol: resource({type: 'volume', id: 'shared'}),
      },
    })
    const r = authorizeService(await load(), svc, ctx)
    expect(r.failures.map((f) => f.gate)).toEqual(['AccessVolume', 'OverrideSecurity', 'AccessExternalEndpoint'])
    expect(r.firstFailingGate).toBe('AccessVolume')
  })
})

describe('AccessVolume: owner consent, then permissive Cedar (§3.3, §8 D20)', () => {
  const owner = (consumers: string[]) =>
    service({ns: 'media', name: 'jellyfin', resources: {library: resource({type: 'volume', id: 'media-storage', params: {size: '10Gi', allowedConsumers: consumers}})}})
  const consumer = (ns = 'media') => service({ns, name: 'sonarr', resources: {media: resource({type: 'volume', id: 'media-storage', namespace: 'media'})}})

  it('consent without any Cedar policy allows, with the warning', async () => {
    const c = consumer()
    const r = authorizeService(await load(), c, {services: [owner(['sonarr']), c]})
    expect(r.permitted).toBe(true)
    expect(r.decisions.find((d) => d.gate === 'AccessVolume')).toMatchObject({resource: 'Lattice::Volume::"media/media-storage"', allowed: true, policies: []})
    expect(r.warnings).toEqual(["AccessVolume allowed by owner consent only (no Cedar policy): 'media' (volume 'media-storage')"])
  })

  it('consent plus a permit allows without warning; a forbid denies despite consent', async () => {
    const c = consumer()
    const services = [owner(['media/sonarr']), c]
    const permitted = authorizeService(await load(permitAll('AccessVolume')), c, {services})
    expect(permitted.permitted).toBe(true)
    expect(permitted.warnings).toEqual([])
    const forbidden = authorizeService(await load(permitAll('AccessVolume'), 'forbid(principal, action == Lattice::Action::"AccessVolume", resource) when { resource.volume_id == "media-storage" };'), c, {services})
    expect(forbidden.permitted).toBe(false)
    expect(forbidden.failureMessage).toBe(`volume access denied: 'media' (volume 'media-storage'): ${FORBIDDEN}`)
    expect(forbidden.denials[0].policies).toEqual(['p1_policy0'])
  })

  it('a consumer missing from allowedConsumers is denied even when Cedar permits', async () => {
    const c = consumer()
    const r = authorizeService(await load(permitAll('AccessVolume')), c, {services: [owner(['radarr']), c]})
    expect(r.permitted).toBe(false)
    expect(r.failureMessage).toBe("volume access denied: 'media': not in allowedConsumers of volume 'media-storage' owned by 'media/jellyfin'")
  })

  it('a bare name in allowedConsumers only matches the owner namespace', async () => {
    const c = consumer('tv')
    const r = authorizeService(await load(), c, {services: [owner(['sonarr']), c]})
    expect(r.permitted).toBe(false)
    expect(authorizeService(await load(), c, {services: [owner(['tv/sonarr']), c]}).permitted).toBe(true)
  })

  it('no owner found', async () => {
    const c = consumer()
    const r = authorizeService(await load(), c, {services: [c]})
    expect(r.failureMessage).toBe("volume access denied: 'media': no owner found for volume 'media-storage' in namespace 'media'")
  })

  it('the owner itself makes no AccessVolume request', async () => {
    const r = authorizeService(await load(), owner([]), ctx)
    expect(r.decisions.filter((d) => d.gate === 'AccessVolume')).toEqual([])
  })
})
