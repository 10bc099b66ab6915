// `platform debug triage` (issue 9.1): denials from Hubble, ztunnel, waypoint and Tetragon
// grouped by (layer, source, destination, port); only the forward direction of a connection
// counts (LATTICE-SPEC §10.14: Hubble `is_reply`, the ztunnel outbound echo and the policy
// decision line of the same connection); a dead source is reported, the others still group;
// each group is diagnosed with the pair pipeline.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Ajv} from 'ajv'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {partyText} from '../../src/diagnose/triage/denials.js'
import {readDenials, triageOffline} from '../../src/diagnose/triage/run.js'
import {cli} from '../helpers/cli.js'
import {hasShared, PROJECT_ROOT, SKIP_REASON, sharedPath} from '../helpers/shared.js'
import {inb, out, service, writeSpecs} from '../helpers/specs.js'

interface FlowSpec {
  from: string
  to: string
  verdict: 'DROPPED' | 'FORWARDED'
  reply?: boolean
  port?: number
  time?: string
}

/** One `hubble observe -o jsonpb` line (GetFlowsResponse) in the protojson shape Hubble writes. */
function flowLine(f: FlowSpec, i = 0): string {
  const ep = (name: string, n: number) => ({
    namespace: 'shop',
    labels: [`k8s:app.kubernetes.io/name=${name}`, 'k8s:io.kubernetes.pod.namespace=shop'],
    pod_name: `${name}-6c9f7d8b54-k2xq${n}`,
  })
  const src = f.reply ? f.to : f.from
  const dst = f.reply ? f.from : f.to
  const flow = {
    time: f.time ?? `2026-05-20T09:14:${String(10 + (i % 40)).padStart(2, '0')}.000000000Z`,
    verdict: f.verdict,
    ...(f.verdict === 'DROPPED' ? {drop_reason_desc: 'POLICY_DENIED'} : {}),
    IP: {source: `10.244.1.${src.length}`, destination: `10.244.2.${dst.length}`, ipVersion: 'IPv4'},
    l4: {TCP: {source_port: f.reply ? (f.port ?? 15008) : 40000 + i, destination_port: f.reply ? 40000 + i : (f.port ?? 15008)}},
    source: ep(src, 1),
    destination: ep(dst, 2),
    Type: 'L3_L4',
    ...(f.reply !== undefined ? {is_reply: f.reply} : {}),
  }
  return JSON.stringify({flow, node_name: 'staging/worker-a', time: flow.time})
}

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'platform-triage-'))
  writeFileSync(path.join(dir, name), text)
  return path.join(dir, name)
}

describe('denial grouping', () => {
  it('replies and forwarded flows never make a group; a drop of each direction is its own connection', async () => {
    const file = tempFile('flows.jsonl', [
      flowLine({from: 'checkout', to: 'payments', verdict: 'DROPPED'}, 1),
      flowLine({from: 'checkout', to: 'payments', verdict: 'DROPPED'}, 2),
      flowLine({from: 'checkout', to: 'payments', verdict: 'DROPPED', reply: true}, 3), // payments' reply dropped: not a denial of a connection
      flowLine({from: 'frontend', to: 'cart', verdict: 'FORWARDED'}, 4),
      flowLine({from: 'frontend', to: 'cart', verdict: 'FORWARDED', reply: true}, 5),
    ].join('\n'))
    const {groups, sources} = await readDenials({files: {flows: [file]}})
    const list = groups.list()
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({layer: 'l4', count: 2, source: {namespace: 'shop', name: 'checkout'}, destination: {namespace: 'shop', name: 'payments'}, port: 15008})
    expect(sources.find((s) => s.source === 'hubble')).toMatchObject({state: 'read', records: 5, denials: 2, skippedReplies: 1})
  })

  it('property: group counts sum to the denial records read, whatever the mix', async () => {
    const names = ['checkout', 'payments', 'cart', 'orders']
    const arb = fc.array(fc.record({from: fc.constantFrom(...names), to: fc.constantFrom(...names), verdict: fc.constantFrom('DROPPED' as const, 'FORWARDED' as const), reply: fc.option(fc.boolean(), {nil: undefined}), port: fc.constantFrom(15008, 8080)}), {maxLength: 60})
    await fc.assert(fc.asyncProperty(arb, async (flows) => {
      const file = tempFile('flows.jsonl', flows.map((f, i) => flowLine(f, i)).join('\n'))
      const {groups, sources} = await readDenials({files: {flows: [file]}})
      const denials = flows.filter((f) => f.verdict === 'DROPPED' && f.reply !== true).length
      expect(groups.list().reduce((n, g) => n + g.count, 0)).toBe(denials)
      expect(groups.denials).toBe(denials)
      expect(sources[0]!.denials).toBe(denials)
    }), {numRuns: 40})
  })

  it('a dead evidence source is reported unavailable; the others are still grouped', async () => {
    const file = tempFile('flows.jsonl', flowLine({from: 'checkout', to: 'payments', verdict: 'DROPPED'}))
    const {groups, sources} = await readDenials({files: {flows: [file], tetragonEvents: ['/nonexistent/tetragon.jsonl']}})
    expect(groups.list()).toHaveLength(1)
    expect(sources.find((s) => s.source === 'tetragon')).toMatchObject({state: 'unavailable', reason: expect.stringMatching(/no such file/)})
    expect(sources.find((s) => s.source === 'ztunnel')).toMatchObject({state: 'not-asked'})
  })

  it('-n keeps denials from or to the namespace; --layer keeps the layers asked for', async () => {
    const file = tempFile('flows.jsonl', flowLine({from: 'checkout', to: 'payments', verdict: 'DROPPED'}))
    expect((await readDenials({files: {flows: [file]}, namespace: 'other'})).groups.denials).toBe(0)
    expect((await readDenials({files: {flows: [file]}, layers: ['l7']})).sources[0]).toMatchObject({state: 'not-asked'})
  })
})

describe.skipIf(!hasShared)('triage of the shop samples (every source, mixed layers)', () => {
  const S = (...p: string[]) => sharedPath('samples', ...p)
  const files = {
    flows: [S('hubble', 'flows-shop.jsonl')],
    ztunnelLogs: [S('ztunnel', 'worker-a.plain.log'), S('ztunnel', 'worker-b.plain.log')],
    waypointLogs: [S('waypoint', 'waypoint-shop.text.log')],
    tetragonEvents: [S('tetragon', 'events-shop.jsonl')],
  }

  it('groups each denied connection once, across L4, L7 and runtime', async () => {
    const {groups} = await readDenials({files, namespace: 'shop'})
    const keys = groups.list().map((g) => `${g.layer} ${partyText(g.source)} → ${partyText(g.destination)}${g.port !== undefined ? `:${g.port}` : ''}`)
    expect(keys).toEqual(expect.arrayContaining([
      'l4 shop/checkout → shop/payments:15008', // Cilium drops HBONE (the CNP allows only 9090)
      'l4 shop/checkout → 203.0.113.10:443', // egressDeny deny-external-egress
      'l7 shop/frontend → shop/payments:15008', // ALLOW miss at payments' ztunnel
      'l7 qa/loadgen → shop/payments:15008', // DENY deny-qa-writes
      'l7 shop/frontend → shop/orders:8000', // waypoint DENY rule (caller known by its address)
      'runtime shop/checkout → /usr/bin/nc', // Tetragon SIGKILL
    ]))
    // The ztunnel policy-decision lines and the source's outbound echo add no second group.
    expect(keys.filter((k) => k.includes('payments-7b4c9d6f8'))).toEqual([])
    expect(groups.list().find((g) => g.source.name === 'frontend' && g.destination.name === 'payments')!.count).toBe(1)
  })

  it('the CLI diagnoses every group, follows the Triage schema, exits 1', () => {
    const specs = writeSpecs([
      service('shop', 'frontend', {cart: out(), payments: out(), orders: out()}),
      service('shop', 'checkout', {payments: out(), orders: out()}),
      service('shop', 'payments', {checkout: inb()}, {ports: {http: {port: 9090}}}),
      service('shop', 'cart', {frontend: inb()}),
      service('shop', 'orders', {checkout: inb(), frontend: inb()}, {ports: {http: {port: 8000}}}),
    ])
    const r = cli(['debug', 'triage', '-n', 'shop', '--specs', specs, '--flows', files.flows[0]!, '--ztunnel-log', files.ztunnelLogs[0]!, '--ztunnel-log', files.ztunnelLogs[1]!, '--waypoint-log', files.waypointLogs[0]!, '--tetragon-events', files.tetragonEvents[0]!, '-o', 'json'])
    expect(r.code, r.stderr).toBe(1)
    const report = JSON.parse(r.stdout)
    const validate = new Ajv({allErrors: true}).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'triage.schema.json'), 'utf8')))
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
    const frontendPayments = report.groups.find((g: any) => g.source.name === 'frontend' && g.destination.name === 'payments')
    expect(frontendPayments.verdict).toMatchObject({status: 'BLOCKED', blockedAt: 'l4', fix: {verified: true}})
    expect(report.groups.find((g: any) => g.source.name === 'loadgen').verdict.status).toBe('NOT-DIAGNOSED')
    const text = cli(['debug', 'triage', '-n', 'shop', '--specs', specs, '--flows', files.flows[0]!, '--tetragon-events', '/nonexistent.jsonl'])
    expect(text.stdout).toMatch(/tetragon: unavailable/)
    expect(text.stderr).toMatch(/warning: tetragon evidence unavailable/)
    expect(text.stdout.split('\n').every((l) => l.length <= 80)).toBe(true)
  })
})
if (!hasShared) describe.skip(`triage of the shop samples (${SKIP_REASON})`, () => {})

describe('triage input errors', () => {
  it('no evidence, or no specs offline: exit 2 with one line', () => {
    const r = cli(['debug', 'triage', '-n', 'shop'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    const s = cli(['debug', 'triage', '--flows', '/dev/null'])
    expect(s.code).toBe(2)
    expect(s.stderr).toMatch(/needs --specs/)
  })

  it('nothing denied: exit 0', async () => {
    const file = tempFile('flows.jsonl', flowLine({from: 'checkout', to: 'payments', verdict: 'FORWARDED'}))
    const report = await triageOffline({files: {flows: [file]}, specPaths: [writeSpecs([service('shop', 'checkout')])], policyPaths: [], options: defaultCompileOptions({})})
    expect(report.groups).toEqual([])
    const r = cli(['debug', 'triage', '--flows', file, '--specs', writeSpecs([service('shop', 'checkout')])])
    expect(r.code).toBe(0)
  })
})
