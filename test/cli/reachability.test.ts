// `debug connectivity --from A --all` (issue 7 point 7): the query flags reach every peer,
// the exit code is 1/3/0 over the peers A declares outbound, the JSON/YAML document follows
// schema/reachability.schema.json, and the text is an aligned table wrapped to the width.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Ajv} from 'ajv'
import {parseAllDocuments} from 'yaml'
import {describe, expect, it} from 'vitest'
import type {ReachabilityRow} from '../../src/diagnose/reachability.js'
import {reachabilityExitCode} from '../../src/diagnose/reachability.js'
import {renderReachability} from '../../src/render/reachability-text.js'
import {cli} from '../helpers/cli.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {inb, out, service, writeSpecs} from '../helpers/specs.js'

const EX = ['--specs', 'examples/commerce']
const ALL = ['debug', 'connectivity', '--from', 'commerce/checkout', '--all']
const validate = new Ajv({allErrors: true}).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'reachability.schema.json'), 'utf8')))
const ANSI = /\u001b\[/

const json = (args: string[]) => {
  const r = cli([...ALL, ...args, '-o', 'json'])
  const doc = JSON.parse(r.stdout)
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
  return {code: r.code, doc}
}
const peer = (doc: any, target: string) => doc.peers.find((p: any) => p.target === target)

describe('--from A --all', () => {
  it('text: an aligned table (columns line up), causes under their row, a Result line; exit 0 when every declared peer is reachable', () => {
    const r = cli([...ALL, ...EX])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('Reachability from commerce/checkout: 4 peers')
    const header = lines[1]
    expect(header).toMatch(/^ {2}PEER +VERDICT +DECLARED$/)
    const rows = lines.filter((l) => /^ {2}[a-z-]+\/[a-z-]+ /.test(l))
    expect(rows).toHaveLength(4)
    for (const row of rows) {
      expect(row.indexOf(row.trim().split(/\s+/)[1])).toBe(header.indexOf('VERDICT'))
      expect(row.lastIndexOf(row.includes('both sides') ? 'both sides' : 'none')).toBe(header.indexOf('DECLARED'))
    }
    expect(rows.find((l) => l.includes('storefront/web'))).toMatch(/BLOCKED at L4 +none$/)
    expect(lines[lines.indexOf(rows.find((l) => l.includes('storefront/web'))!) + 1]).toMatch(/^ {4}Neither commerce\/checkout declares/)
    expect(lines.at(-1)).toBe('Result: ALLOWED. checkout reaches every peer it declares outbound (3).')
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80)
    expect(r.stdout).not.toMatch(ANSI)
  })

  it('JSON: apiVersion/kind Reachability, schema-valid, per-port verdicts of a multi-port peer', () => {
    const {code, doc} = json(EX)
    expect(code).toBe(0)
    expect(doc).toMatchObject({apiVersion: 'platform.lattice.dev/v1alpha1', kind: 'Reachability', source: 'commerce/checkout', query: {}, policySource: 'compiled'})
    expect(peer(doc, 'commerce/inventory').ports.map((p: any) => p.port)).toEqual(['http (80→8081)', 'metrics (9102)'])
    expect(doc.result).toEqual({status: 'ALLOWED', exitCode: 0, declaredOutbound: 3, blocked: [], unknown: []})
    const y = parseAllDocuments(cli([...ALL, ...EX, '-o', 'yaml']).stdout)[0].toJS()
    expect(y).toEqual(doc)
  })

  it('--port is honoured: peers without that port are blocked at L4, exit 1 because checkout declares them', () => {
    const {code, doc} = json([...EX, '--port', '8080'])
    expect(code).toBe(1)
    expect(doc.query).toEqual({port: '8080'})
    expect(peer(doc, 'commerce/payments')).toMatchObject({status: 'ALLOWED'})
    expect(peer(doc, 'commerce/inventory')).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(peer(doc, 'commerce/inventory').ports.map((p: any) => p.port)).toEqual(['8080'])
    expect(doc.result).toMatchObject({status: 'BLOCKED', exitCode: 1, blocked: ['commerce/inventory', 'commerce/orders-db']})
    const text = cli([...ALL, ...EX, '--port', '8080'])
    expect(text.stdout.split('\n')[0]).toBe('Reachability from commerce/checkout (port 8080): 4 peers')
    expect(text.stdout.replace(/\n +/g, ' ')).toContain('Result: BLOCKED. checkout declares commerce/inventory, commerce/orders-db outbound')
  })

  it('--port by name: a peer without it is blocked on it; a name no peer has is an input error (exit 2)', () => {
    const {doc} = json([...EX, '--port', 'metrics'])
    expect(peer(doc, 'commerce/inventory')).toMatchObject({status: 'ALLOWED'})
    expect(peer(doc, 'commerce/payments')).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(peer(doc, 'commerce/payments').explanation).toMatch(/^No port metrics: /)
    const typo = cli([...ALL, ...EX, '--port', 'nope'])
    expect(typo.code).toBe(2)
    expect(typo.stderr.trim().split('\n')).toHaveLength(1)
    expect(typo.stderr).toContain("--port 'nope': no peer of commerce/checkout has a port of that name")
  })

  it('--client-binary is honoured: a binary checkout may not run blocks every peer at Runtime (exit 1)', () => {
    const {code, doc} = json([...EX, '--client-binary', '/usr/bin/wget'])
    expect(code).toBe(1)
    expect(doc.query).toEqual({clientBinary: '/usr/bin/wget'})
    expect(peer(doc, 'commerce/payments')).toMatchObject({status: 'BLOCKED', blockedAt: 'runtime'})
    const allowed = json([...EX, '--client-binary', '/usr/bin/curl'])
    expect(allowed.code).toBe(0)
  })

  it('--method/--path reach the query', () => {
    const {doc} = json([...EX, '--method', 'GET', '--path', '/healthz'])
    expect(doc.query).toEqual({method: 'GET', path: '/healthz'})
  })

  it('-v: the layer lines of every peer\'s verdict under its row', () => {
    const r = cli([...ALL, ...EX, '-v'])
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    const at = lines.findIndex((l) => l.startsWith('  commerce/payments '))
    const layerLinesOf = lines.slice(at + 1).filter((l) => /^ {6}[A-Z]/.test(l)).slice(0, 6)
    expect(layerLinesOf.map((l) => l.trim().split(':')[0])).toEqual(['Admission', 'Cedar', 'Declarations', 'L4 (Cilium)', 'L7 (Istio)', 'Runtime (Tetragon)'])
    expect(r.stdout).toContain('      L4 (Cilium): PASS (CiliumNetworkPolicy cnp-mesh-e79249a6 allows egress to')
  })

  it('exit 1 when a peer A declares outbound is blocked; a blocked peer A does not call does not fail it', () => {
    const dir = writeSpecs([
      service('shop', 'a', {b: out(), c: out()}),
      service('shop', 'b', {}), // one-sided: a declares b, b does not allow a
      service('shop', 'c', {a: inb()}),
      service('shop', 'd', {}),
    ])
    const r = cli(['debug', 'connectivity', '--from', 'shop/a', '--all', '--specs', dir, '-o', 'json'])
    const report = JSON.parse(r.stdout)
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
    expect(r.code).toBe(1)
    expect(report.result).toMatchObject({status: 'BLOCKED', blocked: ['shop/b'], declaredOutbound: 2})
    expect(peer(report, 'shop/d')).toMatchObject({declared: 'none', status: 'BLOCKED'})
    const ok = writeSpecs([service('shop', 'a', {c: out()}), service('shop', 'c', {a: inb()}), service('shop', 'd', {})])
    expect(cli(['debug', 'connectivity', '--from', 'shop/a', '--all', '--specs', ok]).code).toBe(0)
  })

  it('--from without --all is an input error, not silently ignored (exit 2)', () => {
    const r = cli(['debug', 'connectivity', '--from', 'commerce/checkout', ...EX])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe('platform: --from needs --all (or give the pair as two arguments: <source> <target>)')
  })

  it('exit code over rows: 1 blocked beats 3 unknown; only peers declared outbound count', () => {
    const row = (declared: ReachabilityRow['declared'], status: ReachabilityRow['status']): ReachabilityRow => ({target: 'x/y', declared, status, blockedAt: null, explanation: '', ports: []})
    expect(reachabilityExitCode([row('both sides', 'ALLOWED'), row('none', 'BLOCKED'), row('inbound only', 'UNKNOWN')])).toBe(0)
    expect(reachabilityExitCode([row('outbound only', 'UNKNOWN'), row('both sides', 'ALLOWED')])).toBe(3)
    expect(reachabilityExitCode([row('outbound only', 'UNKNOWN'), row('both sides', 'BLOCKED')])).toBe(1)
    expect(reachabilityExitCode([])).toBe(0)
  })

  it('colour: verdict words coloured, columns still aligned; stripped it is the plain table; --no-color and NO_COLOR print none', () => {
    const rows: ReachabilityRow[] = [
      {target: 'shop/b', declared: 'both sides', status: 'ALLOWED', blockedAt: null, explanation: '', ports: []},
      {target: 'shop/long-name', declared: 'outbound only', status: 'BLOCKED', blockedAt: 'l7', explanation: 'No AuthorizationPolicy allows it.', ports: []},
    ]
    const coloured = renderReachability('shop/a', rows, {color: true})
    expect(coloured).toContain('\u001b[32mALLOWED\u001b[39m')
    expect(coloured).toContain('\u001b[31mBLOCKED at L7\u001b[39m')
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(renderReachability('shop/a', rows))
    expect(cli([...ALL, ...EX, '--no-color']).stdout).not.toMatch(ANSI)
    expect(cli([...ALL, ...EX], {NO_COLOR: '1'}).stdout).not.toMatch(ANSI)
  })

  it('width: no line wider than --width / COLUMNS (120 and 80)', () => {
    for (const [args, env, width] of [[['--width', '120'], {}, 120], [[], {COLUMNS: '120'}, 120], [[], {COLUMNS: '80'}, 80]] as const) {
      const r = cli([...ALL, ...EX, '-v', ...args], env)
      for (const l of r.stdout.split('\n')) expect(l.length, l).toBeLessThanOrEqual(width)
      expect(r.stdout.split('\n').some((l) => l.length > 80)).toBe(width > 80)
    }
  })
})
