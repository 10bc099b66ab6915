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
 * Events belong to a workload when they are in its namespace and carry its pod labels. An
 * event without labels falls back to the pod name, matched as the controllers name pods —
 * Deployment `<name>-<hash>-<id>`, DaemonSet/Job `<name>-<id>`, StatefulSet `<name>-<n>` —
 * so `payments-api-7b4c9d6f8-qw2er` is not a pod of `payments`.
 */
export function eventInWorkload(e: ProcessEventRecord, w: Pick<Workload, 'namespace' | 'name' | 'podLabels'>): boolean {
  if (e.namespace !== w.namespace) return false
  const want = identifyingLabels(w.podLabels)
  if (e.podLabels && Object.keys(e.podLabels).length > 0 && want.length > 0) return want.every(([k, v]) => e.podLabels?.[k] === v)
  return Boolean(e.pod && podOfWorkload(e.pod, w.name))
}

/** The labels that say which workload a pod belongs to: the name label, else every label but the per-revision ones. */
function identifyingLabels(labels: Record<string, string>): Array<[string, string]> {
  const name = labels['app.kubernetes.io/name']
  if (name !== undefined) return [['app.kubernetes.io/name', name]]
  const volatile = new Set(['pod-template-hash', 'controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index'])
  return Object.entries(labels).filter(([k]) => !volatile.has(k))
}

function podOfWorkload(pod: string, name: string): boolean {
  if (!pod.startsWith(`${name}-`)) return false
  const rest = pod.slice(name.length + 1)
  return /^[a-z0-9]{6,10}-[a-z0-9]{5}$/.test(rest) || /^[a-z0-9]{5}$/.test(rest) || /^\d+$/.test(rest)
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
