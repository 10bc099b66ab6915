// The two TUI backends: offline (spec files, optional policy dumps) and live (a cluster).
// Both run the same diagnosis as the text and JSON views (diagnoseOffline / diagnoseLive)
// and only collect what those already compute.

import {writeFile} from 'node:fs/promises'
import type {CompileOptions} from '../../core/constants.js'
import type {KubeObject} from '../../core/kube.js'
import type {LiveRequest, LivePair} from '../../diagnose/live.js'
import type {RunObserver} from '../../diagnose/offline.js'
import type {Diagnosis} from '../../diagnose/model.js'
import {diskContext, fixEdits} from './fix-edits.js'
import type {Endpoint, PairChoice, RunOutcome, TuiSession} from './session.js'

export interface OfflineSessionOptions {
  specPaths: string[]
  policyPaths: string[]
  namespace?: string
  clientBinary?: string
  method?: string
  path?: string
  options: CompileOptions
}

/** Collects the first run and the last fix re-run (the what-if: the fix applied in memory). */
function collector(): {observe: RunObserver; outcome(d: Diagnosis): RunOutcome} {
  let first: {expected: KubeObject[]; live?: KubeObject[]} = {expected: []}
  let afterFix: Diagnosis | undefined
  return {
    observe: (phase, run) => {
      if (phase === 'first') first = {expected: run.expected, ...(run.live ? {live: run.live} : {})}
      else afterFix = run.diagnosis
    },
    outcome: (diagnosis) => ({diagnosis, ...first, ...(diagnosis.fix && afterFix ? {afterFix} : {})}),
  }
}

export function offlineSession(o: OfflineSessionOptions): TuiSession {
  return {
    mode: 'offline',
    async endpoints() {
      const {loadSpecs} = await import('../../spec/load.js')
      const specs = await loadSpecs(o.specPaths)
      return [
        ...specs.services.map((s): Endpoint => ({namespace: s.metadata.namespace, name: s.metadata.name, kind: 'LatticeService', ports: Object.keys(s.spec.workload.service?.ports ?? {})})),
        ...specs.meshMembers.map((m): Endpoint => ({namespace: m.metadata.namespace, name: m.metadata.name, kind: 'LatticeMeshMember', ports: m.spec.ports.map((p) => p.name)})),
      ]
    },
    async diagnose(pair: PairChoice, emit) {
      const {diagnoseOffline} = await import('../../diagnose/offline.js')
      const c = collector()
      const d = await diagnoseOffline({
        specPaths: o.specPaths, policyPaths: o.policyPaths, source: pair.source, target: pair.target,
        ...(pair.port ? {port: pair.port} : {}),
        ...(o.clientBinary ? {clientBinary: o.clientBinary} : {}),
        ...(o.method ? {method: o.method, path: o.path ?? '/'} : {}),
        options: o.options, emit, observe: c.observe,
      })
      return c.outcome(d)
    },
    async fixEdits(outcome) {
      return outcome.diagnosis.fix ? fixEdits(outcome.diagnosis.fix, diskContext(o.specPaths, true)) : []
    },
    async writeEdits(edits) {
      const written: string[] = []
      for (const e of edits.filter((x) => x.writable)) {
        await writeFile(e.file, e.after)
        written.push(e.file)
      }
      return written
    },
  }
}

export type LiveSessionOptions = Omit<LiveRequest, 'source' | 'target' | 'port' | 'emit' | 'observe' | 'onPair'>

export function liveSession(o: LiveSessionOptions): TuiSession {
  let lastPair: LivePair | undefined
  return {
    mode: 'live',
    async endpoints() {
      const {connect} = await import('../../cluster/index.js')
      const cluster = await connect(o.connect)
      const namespaces = [...new Set([o.connect.namespace ?? cluster.namespace])]
      const out: Endpoint[] = []
      for (const ns of namespaces) {
        const [svcs, members] = await Promise.all([cluster.latticeServices(ns), cluster.latticeMeshMembers(ns)])
        if (svcs.ok) for (const s of svcs.items) out.push({namespace: ns, name: s.metadata.name, kind: 'LatticeService', ports: Object.keys((s.spec as any)?.workload?.service?.ports ?? {})})
        if (members.ok) for (const m of members.items) out.push({namespace: ns, name: m.metadata.name, kind: 'LatticeMeshMember', ports: ((m.spec as any)?.ports ?? []).map((p: {name?: string}) => p.name ?? '').filter(Boolean)})
      }
      if (o.specPaths.length > 0) {
        const files = await offlineSession({specPaths: o.specPaths, policyPaths: [], options: {} as CompileOptions}).endpoints()
        for (const e of files) if (!out.some((x) => x.namespace === e.namespace && x.name === e.name)) out.push(e)
      }
      return out
    },
    async diagnose(pair, emit) {
      const {diagnoseLive} = await import('../../diagnose/live.js')
      const c = collector()
      const d = await diagnoseLive({...o, source: pair.source, target: pair.target, ...(pair.port ? {port: pair.port} : {}), emit, observe: c.observe, onPair: (p) => (lastPair = p)})
      return c.outcome(d)
    },
    async fixEdits(outcome) {
      // Live specs: a diff against the object as the cluster holds it (read again, GET only); never written.
      const fix = outcome.diagnosis.fix
      if (!fix) return []
      const changes = fix.changes.map((c) => (c.file === 'cluster' && c.kind === 'LatticeService' ? {...c, file: `cluster:${c.namespace}/${c.name}`} : c))
      const {connect, RESOURCES} = await import('../../cluster/index.js')
      const {stringify} = await import('yaml')
      const cluster = await connect(o.connect)
      return fixEdits({...fix, changes}, {
        writable: false,
        read: async (file) => {
          const [ns, name] = file.slice('cluster:'.length).split('/')
          const got = await cluster.get(RESOURCES.latticeServices, ns, name)
          if (!got.ok) throw new Error(got.reason)
          const {metadata, status: _status, ...rest} = got.items[0] as KubeObject & {status?: unknown}
          return stringify({...rest, metadata: {name: metadata.name, namespace: metadata.namespace, ...(metadata.labels ? {labels: metadata.labels} : {})}})
        },
      })
    },
    watch(_pair, onRecord, onError) {
      const ac = new AbortController()
      if (!lastPair) {
        onError('watch', 'run the diagnosis first')
        return {stop: () => {}}
      }
      const pair = lastPair
      void import('../../diagnose/watch-live.js').then(({followPair}) => followPair(pair, {...o.evidence, timeoutMs: o.connect.requestTimeoutMs ?? 10_000}, {record: onRecord, failed: onError}, ac.signal))
      return {stop: () => ac.abort()}
    },
  }
}
