// The TUI in live mode against the fake API server (nock, test/live/fake-cluster.ts) and an
// in-process Hubble Relay built from the upstream observer.proto: the verdict from the
// cluster, then watch mode following GetFlows(follow=true) while the relay delivers new
// drops, then `r` re-evaluating with those drops in the window.
import React from 'react'
import nock from 'nock'
import {render} from 'ink-testing-library'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {App} from '../../src/render/tui/App.js'
import {liveSession} from '../../src/render/tui/sessions.js'
import {fromProtoJson, loadUpstream, startServer, type RunningServer} from '../evidence/upstreamGrpc.js'
import {hasShared, SKIP_REASON} from '../helpers/shared.js'
import {hubbleDrops} from '../live/evidence-fixtures.js'
import {FakeCluster, seedDocs, serveWithNock} from '../live/fake-cluster.js'
import {liveRequest, useNock} from '../live/run.js'
import {diagnoseLive, type LivePair} from '../../src/diagnose/live.js'
import {watchFollow} from '../../src/diagnose/watch-cli.js'
import {PassThrough} from 'node:stream'
import {frameWhere, KEY, press} from './helpers.js'

useNock()
if (!hasShared) console.warn(`live TUI test ${SKIP_REASON}`)

describe.skipIf(!hasShared)('live TUI: verdict, watch with a Hubble follow stream, re-evaluate', () => {
  let relay: RunningServer
  const followers: any[] = []
  let history: Array<Record<string, unknown>> = []
  let drops: Array<Record<string, unknown>> = []
  beforeAll(async () => {
    const {def, pkg} = await loadUpstream('hubble')
    drops = hubbleDrops(5).map((j) => fromProtoJson(def, 'observer.GetFlowsResponse', j))
    relay = await startServer(pkg.observer.Observer.service, {
      GetFlows(call: any) {
        if (call.request.follow) {
          // Follow: the stream stays open; the test writes new flows into it.
          followers.push(call)
          call.on('cancelled', () => followers.splice(followers.indexOf(call), 1))
          return
        }
        for (const r of history) call.write(r)
        call.end()
      },
      ServerStatus(_call: any, cb: any) {
        cb(null, {num_flows: '100', max_flows: '4095', seen_flows: '100', uptime_ns: '1000000000', num_connected_nodes: {value: 2}, num_unavailable_nodes: {value: 0}, version: '1.19.4'})
      },
    })
  })
  afterAll(async () => {
    await relay?.stop()
  })

  it('follows new drops for the pair while watching, and r re-evaluates with them', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs()}))
    nock.enableNetConnect('127.0.0.1')
    const {source: _s, target: _t, ...req} = liveRequest({evidence: true, hubbleServer: relay.address})
    const app = render(<App session={liveSession(req)} source="commerce/checkout" target="commerce/payments" color={false} />)
    try {
      let f = await frameWhere(app.lastFrame, (x) => x.includes('Result:'), 15_000)
      expect(f).toContain('commerce/checkout → commerce/payments (live)')
      expect(f).toContain('Result: ALLOWED.')
      expect(f).toMatch(/✓ hubble/)

      await press(app.stdin, 'w')
      await frameWhere(app.lastFrame, (x) => x.includes('watching: 0 new records'))
      const until = Date.now() + 5000
      while (followers.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
      expect(followers).toHaveLength(1)
      expect(followers[0].request.follow).toBe(true)

      for (const d of drops) followers[0].write(d)
      f = await frameWhere(app.lastFrame, (x) => x.includes(`watching: ${drops.length} new record`))
      expect(f).toMatch(/hubble\s+A→B DROPPED POLICY_DENIED/)

      // The policies did not change, the datapath did: `r` re-runs the diagnosis on the new window.
      history = drops
      await press(app.stdin, 'r')
      f = await frameWhere(app.lastFrame, (x) => x.includes('Result: BLOCKED at L4'), 15_000)
      expect(f).toContain('watching')
      await press(app.stdin, KEY.esc, 'j', 'j', 'j', KEY.enter)
      f = await frameWhere(app.lastFrame, (x) => x.includes('▶'))
      for (let i = 0; i < 80 && !app.lastFrame()!.includes('HubbleFlows'); i++) await press(app.stdin, 'j')
      expect(app.lastFrame()).toMatch(/hubble · HubbleFlows/)
    } finally {
      await press(app.stdin, 'q')
      app.unmount()
    }
  })

  it('live fix: a diff against the LatticeService as the cluster holds it; W refuses to write', async () => {
    // payments no longer declares checkout inbound: blocked; the fix edits payments.
    const payments = {stripe: {type: 'external-service', direction: 'outbound', params: {endpoints: {api: 'https://api.stripe.com'}}}, 'stripe-key': {type: 'secret', id: 'commerce/payments/stripe', params: {provider: 'vault-prod', keys: ['token']}}}
    serveWithNock(await FakeCluster.create({docs: seedDocs({payments})}))
    const {source: _s, target: _t, ...req} = liveRequest({evidence: false})
    const app = render(<App session={liveSession(req)} source="commerce/checkout" target="commerce/payments" color={false} />)
    try {
      await frameWhere(app.lastFrame, (x) => x.includes('Result: BLOCKED'), 15_000)
      await press(app.stdin, 'f')
      const f = await frameWhere(app.lastFrame, (x) => x.includes('+++ cluster:commerce/payments'), 10_000)
      expect(f).toContain('--- cluster:commerce/payments')
      expect(f).toMatch(/\+\s+checkout: \{type: service, direction: inbound\}/)
      expect(f).toContain('not written by the CLI')
      await press(app.stdin, 'W')
      await frameWhere(app.lastFrame, (x) => x.includes('live specs are never written'))
    } finally {
      app.unmount()
    }
  })

  it('--watch -o json: one JSON object per new drop, until stopped', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs()}))
    nock.enableNetConnect('127.0.0.1')
    history = []
    let pair: LivePair | undefined
    await diagnoseLive({...liveRequest({evidence: true, hubbleServer: relay.address}), onPair: (p) => (pair = p)})
    const out = new PassThrough()
    const lines: string[] = []
    out.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)))
    const stop = new AbortController()
    const done = watchFollow(pair!, 'json', {timeoutMs: 2000, hubbleServer: relay.address}, out, stop.signal)
    const until = Date.now() + 5000
    while (followers.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    for (const d of drops) followers[0].write(d)
    while (lines.length < drops.length && Date.now() < until + 5000) await new Promise((r) => setTimeout(r, 20))
    stop.abort()
    await done
    expect(lines).toHaveLength(drops.length)
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({source: 'hubble', direction: 'A→B', verdict: 'DROPPED'})
  })
})
