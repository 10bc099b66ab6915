// Component tests of the TUI with ink-testing-library: frames asserted after each key.
import React from 'react'
import {render} from 'ink-testing-library'
import {render as inkRender} from 'ink'
import {afterEach, describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {App, HELP} from '../../src/render/tui/App.js'
import {offlineSession} from '../../src/render/tui/sessions.js'
import {rememberRecent} from '../../src/render/tui/recents.js'
import {diagnosisOf, frameWhere, KEY, layer, press, scriptedSession, tick, tmpRecents} from './helpers.js'

const mounted: Array<{unmount(): void}> = []
function mount(el: React.ReactElement) {
  const r = render(el)
  mounted.push(r)
  return r
}
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount()
})

const commerce = () => offlineSession({specPaths: ['examples/commerce'], policyPaths: [], options: defaultCompileOptions()})

describe('picker', () => {
  it('filters as you type (fuzzy), then picks A and B and starts the diagnosis of that pair', async () => {
    const s = scriptedSession()
    const {stdin, lastFrame} = mount(<App session={s.session} recentsFile={tmpRecents()} color={false} />)
    let f = await frameWhere(lastFrame, (x) => x.includes('billing-vm'))
    expect(f).toContain('Pick the caller (A)')
    expect(f).toMatch(/checkout\s+commerce\s+service/)
    expect(f).toMatch(/billing-vm\s+legacy\s+mesh member/)
    await press(stdin, 'o', 'r', 'd')
    f = await frameWhere(lastFrame, (x) => x.includes('search: ord'))
    expect(f).toContain('orders-db')
    expect(f).not.toContain('checkout')
    expect(f).not.toContain('billing-vm')
    await press(stdin, KEY.backspace, KEY.backspace, KEY.backspace, 'i', 'n', 'v', KEY.enter)
    f = await frameWhere(lastFrame, (x) => x.includes('callee (B) for commerce/inventory'))
    // A is not offered as its own callee.
    expect(f).not.toMatch(/› inventory/)
    await press(stdin, 'o', 'r', 'd', 'e', 'r', 's', KEY.enter)
    f = await frameWhere(lastFrame, (x) => x.includes('commerce/inventory → commerce/orders-db') && x.includes('evaluating'))
    await tick(100)
    expect(s.calls).toEqual(['commerce/inventory->commerce/orders-db'])
  })

  it('lists recently used services first, and asks for the port when B has several', async () => {
    const file = tmpRecents()
    rememberRecent('commerce/orders-db', file)
    rememberRecent('commerce/payments', file)
    const s = scriptedSession()
    const {stdin, lastFrame} = mount(<App session={s.session} recentsFile={file} color={false} />)
    const f = await frameWhere(lastFrame, (x) => x.includes('checkout'))
    const order = ['payments', 'orders-db', 'checkout', 'inventory'].map((n) => f.indexOf(`${n} `))
    expect(order).toEqual([...order].sort((a, b) => a - b))
    expect(f).toMatch(/› payments .*recent/)
    await press(stdin, 'c', 'h', 'e', 'c', 'k', KEY.enter, 'p', 'a', 'y', KEY.enter)
    await frameWhere(lastFrame, (x) => x.includes('has several ports'))
    await press(stdin, KEY.down, KEY.enter)
    await frameWhere(lastFrame, (x) => x.includes('port metrics') && x.includes('evaluating'))
    await tick(100)
    expect(s.calls).toEqual(['commerce/checkout->commerce/payments:metrics'])
  })
})

describe('verdict screen', () => {
  it('fills in layer by layer from the event stream; a failed source shows, its layer is UNKNOWN with the reason', async () => {
    const s = scriptedSession()
    const {lastFrame} = mount(<App session={s.session} source="commerce/checkout" target="commerce/payments" color={false} />)
    let f = await frameWhere(lastFrame, (x) => x.includes('evaluating'))
    expect(f.match(/…/g)?.length).toBeGreaterThanOrEqual(6)
    s.emit({type: 'source-started', source: 'hubble'})
    f = await frameWhere(lastFrame, (x) => /hubble \d+ ms/.test(x))
    s.emit({type: 'layer-decided', result: layer('admission', 'PASS', 'live objects admitted')})
    f = await frameWhere(lastFrame, (x) => x.includes('PASS (live objects admitted)'))
    expect(f).toMatch(/L4 \(Cilium\)\s+…/)
    s.emit({type: 'source-failed', source: 'hubble', ms: 1200, reason: 'connection refused'})
    s.emit({type: 'layer-decided', result: layer('l4', 'UNKNOWN', 'Hubble unreachable: connection refused')})
    f = await frameWhere(lastFrame, (x) => x.includes('✗ hubble (1.2 s): connection refused'))
    expect(f).toMatch(/L4 \(Cilium\)\s+UNKNOWN \(Hubble unreachable: connection refused\)/)
    const layers = [layer('admission', 'PASS', 'ok'), layer('cedar', 'PASS', 'ok'), layer('declarations', 'PASS', 'ok'), layer('l4', 'UNKNOWN', 'Hubble unreachable: connection refused'), layer('l7', 'PASS', 'ok'), layer('runtime', 'SKIP', 'Tetragon not installed')]
    const d = diagnosisOf(layers, {status: 'UNKNOWN', blockedAt: null, explanation: 'Not enough data: l4 Hubble unreachable.'}, {
      warnings: ['Tetragon (runtime) is not enforced on this cluster'],
      ...({evidenceSources: [{source: 'hubble', window: '15m', records: 0, lost: 3}]} as object),
    })
    s.emit({type: 'diagnosis', diagnosis: d})
    f = await frameWhere(lastFrame, (x) => x.includes('Result: UNKNOWN'))
    expect(f).toContain('Not enough data: l4 Hubble unreachable.')
    expect(f).toMatch(/Runtime \(Tetragon\)\s+SKIP \(Tetragon not installed\)/)
    expect(f).toContain('Tetragon (runtime) is not enforced on this cluster')
    expect(f).toContain('hubble: window 15m, records 0, lost 3')
    expect(f).not.toContain('ALLOWED')
  })

  it('the first frame (every layer pending) is written before the diagnosis is even started', async () => {
    // ink's own render on a recording stdout, so the session can look at what was written.
    const {EventEmitter} = await import('node:events')
    const written: string[] = []
    const stdout = Object.assign(new EventEmitter(), {columns: 80, rows: 24, isTTY: false, write: (f: string) => (written.push(f), true)})
    const stdin = Object.assign(new EventEmitter(), {isTTY: false, setRawMode() {}, setEncoding() {}, resume() {}, pause() {}, ref() {}, unref() {}, read: () => null})
    const s = scriptedSession()
    let writtenAtStart = ''
    const app = inkRender(<App session={{...s.session, diagnose: (pair, emit) => {
      writtenAtStart = written.join('')
      return s.session.diagnose(pair, emit)
    }}} source="commerce/checkout" target="commerce/payments" color={false} />, {stdout: stdout as never, stdin: stdin as never, debug: true, patchConsole: false})
    mounted.push(app)
    await frameWhere(() => writtenAtStart, (x) => x !== '')
    expect(writtenAtStart).toMatch(/L4 \(Cilium\)\s+…/)
    expect(writtenAtStart).toContain('evaluating')
  })

  it('a run that fails (bad input, cluster unreachable) shows the error, no verdict', async () => {
    const s = scriptedSession()
    const {lastFrame} = mount(<App session={s.session} source="commerce/checkout" target="commerce/nope" color={false} />)
    await frameWhere(lastFrame, (x) => x.includes('evaluating'))
    s.fail(new Error("target 'commerce/nope': no LatticeService or LatticeMeshMember of that name"))
    const f = await frameWhere(lastFrame, (x) => x.includes('error:'))
    expect(f).toContain("target 'commerce/nope'")
    expect(f).not.toMatch(/Result:/)
  })

  it('? lists every key; any key closes it', async () => {
    const s = scriptedSession()
    const {stdin, lastFrame} = mount(<App session={s.session} source="commerce/checkout" target="commerce/payments" color={false} />)
    await frameWhere(lastFrame, (x) => x.includes('evaluating'))
    await press(stdin, '?')
    const f = await frameWhere(lastFrame, (x) => x.includes('Keys'))
    for (const [k] of HELP) expect(f).toContain(k)
    await press(stdin, 'x')
    await frameWhere(lastFrame, (x) => !x.includes('Keys'))
  })
})

describe('drill-down and fix on examples/commerce (inventory → orders-db is blocked)', () => {
  it('L4 drill-down: the deciding policy as YAML with the matching part marked, drift and evidence sections; / searches', async () => {
    const {stdin, lastFrame} = mount(<App session={commerce()} source="commerce/inventory" target="commerce/orders-db" color={false} />)
    await frameWhere(lastFrame, (x) => x.includes('Result: BLOCKED at L4'))
    await press(stdin, 'j', 'j', 'j', KEY.enter)
    // Opens scrolled to the marked rule of the deciding policy.
    let f = await frameWhere(lastFrame, (x) => x.includes('▶'))
    expect(f).toMatch(/▶\s+egress: true/)
    expect(f).not.toMatch(/▶\s+ingress: true/)
    // Scrolling up reaches the policy's heading.
    for (let i = 0; i < 30 && !lastFrame()!.includes('CiliumClusterwideNetworkPolicy default-deny — egress default-deny'); i++) await press(stdin, 'k')
    expect(lastFrame()).toContain('CiliumClusterwideNetworkPolicy default-deny — egress default-deny')
    await press(stdin, '/', 'D', 'r', 'i', 'f', 't', KEY.enter)
    f = await frameWhere(lastFrame, (x) => x.includes('Drift (expected from the specs vs live)'))
    expect(f).toContain('(offline without --policies: nothing live to compare)')
    expect(f).toContain('Evidence (time · direction · count · source)')
    await press(stdin, KEY.esc)
    await frameWhere(lastFrame, (x) => x.includes('Result: BLOCKED at L4'))
  })

  it('fix: the diff against orders-db.yaml, and the what-if flips BLOCKED at L4 to ALLOWED', async () => {
    const {stdin, lastFrame} = mount(<App session={commerce()} source="commerce/inventory" target="commerce/orders-db" color={false} />)
    await frameWhere(lastFrame, (x) => x.includes('Result: BLOCKED at L4'))
    await press(stdin, 'f')
    let f = await frameWhere(lastFrame, (x) => x.includes('+      inventory: {type: service, direction: inbound}'))
    expect(f).toContain('--- examples/commerce/orders-db.yaml')
    expect(f).not.toContain('What-if')
    await press(stdin, 't')
    f = await frameWhere(lastFrame, (x) => x.includes('What-if'))
    expect(f).toMatch(/L4 \(Cilium\)\s+DENY\s+→ PASS/)
    expect(f).toContain('Result               BLOCKED at L4 → ALLOWED')
    await press(stdin, 'W')
    f = await frameWhere(lastFrame, (x) => x.includes('y/n'))
    expect(f).toContain('write examples/commerce/orders-db.yaml? y/n')
    await press(stdin, 'n')
    await frameWhere(lastFrame, (x) => x.includes('not written'))
  })
})

describe('watch', () => {
  it('appends new records, throttled, and keeps a bounded history', async () => {
    const s = scriptedSession({watch: true})
    const {stdin, lastFrame, frames} = mount(<App session={s.session} source="commerce/checkout" target="commerce/payments" color={false} watchCapacity={10} />)
    await frameWhere(lastFrame, (x) => x.includes('evaluating'))
    s.finish({diagnosis: diagnosisOf([layer('l4', 'DENY', 'no egress rule')], {status: 'BLOCKED', blockedAt: 'l4', explanation: 'x'}), expected: []})
    await frameWhere(lastFrame, (x) => x.includes('Result: BLOCKED'))
    await press(stdin, 'w')
    await frameWhere(lastFrame, (x) => x.includes('watching: 0 new records'))
    s.record({time: '2026-12-04T10:00:00Z', source: 'hubble', direction: 'A→B', verdict: 'DROPPED', summary: 'POLICY_DENIED TCP:8080'})
    let f = await frameWhere(lastFrame, (x) => x.includes('watching: 1 new record'))
    expect(f).toContain('2026-12-04T10:00:00Z hubble   A→B DROPPED POLICY_DENIED TCP:8080')
    const before = frames.length
    for (let i = 0; i < 200; i++) s.record({time: `2026-12-04T10:01:${String(i % 60).padStart(2, '0')}Z`, source: 'ztunnel', direction: 'A→B', verdict: 'denied', summary: `conn ${i}`})
    f = await frameWhere(lastFrame, (x) => x.includes('watching: 201 new records (last 10 kept)'))
    expect(f).toContain('conn 199')
    expect(f).not.toContain('POLICY_DENIED')
    // 200 records in a burst: a few frames, not 200.
    expect(frames.length - before).toBeLessThan(20)
    await tick(150)
  })
})
