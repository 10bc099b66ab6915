// The commands as a user runs them: exit codes, one-line errors, output formats.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Ajv} from 'ajv'
import {readFileSync} from 'node:fs'
import {parseAllDocuments} from 'yaml'
import {describe, expect, it} from 'vitest'
import {cli, cliSlowReader} from '../helpers/cli.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {out, inb, seedPair, service, writeSpecs} from '../helpers/specs.js'

const EX = ['--specs', 'examples/commerce']

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'platform-cli-'))
  writeFileSync(path.join(dir, name), text)
  return path.join(dir, name)
}

const oneLineError = (r: {stderr: string}) => {
  const lines = r.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(r.stderr).not.toMatch(/\bat .*\(.*:\d+:\d+\)/) // no stack frames
  return lines[0]
}

describe('platform debug connectivity', () => {
  it('README example: ALLOWED, exit 0, seed line format, no colour when piped', () => {
    const r = cli(['debug', 'connectivity', 'commerce/checkout', 'commerce/payments', ...EX])
    expect(r.code).toBe(0)
    // Wrapped to 80 columns when piped: continuation lines are indented.
    const lines = r.stdout.trim().split('\n').filter((l) => !l.startsWith(' '))
    expect(lines.map((l) => l.split(':')[0])).toEqual(['Admission', 'Cedar', 'Declarations', 'L4 (Cilium)', 'L7 (Istio)', 'Runtime (Tetragon)', 'Result'])
    expect(lines.at(-1)).toBe('Result: ALLOWED.')
    expect(r.stdout).not.toContain('\u001b[')
  })

  it('blocked pair: exit 1 with the fix', () => {
    const r = cli(['debug', 'connectivity', 'inventory', 'orders-db', '-n', 'commerce', ...EX])
    expect(r.code).toBe(1)
    expect(r.stdout.replace(/\n {2,}(?=\S)/g, ' ')).toContain('Result: BLOCKED at L4. Bilateral inbound declaration on orders-db does not include inventory.')
    expect(r.stdout).toContain('  inventory: {type: service, direction: inbound}')
  })

  it('JSON output follows the §9.4 schema', () => {
    const schema = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'diagnosis.schema.json'), 'utf8'))
    const validate = new Ajv({allErrors: true}).compile(schema)
    for (const pair of [['commerce/checkout', 'commerce/payments'], ['commerce/inventory', 'commerce/orders-db'], ['storefront/web', 'commerce/payments']]) {
      const r = cli(['debug', 'connectivity', ...pair, ...EX, '-o', 'json'])
      const report = JSON.parse(r.stdout)
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
      expect(r.code).toBe(report.result.status === 'ALLOWED' ? 0 : 1)
    }
  })

  it('YAML output parses to the same report as JSON', () => {
    const j = JSON.parse(cli(['debug', 'connectivity', 'commerce/checkout', 'commerce/payments', ...EX, '-o', 'json']).stdout)
    const y = parseAllDocuments(cli(['debug', 'connectivity', 'commerce/checkout', 'commerce/payments', ...EX, '-o', 'yaml']).stdout)[0].toJS()
    expect(y).toEqual(j)
  })

  it('--from --all lists every peer, one line each', () => {
    const r = cli(['debug', 'connectivity', '--from', 'commerce/checkout', '--all', ...EX])
    expect(r.code).toBe(0)
    const rows = r.stdout.trim().split('\n').filter((l) => /^ {2}[a-z-]+\/[a-z-]+ /.test(l))
    expect(rows).toHaveLength(4)
    expect(rows.find((l) => l.includes('commerce/payments'))).toMatch(/ALLOWED/)
    expect(rows.find((l) => l.includes('storefront/web'))).toMatch(/BLOCKED at L4/)
  })

  it('bad input: one-line errors, exit 2, never a stack trace', () => {
    const unknown = cli(['debug', 'connectivity', 'commerce/checkout', 'commerce/nope', ...EX])
    expect(unknown.code).toBe(2)
    expect(oneLineError(unknown)).toMatch(/target: unknown service commerce\/nope: no LatticeService or LatticeMeshMember of that name in the loaded specs/)

    const missing = cli(['debug', 'connectivity', 'a', 'b', '--specs', 'does/not/exist.yaml'])
    expect(missing.code).toBe(2)
    expect(oneLineError(missing)).toContain('does/not/exist.yaml')

    const bad = tempFile('bad.yaml', 'kind: LatticeService\nmetadata: {name: x\n')
    const yamlErr = cli(['debug', 'connectivity', 'a', 'b', '--specs', bad])
    expect(yamlErr.code).toBe(2)
    expect(oneLineError(yamlErr)).toContain('bad.yaml')

    const kind = tempFile('kind.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n')
    const kindErr = cli(['compile', '--specs', kind])
    expect(kindErr.code).toBe(2)
    expect(oneLineError(kindErr)).toMatch(/no LatticeService, LatticeMeshMember or CedarPolicy in .*kind\.yaml \(skipped 1 Deployment\)$/)

    // A port name B does not have is a typo (a number is a question: see the walkthrough).
    const port = cli(['debug', 'connectivity', 'commerce/checkout', 'commerce/payments', ...EX, '--port', 'grpc'])
    expect(port.code).toBe(2)
    expect(oneLineError(port)).toBe("platform: --port 'grpc': commerce/payments has no such port (ports: http (8080))")
  })
})

describe('platform compile', () => {
  it('a non-zero exit still writes all of a large output to a slow pipe (process.exit drops what the pipe has not taken)', async () => {
    // 150 services calling each other (~1.5 MB of JSON) and one that admission rejects (exit 1).
    const names = Array.from({length: 150}, (_, i) => `svc-${i}`)
    const docs = names.map((n, i) => service('fleet', n, {[names[(i + 1) % 150]]: out(), [names[(i + 149) % 150]]: inb()}))
    const rejected = service('fleet', 'rejected', {}, {container: {resources: {}}})
    // The reader starts late, as `| jq` on a busy machine may: without the flush the CLI has
    // exited by then, with only what fit into the pipe written.
    const r = await cliSlowReader(['compile', '--specs', writeSpecs([...docs, rejected]), '-o', 'json'], 1500)
    expect(r.code).toBe(1)
    expect(r.stdout.length).toBeGreaterThan(1_000_000)
    expect(() => JSON.parse(r.stdout)).not.toThrow()
  })

  it('emits every layer for the example, grouped with headers, exit 0', () => {
    const r = cli(['compile', ...EX])
    expect(r.code).toBe(0)
    for (const h of ['# ===== L4 (Cilium) =====', '# ===== L7 (Istio ambient) =====', '# ===== Runtime (Tetragon) =====', '# ===== Cluster baseline =====', '# --- commerce/payments ---']) expect(r.stdout).toContain(h)
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean)
    const kinds = new Set(objects.map((o: any) => o.kind))
    for (const k of ['LatticeMeshMember', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy', 'AuthorizationPolicy', 'PeerAuthentication', 'ServiceEntry', 'Gateway', 'TracingPolicy', 'TracingPolicyNamespaced']) expect(kinds).toContain(k)
  })

  it('a service denied by Cedar is reported on stderr, exit 1, and emits nothing', () => {
    const dir = writeSpecs(seedPair())
    const r = cli(['compile', '--specs', dir, '-o', 'json'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/denied commerce\/payments: secret access denied: 'stripe-key'/)
    const objects = JSON.parse(r.stdout).items as any[]
    expect(objects.some((o) => o.metadata.name === 'cnp-mesh-3d68c7ca')).toBe(false)
    expect(objects.some((o) => o.metadata.name === 'cnp-mesh-e79249a6')).toBe(false) // checkout's curl needs a permit too
  })

  it('--layer filters the groups', () => {
    const r = cli(['compile', ...EX, '--layer', 'l7', '-o', 'json'])
    const kinds = new Set((JSON.parse(r.stdout).items as any[]).map((o) => o.kind))
    expect([...kinds].sort()).toEqual(['AuthorizationPolicy', 'Gateway', 'ServiceEntry'])
  })
})

describe('platform validate', () => {
  it('exit 0 valid, 1 invalid (with file, object, path, message), 2 unreadable', () => {
    expect(cli(['validate', 'examples/commerce']).code).toBe(0)
    const [checkout] = seedPair() as any[]
    checkout.spec.workload.containers.main.resources = {}
    const bad = cli(['validate', writeSpecs([checkout])])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/FAIL .*specs\.yaml: commerce\/checkout: spec\.workload\.containers\.main\.resources.*: container 'main' must have resource limits/)
    expect(cli(['validate', 'no/such/dir']).code).toBe(2)
  })
})
