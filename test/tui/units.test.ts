// The TUI's pure parts: the event fold, the watch ring buffer and throttle, watch records and
// their --watch lines, the fix placed into a spec file, fuzzy filtering, recents.
import {mkdtempSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {flowRecord, killRecord, meshRecord, RingBuffer, throttled, watchJson, watchLine} from '../../src/diagnose/watch.js'
import {applyChange, fixEdits, unifiedDiff} from '../../src/render/tui/fix-edits.js'
import {filterEndpoints} from '../../src/render/tui/fuzzy-pick.js'
import {readRecents, rememberRecent} from '../../src/render/tui/recents.js'
import {initialRun, reduceEvent} from '../../src/render/tui/state.js'
import {ENDPOINTS, layer, tick} from './helpers.js'

describe('RingBuffer', () => {
  it('keeps the last `capacity` items in order, whatever was pushed (memory flat over hours)', () => {
    fc.assert(fc.property(fc.integer({min: 1, max: 20}), fc.array(fc.integer(), {maxLength: 200}), (cap, xs) => {
      const r = new RingBuffer<number>(cap)
      for (const x of xs) r.push(x)
      expect(r.toArray()).toEqual(xs.slice(-cap))
      expect(r.size).toBe(Math.min(cap, xs.length))
      expect(r.total).toBe(xs.length)
    }))
  })
})

describe('throttled', () => {
  it('a burst becomes one flush; later items another, at most one per interval', async () => {
    const batches: number[][] = []
    const t = throttled<number>((b) => batches.push(b), 50)
    for (let i = 0; i < 100; i++) t.push(i)
    await tick(80)
    t.push(100)
    await tick(80)
    expect(batches.length).toBe(2)
    expect(batches.flat()).toEqual([...Array(101).keys()])
    t.stop()
  })
})

describe('watch records', () => {
  const pods = {a: new Set(['checkout-1']), b: new Set(['payments-1'])}
  it('Hubble: only drops, with direction from the pods, reason, port and the denying policy', () => {
    const base = {time: '2026-12-04T10:00:00Z', source: {pod: 'checkout-1'}, destination: {pod: 'payments-1'}, protocol: 'TCP', destinationPort: 15008, trafficDirection: 'EGRESS'}
    expect(flowRecord({...base, verdict: 'FORWARDED'}, pods)).toBeUndefined()
    const r = flowRecord({...base, verdict: 'DROPPED', dropReason: 'POLICY_DENIED', egressDeniedBy: [{kind: 'CiliumNetworkPolicy', namespace: 'commerce', name: 'deny-all'}]}, pods)!
    expect(r).toEqual({time: base.time, source: 'hubble', direction: 'A→B', verdict: 'DROPPED', summary: 'POLICY_DENIED TCP:15008 (egress) by CiliumNetworkPolicy commerce/deny-all'})
    expect(watchLine(r)).toBe('2026-12-04T10:00:00Z hubble   A→B DROPPED POLICY_DENIED TCP:15008 (egress) by CiliumNetworkPolicy commerce/deny-all')
    expect(JSON.parse(watchJson(r))).toEqual(r)
    expect(flowRecord({...base, source: {pod: 'payments-1'}, destination: {pod: 'checkout-1'}, verdict: 'DROPPED'}, pods)!.direction).toBe('B→A')
  })
  it('mesh logs: denials only; Tetragon: SIGKILLs only', () => {
    expect(meshRecord({time: 't', source: 'ztunnel', outcome: 'allowed'})).toBeUndefined()
    expect(meshRecord({time: 't', source: 'ztunnel', outcome: 'denied', direction: 'inbound', error: 'policy rejection: no allow policies matched'})!.summary).toBe('policy rejection: no allow policies matched')
    expect(meshRecord({time: 't', source: 'waypoint', outcome: 'denied', policy: 'none', method: 'POST', path: '/pay', responseCode: 403})!.summary).toBe('policy none POST /pay → 403')
    expect(killRecord({time: 't', type: 'exec', binary: '/bin/sh', pod: 'checkout-1'}, pods)).toBeUndefined()
    expect(killRecord({time: 't', type: 'kprobe', action: 'KPROBE_ACTION_SIGKILL', binary: '/usr/bin/curl', pod: 'checkout-1', policy: 'allow-binaries-checkout'}, pods)).toEqual({time: 't', source: 'tetragon', direction: 'A→B', verdict: 'SIGKILL', summary: '/usr/bin/curl in checkout-1 by allow-binaries-checkout'})
  })
})

describe('verdict state from the event stream', () => {
  it('sources run, finish or fail; layers fill in; the final diagnosis wins', () => {
    let s = initialRun(0)
    s = reduceEvent(s, {type: 'source-started', source: 'hubble'}, 10)
    expect(s.sources).toEqual([{name: 'hubble', state: 'running', startedAt: 10}])
    s = reduceEvent(s, {type: 'source-failed', source: 'hubble', ms: 5, reason: 'refused'}, 15)
    expect(s.sources[0]).toMatchObject({state: 'failed', reason: 'refused'})
    s = reduceEvent(s, {type: 'source-finished', source: 'specs', ms: 3, count: 4}, 20)
    expect(s.sources[1]).toMatchObject({name: 'specs', state: 'done', count: 4})
    s = reduceEvent(s, {type: 'layer-decided', result: layer('l4', 'UNKNOWN', 'Hubble unreachable')}, 30)
    expect(s.layers.l4?.status).toBe('UNKNOWN')
    expect(s.diagnosis).toBeUndefined()
  })
})

describe('the fix as a file edit', () => {
  const file = path.resolve('examples/commerce/orders-db.yaml')
  const text = readFileSync(file, 'utf8')
  const change = {kind: 'LatticeService' as const, namespace: 'commerce', name: 'orders-db', file, path: 'spec.workload.resources', yaml: 'inventory: {type: service, direction: inbound}'}

  it('adds exactly the proposed lines; every other line (comments, spacing) is kept byte for byte', () => {
    const after = applyChange(text, change)!
    const added = after.split('\n').filter((l) => !text.split('\n').includes(l))
    expect(added).toEqual(['      inventory: {type: service, direction: inbound}'])
    expect(after.split('\n').filter((l) => l !== added[0])).toEqual(text.split('\n'))
  })

  it('in a multi-document file only the named document changes', () => {
    const other = 'apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: other\n  namespace: commerce\nspec:\n  workload:\n    resources: { a: {type: service,   direction: inbound} }\n'
    const both = `${other}---\n${text}`
    const after = applyChange(both, change)!
    expect(after.startsWith(other)).toBe(true)
    expect(after).toContain('      inventory: {type: service, direction: inbound}')
  })

  it('a CedarPolicy is a new file; a comment-only change is shown, never writable', async () => {
    const edits = await fixEdits({summary: '', verified: true, changes: [
      {kind: 'CedarPolicy', namespace: 'lattice-system', name: 'allow-x', path: 'spec.policies', yaml: 'permit (principal, action, resource);'},
      {kind: 'LatticeService', namespace: 'commerce', name: 'orders-db', file, path: 'spec.workload', yaml: '# fix the image'},
    ]}, {read: async (f) => readFileSync(f, 'utf8'), newFileFor: () => '/specs/allow-x.yaml', writable: true})
    expect(edits[0]).toMatchObject({file: '/specs/allow-x.yaml', before: '', writable: true, note: 'new file'})
    expect(unifiedDiff(edits[0])).toContain('+kind: CedarPolicy')
    expect(edits[1]).toMatchObject({writable: false})
  })
})

describe('picker filtering and recents', () => {
  it('fuzzy matches on namespace/name; an empty query lists recents first', () => {
    expect(filterEndpoints(ENDPOINTS, 'odb', []).map((e) => e.name)).toEqual(['orders-db'])
    expect(filterEndpoints(ENDPOINTS, 'legacy', []).map((e) => e.name)).toEqual(['billing-vm'])
    expect(filterEndpoints(ENDPOINTS, '', ['commerce/payments']).map((e) => e.name)[0]).toBe('payments')
    expect(filterEndpoints(ENDPOINTS, '', [], 'commerce/checkout').map((e) => e.name)).not.toContain('checkout')
  })
  it('recents persist most recent first, without duplicates, in the XDG cache dir', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xdg-'))
    const file = path.join(dir, 'platform', 'tui-recents.json')
    rememberRecent('a/x', file)
    rememberRecent('b/y', file)
    rememberRecent('a/x', file)
    expect(readRecents(file)).toEqual(['a/x', 'b/y'])
  })
})
