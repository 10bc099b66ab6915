// Driving the TUI in tests: keys, waiting for a frame, a scripted session.
import {mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {LayerResult} from '../../src/core/result.js'
import type {Diagnosis, EventSink} from '../../src/diagnose/model.js'
import type {WatchRecord} from '../../src/diagnose/watch.js'
import type {Endpoint, RunOutcome, TuiSession} from '../../src/render/tui/session.js'

export const KEY = {enter: '\r', esc: '\u001b', down: '\u001b[B', up: '\u001b[A', tab: '\t', backspace: '\u007f'}

export const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms))

/** Waits until the last frame satisfies `ok` (frames are asserted, not snapshotted). */
export async function frameWhere(last: () => string | undefined, ok: (f: string) => boolean, timeoutMs = 5000): Promise<string> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const f = last() ?? ''
    if (ok(f)) return f
    if (Date.now() > until) throw new Error(`no frame matched within ${timeoutMs} ms; last frame:\n${f}`)
    await tick(20)
  }
}

/** Writes keys one at a time, letting React commit between them (as a person types). */
export async function press(stdin: {write(s: string): void}, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    stdin.write(k)
    await tick(60)
  }
}

export const tmpRecents = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'tui-recents-')), 'recents.json')

export const ENDPOINTS: Endpoint[] = [
  {namespace: 'commerce', name: 'checkout', kind: 'LatticeService', ports: ['http']},
  {namespace: 'commerce', name: 'inventory', kind: 'LatticeService', ports: ['http']},
  {namespace: 'commerce', name: 'orders-db', kind: 'LatticeService', ports: ['postgres']},
  {namespace: 'commerce', name: 'payments', kind: 'LatticeService', ports: ['http', 'metrics']},
  {namespace: 'legacy', name: 'billing-vm', kind: 'LatticeMeshMember', ports: []},
]

export const layer = (id: LayerResult['layer'], status: LayerResult['status'], summary: string): LayerResult => ({layer: id, status, summary, reasons: [], evidence: [], warnings: []})

export function diagnosisOf(layers: LayerResult[], result: Diagnosis['result'], extra: Partial<Diagnosis> = {}): Diagnosis {
  return {
    source: {namespace: 'commerce', name: 'checkout', kind: 'LatticeService'},
    target: {namespace: 'commerce', name: 'payments', kind: 'LatticeService'},
    profile: 'seed', trustDomain: 'cluster.local', policySource: 'cluster',
    layers, result, drift: [], warnings: [], fix: null, ...extra,
  }
}

/** A session whose diagnosis the test drives event by event. */
export function scriptedSession(opts: {watch?: boolean} = {}) {
  let emit: EventSink = () => {}
  let finish: (o: RunOutcome) => void = () => {}
  let fail: (e: Error) => void = () => {}
  let onRecord: (r: WatchRecord) => void = () => {}
  const calls: string[] = []
  const session: TuiSession = {
    mode: 'live',
    endpoints: async () => ENDPOINTS,
    diagnose: (pair, sink) => {
      calls.push(`${pair.source}->${pair.target}${pair.port ? `:${pair.port}` : ''}`)
      emit = sink
      return new Promise<RunOutcome>((resolve, reject) => {
        finish = resolve
        fail = reject
      })
    },
    fixEdits: async () => [],
    ...(opts.watch ? {watch: (_p: unknown, rec: (r: WatchRecord) => void) => {
      onRecord = rec
      return {stop: () => {}}
    }} : {}),
  }
  return {session, calls, emit: (e: Parameters<EventSink>[0]) => emit(e), finish: (o: RunOutcome) => finish(o), fail: (e: Error) => fail(e), record: (r: WatchRecord) => onRecord(r)}
}
