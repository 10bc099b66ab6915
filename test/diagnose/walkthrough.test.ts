// The seed 001 walkthrough (and the scenario list) end to end, offline: specs on
// disk → full pipeline → per-layer verdicts, result and verified fix.
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {diagnoseOffline} from '../../src/diagnose/offline.js'
import type {Diagnosis} from '../../src/diagnose/model.js'
import {SEED_POLICIES, both, cedar, inb, out, seedPair, service, writeSpecs} from '../helpers/specs.js'

async function diagnose(docs: unknown[], source: string, target: string, extra: {port?: string; clientBinary?: string} = {}): Promise<Diagnosis> {
  return diagnoseOffline({specPaths: [writeSpecs(docs)], policyPaths: [], source, target, options: defaultCompileOptions(), ...extra})
}

const status = (d: Diagnosis, layer: string) => d.layers.find((l) => l.layer === layer)!.status
const summary = (d: Diagnosis, layer: string) => d.layers.find((l) => l.layer === layer)!.summary

describe('seed 001 walkthrough', () => {
  it('both sides declared: ALLOWED, every layer passes', async () => {
    const d = await diagnose([...seedPair(), SEED_POLICIES], 'commerce/checkout', 'commerce/payments')
    expect(d.result).toEqual({status: 'ALLOWED', blockedAt: null, explanation: ''})
    expect(d.layers.map((l) => `${l.layer}:${l.status}`)).toEqual(['admission:PASS', 'cedar:PASS', 'declarations:PASS', 'l4:PASS', 'l7:PASS', 'runtime:PASS'])
    expect(summary(d, 'admission')).toBe('spec valid')
    expect(summary(d, 'l4')).toContain('wire: HBONE 15008')
    expect(summary(d, 'l7')).toContain('spiffe://cluster.local/ns/commerce/sa/checkout')
    expect(d.target.port).toEqual({name: 'http', servicePort: 8080, targetPort: 8080, wirePort: 15008})
    expect(d.fix).toBeNull()
  })

  it('undeclared target: BLOCKED at L4, fix declares both sides and is verified', async () => {
    const docs = [...seedPair(), service('commerce', 'orders'), SEED_POLICIES]
    const d = await diagnose(docs, 'commerce/checkout', 'commerce/orders')
    expect(d.result.status).toBe('BLOCKED')
    expect(d.result.blockedAt).toBe('l4')
    expect(status(d, 'declarations')).toBe('DENY')
    expect(status(d, 'l7')).toBe('DENY')
    expect(d.fix?.verified).toBe(true)
    expect(d.fix?.changes.map((c) => `${c.name}: ${c.yaml}`)).toEqual([
      'orders: checkout: {type: service, direction: inbound}',
      'checkout: orders: {type: service, direction: outbound}',
    ])
  })

  it('only one side declared: BLOCKED, with the seed wording and the one-line fix', async () => {
    const docs = [...seedPair({payments: {}}), SEED_POLICIES]
    const d = await diagnose(docs, 'commerce/checkout', 'commerce/payments')
    expect(d.result.status).toBe('BLOCKED')
    expect(d.result.blockedAt).toBe('l4')
    expect(summary(d, 'declarations')).toBe('outbound dependency payments declared but no matching inbound declaration found on service payments')
    expect(d.result.explanation).toBe('Bilateral inbound declaration on payments does not include checkout.')
    expect(d.fix?.changes).toHaveLength(1)
    expect(d.fix?.changes[0]).toMatchObject({kind: 'LatticeService', name: 'payments', path: 'spec.workload.resources', yaml: 'checkout: {type: service, direction: inbound}'})
    expect(d.fix?.verified).toBe(true)
  })

  it('Cedar denial: BLOCKED at Cedar, the denied service emits zero resources', async () => {
    const d = await diagnose([...seedPair()], 'commerce/checkout', 'commerce/payments')
    expect(d.result.blockedAt).toBe('cedar')
    expect(status(d, 'cedar')).toBe('DENY')
    expect(summary(d, 'cedar')).toMatch(/AccessSecret denied for secret vault-prod:commerce\/payments\/stripe: no permit policy for this service and resource/)
    expect(d.fix?.changes[0].kind).toBe('CedarPolicy')
    expect(d.fix?.verified).toBe(true)
  })

  it('malformed spec: BLOCKED at admission with the rule message', async () => {
    const [checkout, payments] = seedPair() as any[]
    checkout.spec.workload.containers.main.command = ['srv/checkout']
    const d = await diagnose([checkout, payments, SEED_POLICIES], 'commerce/checkout', 'commerce/payments')
    expect(d.result.blockedAt).toBe('admission')
    expect(status(d, 'admission')).toBe('FAIL')
    expect(summary(d, 'admission')).toBe("'main': command[0] 'srv/checkout' must be an absolute path (start with '/')")
  })

  it('runtime: a client binary outside the allowlist is BLOCKED at runtime; an allowed one passes', async () => {
    const docs = [...seedPair(), SEED_POLICIES]
    const blocked = await diagnose(docs, 'commerce/checkout', 'commerce/payments', {clientBinary: '/usr/bin/wget'})
    expect(blocked.result.blockedAt).toBe('runtime')
    expect(summary(blocked, 'runtime')).toContain('/usr/bin/wget')
    expect(blocked.fix?.verified).toBe(true)
    const ok = await diagnose(docs, 'commerce/checkout', 'commerce/payments', {clientBinary: '/usr/bin/curl'})
    expect(ok.result.status).toBe('ALLOWED')
  })

  it('cross-namespace: both sides must name the other namespace', async () => {
    const web = service('storefront', 'web', {checkout: out({namespace: 'commerce'})})
    const checkoutOk = service('commerce', 'checkout', {web: inb({namespace: 'storefront'})})
    const ok = await diagnose([web, checkoutOk], 'storefront/web', 'commerce/checkout')
    expect(ok.result.status).toBe('ALLOWED')
    const checkoutWrongNs = service('commerce', 'checkout', {web: inb()})
    const d = await diagnose([web, checkoutWrongNs], 'storefront/web', 'commerce/checkout')
    expect(d.result.status).toBe('BLOCKED')
    expect(summary(d, 'declarations')).toBe('outbound dependency commerce/checkout declared but checkout allows web from namespace commerce, not storefront')
    expect(d.fix?.verified).toBe(true)
  })

  it('direction both: both directions are allowed', async () => {
    const a = service('commerce', 'a', {b: both()})
    const b = service('commerce', 'b', {a: both()})
    expect((await diagnose([a, b], 'commerce/a', 'commerce/b')).result.status).toBe('ALLOWED')
    expect((await diagnose([a, b], 'commerce/b', 'commerce/a')).result.status).toBe('ALLOWED')
  })

  it('inbound wildcard: allowed with the Cedar permit, BLOCKED at Cedar without it', async () => {
    const caller = service('commerce', 'checkout', {'public-api': out()})
    const api = service('commerce', 'public-api', {'any-caller': inb({id: '*'})})
    const permit = cedar('wildcards', 'permit (principal == Lattice::Service::"commerce/public-api", action == Lattice::Action::"AllowWildcard", resource == Lattice::Mesh::"inbound");')
    expect((await diagnose([caller, api, permit], 'commerce/checkout', 'commerce/public-api')).result.status).toBe('ALLOWED')
    const denied = await diagnose([caller, api], 'commerce/checkout', 'commerce/public-api')
    expect(denied.result.status).toBe('BLOCKED')
    expect(denied.result.blockedAt).toBe('cedar')
    expect(summary(denied, 'declarations')).toBe('inbound wildcard on public-api denied by Cedar (AllowWildcard on Mesh::"inbound")')
  })

  it('--port N that the callee does not expose: BLOCKED at L4 naming its ports, the fix adds that port (verified)', async () => {
    const d = await diagnose([...seedPair(), SEED_POLICIES], 'commerce/checkout', 'commerce/payments', {port: '9090'})
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4', explanation: 'payments exposes no port 9090 (ports: http 8080).'})
    expect(status(d, 'l7')).toBe('DENY')
    expect(d.target.port).toMatchObject({servicePort: 9090, targetPort: 9090})
    expect(d.fix?.changes).toEqual([expect.objectContaining({name: 'payments', path: 'spec.workload.service.ports', yaml: expect.stringMatching(/^port-9090: \{port: 9090\}/)})])
    expect(d.fix?.verified).toBe(true)
    // The exposed port by number still passes.
    expect((await diagnose([...seedPair(), SEED_POLICIES], 'commerce/checkout', 'commerce/payments', {port: '8080'})).result.status).toBe('ALLOWED')
  })

  it('port not exposed: a callee with no ports is unreachable, and the fix adds one', async () => {
    const a = service('commerce', 'a', {b: out()})
    const b = service('commerce', 'b', {a: inb()}, {ports: null})
    const d = await diagnose([a, b], 'commerce/a', 'commerce/b')
    expect(d.result.status).toBe('BLOCKED')
    expect(['l4', 'l7']).toContain(d.result.blockedAt)
    expect(d.fix?.changes[0].path).toBe('spec.workload.service.ports')
    expect(d.fix?.verified).toBe(true)
  })
})
