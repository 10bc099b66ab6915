import {readFileSync} from 'node:fs'
import {Readable} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {matchesPair, parseMatchedPolicy, parseWaypointLine, parseWaypointLog, type WaypointRecord} from '../../src/layers/istio/logs/index.js'
import {hasShared, sharedPath} from '../helpers/shared.js'

const sample = (name: string) => readFileSync(sharedPath('samples', 'waypoint', name), 'utf8')

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const r of it) out.push(r)
  return out
}

describe.skipIf(!hasShared)('waypoint samples', () => {
  it('text format: ALLOW miss, DENY rule match, no healthy upstream, upstream reset', async () => {
    const recs = await all(parseWaypointLog(Readable.from([sample('waypoint-shop.text.log')])))
    expect(recs).toHaveLength(7)
    expect(recs.map((r) => [r.method, r.responseCode, r.outcome])).toEqual([
      ['GET', 200, 'allowed'], ['POST', 403, 'denied'], ['DELETE', 403, 'denied'], ['GET', 200, 'allowed'],
      ['GET', 503, 'error'], ['GET', 503, 'error'], ['PUT', 200, 'allowed'],
    ])
    expect(recs[1]).toMatchObject({
      time: '2026-05-20T09:14:22.031Z', source: 'waypoint', path: '/api/orders', policy: 'none',
      responseCodeDetails: 'rbac_access_denied_matched_policy[none]', error: 'rbac_access_denied_matched_policy[none]',
      srcAddr: '10.244.1.45:53390', dstAddr: '10.96.88.5:8000', downstreamLocalAddr: '10.96.88.5:8000',
      upstreamCluster: 'inbound-vip|8000|http|orders.shop.svc.cluster.local', dstService: 'orders.shop.svc.cluster.local',
      dstNamespace: 'shop', authority: 'orders.shop.svc.cluster.local:8000', userAgent: 'python-requests/2.32.3',
    })
    expect(recs[1].upstreamHost).toBeUndefined()
    expect(recs[2]).toMatchObject({path: '/api/orders/8812', policy: 'shop/deny-order-deletes', rule: 0, srcAddr: '10.244.1.17:40522'})
    expect(recs[0]).toMatchObject({dstAddr: '10.244.1.63:8000', upstreamHost: 'envoy://connect_originate/10.244.1.63:8000', durationMs: 14,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36'})
    expect(recs[4]).toMatchObject({responseFlags: 'UH', error: 'no_healthy_upstream (UH)', dstService: 'reviews.shop.svc.cluster.local'})
    expect(recs[5]).toMatchObject({responseFlags: 'UC', error: 'upstream_reset_before_response_started{connection_termination} (UC)', durationMs: 10004})
    expect(recs[3].path).toBe('/api/orders?status=open')
  })

  it('JSON format gives the same records as the text format', async () => {
    const text = await all(parseWaypointLog(sample('waypoint-shop.text.log').split('\n')))
    const json = await all(parseWaypointLog(Readable.from([sample('waypoint-shop.json.log')])))
    const strip = ({line: _l, ...rest}: WaypointRecord) => rest
    expect(json.map(strip)).toEqual(text.map(strip))
  })

  it('matchesPair finds the denied checkout → orders request by source IP and service VIP', async () => {
    const recs = await all(parseWaypointLog(sample('waypoint-shop.text.log').split('\n')))
    const pair = recs.filter((r) => matchesPair(r, {srcIps: ['10.244.1.45'], dstIps: ['10.96.88.5', '10.244.1.63']}))
    expect(pair.map((r) => [r.method, r.outcome])).toEqual([['POST', 'denied'], ['PUT', 'allowed']])
  })
})

describe('waypoint edge cases', () => {
  const line = '[2026-05-20T09:14:22.031Z] "POST /api/orders HTTP/1.1" 403 - rbac_access_denied_matched_policy[none] - "-" 0 19 0 - "-" ' +
    '"python-requests/2.32.3" "7c9e6679" "orders.shop:8000" "-" inbound-vip|8000|http|orders.shop.svc.cluster.local - ' +
    '[fd00:96::5]:8000 [fd00:244:1::45]:53390 - default'

  it('parses IPv6 downstream addresses and CRLF endings', () => {
    const r = parseWaypointLine(`${line}\r`)!
    expect(r).toMatchObject({srcAddr: '[fd00:244:1::45]:53390', dstAddr: '[fd00:96::5]:8000', outcome: 'denied', policy: 'none'})
    expect(matchesPair(r, {srcIps: ['fd00:244:1::45']})).toBe(true)
  })

  it('never throws on truncation; a cut line keeps only complete fields', () => {
    for (let n = 0; n < line.length; n++) parseWaypointLine(line.slice(0, n))
    const cut = parseWaypointLine(line.slice(0, line.indexOf('"python')))!
    expect(cut).toMatchObject({method: 'POST', responseCode: 403, outcome: 'denied'})
    expect(cut.userAgent).toBeUndefined()
    expect(parseWaypointLine('[2026-05-20T09:14:22.031Z] "POST /api')).toBeUndefined()
    expect(parseWaypointLine('{"response_code":403,"response_code_det')).toBeUndefined()
    expect(parseWaypointLine('')).toBeUndefined()
    expect(parseWaypointLine('2026-05-20T09:13:41Z\tinfo\tenvoy config\tnot an access log')).toBeUndefined()
  })

  it('reads matched-policy details', () => {
    expect(parseMatchedPolicy('rbac_access_denied_matched_policy[none]')).toBe('none')
    expect(parseMatchedPolicy('rbac_access_denied_matched_policy[ns[shop]-policy[deny-order-deletes]-rule[2]]'))
      .toEqual({namespace: 'shop', name: 'deny-order-deletes', rule: 2})
    expect(parseMatchedPolicy('via_upstream')).toBeUndefined()
    expect(parseMatchedPolicy('rbac_access_denied_matched_policy[garbage')).toBeUndefined()
  })

  it('a 403 from the application is not an RBAC deny', () => {
    const r = parseWaypointLine(line.replace('rbac_access_denied_matched_policy[none]', 'via_upstream'))!
    expect(r.outcome).toBe('allowed')
    expect(r.policy).toBeUndefined()
  })
})
