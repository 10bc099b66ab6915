// Issue 7 points 8–10 on the built binary: exit codes for a declared missing target
// (LATTICE-SPEC §10.16: a diagnosis, exit 1) vs an undeclared typo (input error, exit 2,
// with a suggestion), a mesh member denied by its AllowWildcard gate in `platform compile`
// (§4.5, §3.7), and the namespace ingress gateway as a caller offline (§10.15).
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Ajv} from 'ajv'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {cli} from '../helpers/cli.js'
import {SEED_POLICIES, out, seedPair, service, writeSpecs} from '../helpers/specs.js'

describe('platform debug connectivity: unknown names (§10.16)', () => {
  const dir = writeSpecs([...seedPair({checkout: {payments: out(), paymnts: out()}}), SEED_POLICIES])

  it('a target A declares that does not exist: exit 1, BLOCKED at L4, B shown as Unknown', () => {
    const r = cli(['debug', 'connectivity', 'commerce/checkout', 'commerce/paymnts', '--specs', dir, '--width', '1000'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Declarations: DENY (outbound dependency paymnts declared but service paymnts does not exist in namespace commerce)')
    expect(r.stdout).toContain('Result: BLOCKED at L4. Outbound dependency paymnts declared but service paymnts does not exist in namespace commerce.')
    expect(r.stdout).toContain('Fix: create LatticeService paymnts in commerce')
    const json = JSON.parse(cli(['debug', 'connectivity', 'commerce/checkout', 'commerce/paymnts', '--specs', dir, '-o', 'json']).stdout)
    expect(json.target).toEqual({namespace: 'commerce', name: 'paymnts', kind: 'Unknown'})
    const schema = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'diagnosis.schema.json'), 'utf8'))
    const validate = new Ajv({allErrors: true}).compile(schema)
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true)
  })

  it('a name nobody declares: exit 2, one line, with the closest known name', () => {
    const r = cli(['debug', 'connectivity', 'commerce/checkout', 'commerce/paymets', '--specs', dir])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe('platform: target: unknown service commerce/paymets (did you mean commerce/payments?)')
    const a = cli(['debug', 'connectivity', 'chekout', 'payments', '-n', 'commerce', '--specs', dir])
    expect(a.code).toBe(2)
    expect(a.stderr.trim()).toBe('platform: source: unknown service commerce/chekout (did you mean commerce/checkout?)')
  })
})

describe('operator LatticeMeshMembers and the ingress gateway (§4.5, §10.15)', () => {
  it('platform compile reports a member denied by AllowWildcard on stderr, exit 1, and emits nothing for it', () => {
    const member = {
      apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', metadata: {name: 'vmagent', namespace: 'monitoring'},
      spec: {target: {selector: {app: 'vmagent'}}, ports: [], dependsAll: true, serviceAccount: 'vmagent-lattice-metrics'},
    }
    const r = cli(['compile', '--specs', writeSpecs([member]), '-o', 'json'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('denied LatticeMeshMember monitoring/vmagent: MeshMember failed: Cedar policy denied depends_all (wildcard outbound) for monitoring/vmagent-lattice-metrics; add a permit policy for Action::"AllowWildcard" on Mesh::"outbound" (no policies emitted for this member)')
    const objects = (JSON.parse(r.stdout) as {kind: string; items: Array<{metadata: {namespace?: string}}>}).items
    expect(objects.some((o) => o.metadata.namespace === 'monitoring')).toBe(false)
  })

  it('the namespace gateway calls a service with routes offline: exit 0', () => {
    const jellyfin = service('media', 'jellyfin', {}, {ports: {http: {port: 8096}}, spec: {ingress: {routes: {web: {kind: 'HTTPRoute', hosts: ['tv.example.com']}}}}})
    const r = cli(['debug', 'connectivity', 'media/media-ingress-istio', 'media/jellyfin', '--specs', writeSpecs([jellyfin]), '--width', '1000'])
    expect(r.stdout).toContain('Declarations: PASS (media-ingress-istio → jellyfin: dependsAll on media-ingress-istio, implicit caller of jellyfin)')
    expect(r.code).toBe(0)
  })
})
