// Property (issue 3): for random fleets and random queries, the offline verdict is ALLOWED
// iff the pair is a bilateral agreement, the callee exposes a port, both services pass
// admission and Cedar, and the client binary is allowed. The expectation is computed from
// the generated intent, never from the pipeline.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {compiledView, evaluatePair} from '../../src/diagnose/pair.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {specSetFromDocuments} from '../../src/spec/load.js'
import {cedar, service} from '../helpers/specs.js'

type Decl = 'none' | 'outbound' | 'inbound' | 'both'

interface Svc {
  ns: string
  name: string
  ports: boolean
  malformed: boolean
  secret: 'none' | 'permitted' | 'denied'
  curl: boolean
}

const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo']

const fleetArb = fc.integer({min: 2, max: 5}).chain((n) =>
  fc.record({
    services: fc.tuple(...NAMES.slice(0, n).map((name) => fc.record({
      ns: fc.constantFrom('ns-a', 'ns-b'),
      name: fc.constant(name),
      ports: fc.integer({min: 0, max: 9}).map((x) => x < 8),
      malformed: fc.integer({min: 0, max: 9}).map((x) => x === 0),
      secret: fc.constantFrom<Svc['secret']>('none', 'none', 'permitted', 'denied'),
      curl: fc.boolean(),
    }))),
    decl: fc.array(fc.constantFrom<Decl>('none', 'outbound', 'inbound', 'both', 'none'), {minLength: n * n, maxLength: n * n}),
    query: fc.tuple(fc.nat({max: n - 1}), fc.nat({max: n - 1})).filter(([a, b]) => a !== b),
    client: fc.constantFrom<string | undefined>(undefined, '/usr/bin/curl', '/usr/bin/wget'),
    // The queried pair declares more often than random pairs, so every condition is hit.
    pairOut: fc.constantFrom<Decl>('outbound', 'both', 'outbound', 'none', 'inbound'),
    pairIn: fc.constantFrom<Decl>('inbound', 'both', 'inbound', 'none', 'outbound'),
  }),
)

function build(services: Svc[], decl: Decl[]) {
  const n = services.length
  const docs: unknown[] = services.map((s, i) => {
    const resources: Record<string, Record<string, unknown>> = {}
    for (let j = 0; j < n; j++) {
      const d = decl[i * n + j]
      if (i === j || d === 'none') continue
      const peer = services[j]
      resources[peer.name] = {type: 'service', direction: d, ...(peer.ns !== s.ns ? {namespace: peer.ns} : {})}
    }
    if (s.secret !== 'none') resources.creds = {type: 'secret', id: `${s.ns}/${s.name}/creds`, params: {provider: 'vault'}}
    return service(s.ns, s.name, resources, {
      ports: s.ports ? {http: {port: 8080}} : null,
      container: {
        command: [s.malformed ? `usr/local/bin/${s.name}` : `/usr/local/bin/${s.name}`],
        ...(s.curl ? {security: {allowedBinaries: ['/usr/bin/curl']}} : {}),
      },
    })
  })
  const permits = ['permit (principal, action == Lattice::Action::"OverrideSecurity", resource == Lattice::SecurityOverride::"allowedBinary:/usr/bin/curl");']
  for (const s of services) if (s.secret === 'permitted') permits.push(`permit (principal == Lattice::Service::"${s.ns}/${s.name}", action == Lattice::Action::"AccessSecret", resource == Lattice::SecretPath::"vault:${s.ns}/${s.name}/creds");`)
  docs.push(cedar('fleet', permits.join('\n')))
  return specSetFromDocuments(docs.map((value, index) => ({value: value as Record<string, unknown>, origin: {file: 'property.yaml', index}, label: `document ${index + 1}`})))
}

function expected(services: Svc[], decl: Decl[], a: number, b: number, client: string | undefined): boolean {
  const n = services.length
  const out = decl[a * n + b]
  const inn = decl[b * n + a]
  const bilateral = (out === 'outbound' || out === 'both') && (inn === 'inbound' || inn === 'both')
  const ok = (s: Svc) => !s.malformed && s.secret !== 'denied'
  const clientOk = client === undefined || (client === '/usr/bin/curl' && services[a].curl)
  return bilateral && services[b].ports && ok(services[a]) && ok(services[b]) && clientOk
}

describe('offline verdict property', () => {
  it('ALLOWED iff bilateral, port exposed, admitted, Cedar-permitted and client binary allowed', async () => {
    await fc.assert(fc.asyncProperty(fleetArb, async ({services, decl: randomDecl, query: [a, b], client, pairOut, pairIn}) => {
      const n = services.length
      const decl = [...randomDecl]
      decl[a * n + b] = pairOut
      decl[b * n + a] = pairIn
      // Two services with the same namespace/name cannot exist; names are unique by construction.
      const specs = build(services, decl)
      const fleet = await compileFleet(specs, defaultCompileOptions())
      const key = (s: Svc) => `${s.ns}/${s.name}`
      const d = evaluatePair(fleet, {source: key(services[a]), target: key(services[b]), ...(client ? {clientBinary: client} : {})}, compiledView(fleet))
      const want = expected(services, decl, a, b, client)
      expect(d.result.status, `${key(services[a])} → ${key(services[b])}: ${d.layers.map((l) => `${l.layer}=${l.status} ${l.summary}`).join(' | ')}`).toBe(want ? 'ALLOWED' : 'BLOCKED')
    }), {numRuns: 120})
  })
})
