import {readFileSync} from 'node:fs'
import {Readable} from 'node:stream'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {matchesPair, parseZtunnelLine, parseZtunnelLog, type ZtunnelRecord} from '../../src/layers/istio/logs/index.js'
import {hasShared, sharedPath} from '../helpers/shared.js'

const sample = (name: string) => readFileSync(sharedPath('samples', 'ztunnel', name), 'utf8')

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const r of it) out.push(r)
  return out
}

const withoutLine = (r: ZtunnelRecord) => {
  const {line: _line, ...rest} = r
  return rest
}

describe.skipIf(!hasShared)('ztunnel samples', () => {
  it('worker-a: access records and the policy decision, noise ignored', async () => {
    const recs = await all(parseZtunnelLog(Readable.from([sample('worker-a.plain.log')])))
    expect(recs).toHaveLength(13) // 16 lines: xds, inpod and "connection opened" are not records
    expect(recs.map((r) => r.outcome)).toEqual(['allowed', 'denied', 'error', 'denied', 'error', 'allowed', 'allowed', 'denied',
      'denied', 'denied', 'error', 'allowed', 'error'])
    const timeout = recs.find((r) => r.srcWorkload === 'checkout-84f6b7c9d-zp4mn' && r.dstWorkload === 'payments-7b4c9d6f8-qw2er')
    expect(timeout).toMatchObject({
      time: '2026-05-20T09:14:15.405119Z', source: 'ztunnel', level: 'error', message: 'connection complete', outcome: 'error',
      direction: 'outbound', srcAddr: '10.244.1.45:38816', dstAddr: '10.244.2.21:15008', dstHboneAddr: '10.244.2.21:9090',
      srcIdentity: 'spiffe://cluster.local/ns/shop/sa/checkout', dstIdentity: 'spiffe://cluster.local/ns/shop/sa/payments',
      dstService: 'payments.shop.svc.cluster.local', srcNamespace: 'shop', dstNamespace: 'shop', bytesSent: 0, bytesRecv: 0, duration: '10002ms',
      error: 'connection timed out, maybe a NetworkPolicy is blocking HBONE port 15008: deadline has elapsed',
    })
    const unauthorized = recs.filter((r) => r.error === 'http status: 401 Unauthorized')
    expect(unauthorized.map((r) => r.srcWorkload)).toEqual(['frontend-6c9f7d8b54-k2xqz', 'loadgen-5c7d9b8f6-wx3lm', 'checkout-84f6b7c9d-zp4mn'])
    expect(unauthorized.every((r) => r.outcome === 'denied')).toBe(true)
    expect(recs.find((r) => r.message === 'no allow policies matched')).toMatchObject({
      outcome: 'denied', level: 'info', direction: 'inbound', dstNamespace: 'shop', dstWorkload: 'orders-66d9f7c8b-p9v2x', srcAddr: '10.244.1.45:44102',
    })
    const early = recs.filter((r) => r.message === 'connection failed')
    expect(early.map((r) => [r.level, r.outcome, r.srcAddr, r.dstAddr, r.error])).toEqual([
      ['warn', 'error', '10.244.1.17:51822', '10.96.200.7:8443', 'no healthy upstream: 10.96.200.7:8443'],
      ['warn', 'error', '10.244.1.17:47010', '10.96.140.9:7000', 'unknown waypoint: waypoint waypoint.inventory.svc.cluster.local not found'],
    ])
    // Plaintext (no mTLS) connection: no identities logged.
    const postgres = recs.find((r) => r.dstWorkload === 'postgres-0')!
    expect(postgres.outcome).toBe('allowed')
    expect(postgres.srcIdentity).toBeUndefined()
    expect(postgres.dstIdentity).toBeUndefined()
  })

  it('worker-b: ALLOW miss, explicit DENY with its policy, refused, late policy rejection', async () => {
    const recs = await all(parseZtunnelLog(sample('worker-b.plain.log').split('\n')))
    expect(recs).toHaveLength(7)
    expect(recs.filter((r) => r.outcome === 'denied')).toHaveLength(5)
    expect(recs.find((r) => r.message === 'deny policy match')).toMatchObject({
      outcome: 'denied', policy: 'shop/deny-qa-writes', srcAddr: '10.244.1.102:60412', dstWorkload: 'payments-7b4c9d6f8-qw2er',
    })
    expect(recs.find((r) => r.srcWorkload === 'loadgen-5c7d9b8f6-wx3lm')).toMatchObject({
      outcome: 'denied', direction: 'inbound', policy: 'shop/deny-qa-writes',
      error: 'connection closed due to policy rejection: explicitly denied by: shop/deny-qa-writes',
    })
    expect(recs.find((r) => r.error?.includes('none allowed'))).toMatchObject({
      srcIdentity: 'spiffe://cluster.local/ns/shop/sa/frontend', dstIdentity: 'spiffe://cluster.local/ns/shop/sa/payments', outcome: 'denied',
    })
    expect(recs.find((r) => r.error?.startsWith('connection failed: Connection refused'))?.outcome).toBe('error')
    expect(recs.find((r) => r.error === 'connection closed due to policy change')).toMatchObject({outcome: 'denied', bytesSent: 48211})
  })

  it.each(['worker-a', 'worker-b'])('%s: plain and JSON logs give the same records', async (node) => {
    const plain = await all(parseZtunnelLog(Readable.from([sample(`${node}.plain.log`)])))
    const json = await all(parseZtunnelLog(Readable.from([sample(`${node}.json.log`)])))
    expect(json.map(withoutLine)).toEqual(plain.map(withoutLine))
    expect(json[0].line?.startsWith('{')).toBe(true)
  })

  it('matchesPair selects the pair by identity or, without identities, by address', () => {
    const recs = [...sample('worker-a.plain.log').split('\n'), ...sample('worker-b.plain.log').split('\n')]
      .map(parseZtunnelLine).filter((r): r is ZtunnelRecord => r !== undefined)
    const frontendToPayments = recs.filter((r) => matchesPair(r, {srcIdentity: 'cluster.local/ns/shop/sa/frontend',
      dstIdentity: 'spiffe://cluster.local/ns/shop/sa/payments', srcIps: ['10.244.1.17'], dstIps: ['10.244.2.21'],
      dstPods: ['payments-7b4c9d6f8-qw2er']}))
    expect(frontendToPayments.map((r) => [r.direction ?? '', r.message])).toEqual([
      ['outbound', 'connection complete'], ['inbound', 'no allow policies matched'], ['inbound', 'connection complete'],
    ])
    // Without the pod name, the policy line (it names B only by pod) is not attributed to the pair.
    const byIp = recs.filter((r) => matchesPair(r, {srcIps: ['10.244.1.45'], dstIps: ['10.244.1.63']}))
    expect(byIp.map((r) => r.direction)).toEqual(['inbound', 'outbound'])
    expect(recs.filter((r) => matchesPair(r, {srcIps: ['10.244.1.45'], dstPods: ['orders-66d9f7c8b-p9v2x']}))).toHaveLength(3)
    expect(recs.filter((r) => matchesPair(r, {srcIdentity: 'spiffe://cluster.local/ns/qa/sa/loadgen'})).map((r) => r.outcome))
      .toEqual(['denied', 'denied'])
  })
})

describe('ztunnel edge cases', () => {
  const complete = '2026-05-20T09:14:11.629188Z\terror\taccess\tconnection complete\tsrc.addr=[fd00:10:244::11]:52214 ' +
    'src.workload="frontend-1" src.namespace="shop" src.identity="spiffe://cluster.local/ns/shop/sa/frontend" ' +
    'dst.addr=[fd00:10:244:2::21]:15008 dst.hbone_addr=[fd00:10:244:2::21]:9090 dst.workload="payments-1" dst.namespace="shop" ' +
    'dst.identity="spiffe://cluster.local/ns/shop/sa/payments" direction="inbound" bytes_sent=0 bytes_recv=0 duration="0ms" ' +
    'error="connection closed due to policy rejection: allow policies exist, but none allowed"'

  it('parses IPv6 addresses and matches them', () => {
    const r = parseZtunnelLine(complete)!
    expect(r).toMatchObject({srcAddr: '[fd00:10:244::11]:52214', dstAddr: '[fd00:10:244:2::21]:15008', outcome: 'denied'})
    expect(matchesPair(r, {srcIps: ['FD00:10:244::11'], dstIps: ['fd00:10:244:2::21']})).toBe(true)
    expect(matchesPair(r, {srcIps: ['fd00:10:244::12']})).toBe(false)
  })

  it('decodes Rust-Debug escapes in quoted values', () => {
    const r = parseZtunnelLine('2026-05-20T09:14:11Z\twarn\taccess\tconnection failed\tsrc.addr=10.0.0.1:1 dst.addr=10.0.0.2:2 ' +
      'direction="outbound" error="bad \\"quoted\\" text\\twith tab \\u{e9} and \\\\ slash"')!
    expect(r.error).toBe('bad "quoted" text\twith tab é and \\ slash')
    expect(r.outcome).toBe('error')
  })

  it('handles CRLF, empty lines, interleaved noise and tiny chunks with split UTF-8', async () => {
    const noise = ['', 'garbage without tabs', '\t\t\t', '{"not":"ztunnel"}', '{"scope":"access",truncated', 'panicked at src/main.rs:1:1 ☃']
    const text = [noise[0], complete, noise[1], noise[2], complete.replace('frontend-1', 'frøntend-1'), noise[3], noise[4], noise[5], ''].join('\r\n')
    const bytes = Buffer.from(text, 'utf8')
    const chunks: Buffer[] = []
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7))
    const recs = await all(parseZtunnelLog(Readable.from(chunks)))
    expect(recs.map((r) => r.srcWorkload)).toEqual(['frontend-1', 'frøntend-1'])
    expect(recs[1].error).toBe('connection closed due to policy rejection: allow policies exist, but none allowed')
  })

  it('mustContain pre-filters lines before parsing', async () => {
    const other = complete.replaceAll('fd00:10:244::11', 'fd00:10:244::99')
    const recs = await all(parseZtunnelLog([complete, other], {mustContain: ['fd00:10:244::11']}))
    expect(recs).toHaveLength(1)
  })

  it.skipIf(!hasShared)('never throws on any truncation of a real line, and never invents a quoted value', () => {
    const lines = [...sample('worker-a.plain.log').split('\n'), ...sample('worker-b.json.log').split('\n'), complete]
    for (const line of lines) {
      const full = parseZtunnelLine(line)
      for (let n = 0; n < line.length; n++) {
        const r = parseZtunnelLine(line.slice(0, n))
        if (r?.error !== undefined) expect([full?.error, r.message]).toContain(r.error)
      }
    }
    // A line cut inside a quoted value drops that value instead of keeping a fragment.
    const cut = complete.slice(0, complete.indexOf('but none'))
    const r = parseZtunnelLine(cut)!
    expect(r.error).toBeUndefined()
    expect(r.outcome).toBe('error')
    expect(r.duration).toBe('0ms')
  })

  it('never throws on arbitrary input (property)', () => {
    fc.assert(fc.property(fc.string({unit: fc.constantFrom('\t', '"', '=', ' ', '\\', 'u', '{', '}', '[', ']', ':', '1', 'a', 'é'), maxLength: 200}), (s) => {
      parseZtunnelLine(s)
      parseZtunnelLine(`2026-05-20T09:14:11Z\tinfo\taccess\tconnection complete\t${s}`)
      parseZtunnelLine(`{"level":"info","scope":"access","message":"connection complete",${s}`)
    }), {numRuns: 500})
  })
})
