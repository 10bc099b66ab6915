// Tetragon SIGKILL events grouped per pod workload and binary (LATTICE-SPEC §9.5, §10.6).

import type {ProcessEventRecord} from '../../core/evidence.js'
import type {Workload} from '../../core/query.js'

export interface KillGroup {
  binary: string
  /** Policy named by the events (undefined when they carry none). */
  policy?: string
  count: number
  /** Latest event time. */
  time: string
  pods: string[]
}

export function isSigkill(e: ProcessEventRecord): boolean {
  return e.type === 'kprobe' && /sigkill/i.test(e.action ?? '')
}

/**
 * Events belong to a workload when they are in its namespace and either carry its pod
 * labels or come from a pod named after it (Deployment pods are `<name>-<hash>-<id>`).
 */
export function eventInWorkload(e: ProcessEventRecord, w: Pick<Workload, 'namespace' | 'name' | 'podLabels'>): boolean {
  if (e.namespace !== w.namespace) return false
  const want = Object.entries(w.podLabels)
  if (e.podLabels && want.length > 0 && want.every(([k, v]) => e.podLabels?.[k] === v)) return true
  return Boolean(e.pod && e.pod.startsWith(`${w.name}-`))
}

/** Sigkills in the workload's pods, grouped by binary and policy, most frequent first. */
export function killsIn(events: ProcessEventRecord[], w: Pick<Workload, 'namespace' | 'name' | 'podLabels'>): KillGroup[] {
  const groups = new Map<string, KillGroup>()
  for (const e of events) {
    if (!isSigkill(e) || !eventInWorkload(e, w)) continue
    const key = `${e.binary}\u0000${e.policy ?? ''}`
    const g = groups.get(key) ?? {binary: e.binary, policy: e.policy, count: 0, time: e.time, pods: []}
    g.count++
    if (e.time > g.time) g.time = e.time
    if (e.pod && !g.pods.includes(e.pod)) g.pods.push(e.pod)
    groups.set(key, g)
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.binary.localeCompare(b.binary))
}

export function describeKill(g: KillGroup, workloadName: string): string {
  return `${g.binary} killed ${g.count}× in ${workloadName} by ${g.policy ?? 'a Tetragon policy'}`
}
