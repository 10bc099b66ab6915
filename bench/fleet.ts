// Deterministic generated fleets for the benchmarks: N LatticeServices in namespaces of
// 50, each with 3–6 service dependencies (90% declared on both sides, 20% cross-namespace),
// a secret, some external endpoints and binary allowlists, plus a Cedar policy set of
// exactly 200 policies that permits what the fleet needs.

import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {stringify} from 'yaml'

const PER_NAMESPACE = 50

/** Small, fast, seedable PRNG (mulberry32) so every run generates the same fleet. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface GeneratedFleet {
  services: Array<Record<string, any>>
  cedarPolicies: Array<Record<string, any>>
}

export function generateFleet(n: number, seed = 42): GeneratedFleet {
  const rand = rng(seed)
  const nsCount = Math.max(1, Math.ceil(n / PER_NAMESPACE))
  const ids = Array.from({length: n}, (_, i) => ({ns: `team-${String(i % nsCount).padStart(3, '0')}`, name: `svc-${String(i).padStart(5, '0')}`}))
  const resources = ids.map(() => ({} as Record<string, any>))
  ids.forEach((me, i) => {
    const deps = 3 + Math.floor(rand() * 4)
    for (let d = 0; d < deps; d++) {
      let j: number
      if (rand() < 0.2) j = Math.floor(rand() * n)
      else {
        // same namespace: indices congruent to i modulo nsCount
        const k = Math.floor(rand() * PER_NAMESPACE)
        j = (i % nsCount) + k * nsCount
        if (j >= n) j = i % nsCount
      }
      if (j === i) continue
      const peer = ids[j]
      const out: Record<string, string> = {type: 'service', direction: 'outbound'}
      if (peer.ns !== me.ns) out.namespace = peer.ns
      resources[i][`${peer.name}`] = out
      if (rand() < 0.9) {
        const inb: Record<string, string> = {type: 'service', direction: 'inbound'}
        if (peer.ns !== me.ns) inb.namespace = me.ns
        resources[j][`${me.name}`] ??= inb
      }
    }
    resources[i]['db-creds'] = {type: 'secret', id: `${me.ns}/${me.name}/db`, params: {provider: 'vault-prod', keys: ['password']}}
    if (i % 10 === 0) resources[i]['stripe'] = {type: 'external-service', direction: 'outbound', params: {endpoints: {api: 'https://api.stripe.com'}}}
  })
  const services = ids.map((me, i) => ({
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeService',
    metadata: {name: me.name, namespace: me.ns},
    spec: {
      replicas: 2,
      workload: {
        containers: {
          main: {
            image: `registry.example.com/${me.ns}/${me.name}:1.${i % 17}.0`,
            command: [`/app/${me.name}`],
            resources: {limits: {cpu: '500m', memory: '256Mi'}},
            security: i % 7 === 0 ? {allowedBinaries: ['/usr/bin/curl']} : {},
            readinessProbe: {httpGet: {path: '/ready', port: 8080}},
          },
        },
        service: {ports: {http: {port: 8080}, ...(i % 5 === 0 ? {metrics: {port: 9102}} : {})}},
        resources: resources[i],
      },
    },
  }))
  return {services, cedarPolicies: cedarPolicies(nsCount)}
}

/** Exactly 200 Cedar policies in 4 CedarPolicy objects. */
function cedarPolicies(nsCount: number): Array<Record<string, any>> {
  const policies: string[] = [
    `permit (principal, action == Lattice::Action::"AccessSecret", resource) when { resource.provider == "vault-prod" && resource.path like "team-*" };`,
    `permit (principal, action == Lattice::Action::"AccessExternalEndpoint", resource) when { resource.host == "api.stripe.com" && resource.port == "443" };`,
    `permit (principal, action == Lattice::Action::"OverrideSecurity", resource == Lattice::SecurityOverride::"allowedBinary:/usr/bin/curl");`,
    `forbid (principal, action == Lattice::Action::"OverrideSecurity", resource) when { resource.override_id == "privileged" };`,
  ]
  // Per-namespace rules of the kind real platforms accumulate (quota-like, ownership).
  let k = 0
  while (policies.length < 200) {
    const ns = `team-${String(k % Math.max(nsCount, 1)).padStart(3, '0')}`
    switch (k % 4) {
      case 0: policies.push(`forbid (principal, action == Lattice::Action::"AccessSecret", resource) when { principal.namespace == "${ns}" && resource.path like "restricted-${k}/*" };`); break
      case 1: policies.push(`permit (principal, action == Lattice::Action::"AccessVolume", resource) when { principal.namespace == "${ns}" && resource.namespace == "${ns}" };`); break
      case 2: policies.push(`permit (principal == Lattice::Service::"${ns}/svc-${String(k).padStart(5, '0')}", action == Lattice::Action::"OverrideSecurity", resource == Lattice::SecurityOverride::"capability:NET_BIND_SERVICE");`); break
      default: policies.push(`forbid (principal, action == Lattice::Action::"AccessExternalEndpoint", resource) when { principal.namespace == "${ns}" && resource.host == "blocked-${k}.example.com" };`)
    }
    k++
  }
  const chunks = [0, 1, 2, 3].map((c) => policies.slice(c * 50, c * 50 + 50))
  return chunks.map((chunk, c) => ({
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'CedarPolicy',
    metadata: {name: `bench-policies-${c}`, namespace: 'lattice-system'},
    spec: {priority: 10 - c, policies: chunk.join('\n')},
  }))
}

/** Writes one file per namespace (multi-document YAML) plus the Cedar policies. */
export function writeFleet(dir: string, fleet: GeneratedFleet): void {
  mkdirSync(dir, {recursive: true})
  const byNs = new Map<string, Array<Record<string, any>>>()
  for (const s of fleet.services) {
    const list = byNs.get(s.metadata.namespace) ?? []
    list.push(s)
    byNs.set(s.metadata.namespace, list)
  }
  for (const [ns, list] of byNs) writeFileSync(path.join(dir, `${ns}.yaml`), list.map((s) => stringify(s)).join('---\n'))
  writeFileSync(path.join(dir, 'cedar.yaml'), fleet.cedarPolicies.map((p) => stringify(p)).join('---\n'))
}
