// Throughput of the product path: 10,000 services (~5 requests each) against a 200-policy
// set in the shape of §3.6 (mostly principal-pinned permits, some namespace-wide rules and
// forbids). Printed for the report; not asserted, because shared CI cores vary widely.
import {describe, expect, it} from 'vitest'
import {authorizeService, loadCedarPolicies} from '../../src/layers/cedar/index.js'
import type {CedarPolicyObject, LatticeService} from '../../src/spec/model.js'
import {container, policyObject, resource, service} from './fixtures.js'

const SERVICES = 10_000
const NAMESPACES = 100
const ns = (i: number) => `ns${i % NAMESPACES}`

function policies(): CedarPolicyObject[] {
  const texts: string[] = []
  for (let i = 0; i < 120; i++)
    texts.push(`permit(principal == Lattice::Service::"${ns(i)}/svc${i}", action == Lattice::Action::"AccessSecret", resource == Lattice::SecretPath::"vault:${ns(i)}/svc${i}/db");`)
  for (let i = 0; i < 40; i++)
    texts.push(`permit(principal == Lattice::Service::"${ns(i)}/svc${i}", action == Lattice::Action::"OverrideSecurity", resource == Lattice::SecurityOverride::"allowedBinary:/usr/bin/curl");`)
  for (let k = 0; k < 20; k++)
    texts.push(`permit(principal, action == Lattice::Action::"AccessExternalEndpoint", resource) when { principal.namespace == "${ns(k)}" && resource.host like "*.partner${k}.com" };`)
  for (let k = 0; k < 10; k++)
    texts.push(`forbid(principal, action == Lattice::Action::"OverrideSecurity", resource) when { resource.override_id == "privileged" && principal.namespace == "${ns(k)}" };`)
  for (let k = 0; k < 10; k++)
    texts.push(`permit(principal, action == Lattice::Action::"DeployImage", resource) when { resource.registry == "registry.example.com/team${k}" };`)
  const objects: CedarPolicyObject[] = []
  for (let o = 0; o < 20; o++) objects.push(policyObject(`bench-${o}`, texts.slice(o * 10, o * 10 + 10).join('\n'), {priority: o}))
  return objects
}

function services(): LatticeService[] {
  const out: LatticeService[] = []
  for (let i = 0; i < SERVICES; i++) {
    out.push(
      service({
        ns: ns(i),
        name: `svc${i}`,
        containers: {main: container({image: `registry.example.com/team${i % 12}/svc${i}:1.${i}`, command: ['/app'], security: {allowedBinaries: ['/usr/bin/curl']}})},
        resources: {
          db: resource({type: 'secret', id: `${ns(i)}/svc${i}/db`, params: {provider: 'vault'}}),
          partner: resource({type: 'external-service', params: {endpoints: {api: `https://api.partner${i % 25}.com`}}}),
        },
      }),
    )
  }
  return out
}

describe('throughput', () => {
  it(`authorizes ${SERVICES} services against 200 policies`, async () => {
    const objects = policies()
    const svcs = services()
    const t0 = performance.now()
    const set = await loadCedarPolicies(objects)
    const t1 = performance.now()
    let requests = 0
    let permitted = 0
    for (const svc of svcs) {
      const r = authorizeService(set, svc, {services: svcs})
      requests += r.decisions.length
      if (r.permitted) permitted++
    }
    const ms = performance.now() - t1
    expect(set.policies).toHaveLength(200)
    expect(requests).toBe(SERVICES * 5)
    console.log(
      `[cedar throughput] load 200 policies: ${(t1 - t0).toFixed(0)} ms; ${SERVICES} services (${permitted} permitted), ` +
        `${requests} requests in ${ms.toFixed(0)} ms = ${Math.round(requests / (ms / 1000))} requests/s`,
    )
  }, 120_000)
})
