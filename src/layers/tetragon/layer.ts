// Runtime layer verdict (LATTICE-SPEC §9.2 step 8, §10.6): Tetragon does not filter
// packets, but it can kill B's server (B cannot serve), kill the client binary A uses, or
// keep B crash-looping (no endpoints).

import type {ProcessEventRecord} from '../../core/evidence.js'
import type {ConnectivityQuery, Workload} from '../../core/query.js'
import {layerResult, type Evidence, type LayerResult} from '../../core/result.js'
import {evaluateActivity, evaluateExec, policyMode, type ExecVerdict, type PodContext} from './evaluate.js'
import {describeKill, eventInWorkload, killsIn, type KillGroup} from './kills.js'
import type {KubeObject, ObjectRef} from '../../core/kube.js'

/** Binaries and places of the ambient proxies (LATTICE-SPEC §7.6, §10.9). */
const WAYPOINT_ENVOY = '/usr/local/bin/envoy'
const ZTUNNEL_BINARY = '/usr/local/bin/ztunnel'
const ZTUNNEL_NAMESPACE = 'istio-system'
const HBONE_PORT = 15008

export interface RuntimeContext {
  /** Tetragon events in the window (live only). */
  events?: ProcessEventRecord[]
  /** false when B has no Ready pod (live); undefined when unknown (offline). */
  targetReady?: boolean
  /** How to call A in messages (defaults to its name). */
  sourceName?: string
  /**
   * Addresses A may dial for B (B's Service ClusterIPs and pod IPs, live): lets DAddr /
   * NotDAddr filters on connect hooks be decided (Tetragon's getting-started egress policy).
   */
  targetAddresses?: string[]
}

export function runtimeLayer(query: ConnectivityQuery, policies: KubeObject[], ctx: RuntimeContext = {}): LayerResult {
  const src = query.source
  const dst = query.target
  const srcName = ctx.sourceName ?? src.name
  const monitored = new Set(policies.filter((p) => policyMode(p).monitor).map((p) => p.metadata.name))
  // Monitor mode elides the kill but the event still carries the Sigkill action (upstream
  // bpf/process/generic_calls.h do_action sets e->action either way): not evidence of a kill.
  const allEvents = ctx.events ?? []
  const events = allEvents.filter((e) => !(e.policy && monitored.has(e.policy)))
  const denies: string[] = []
  const warnings: string[] = []
  const reasons: string[] = []
  const evidence: Evidence[] = []
  const passParts: string[] = []

  // B's entrypoints: a kill (predicted or observed) means B cannot serve.
  const serverBinaries = query.serverBinaries ?? []
  const dstKills = killsIn(events, dst)
  const servePorts = query.port ? [query.port.targetPort] : []
  const serverVerdicts = serverBinaries.map((bin) => ({bin, v: execThenRun(policies, podOf(dst), bin, 'serve', servePorts)}))
  const undecided: string[] = []
  for (const {bin, v} of serverVerdicts) {
    if (v.undecided) {
      undecided.push(`${dst.name} may not serve: ${v.reason}`)
      evidence.push(policyEvidence(v.by, `may block ${bin}`))
    }
    if (!v.blocked) continue
    denies.push(`${dst.name} cannot serve: its entrypoint ${bin} ${blockedWording(v)} by ${v.by?.name}`)
    reasons.push(v.reason)
    evidence.push(policyEvidence(v.by, `blocks ${bin} (${v.action})`))
  }
  for (const g of dstKills.filter((k) => serverBinaries.includes(k.binary))) {
    denies.push(`${dst.name} cannot serve: ${describeKill(g, dst.name)}`)
    evidence.push(eventEvidence(g, dst))
  }
  // An Override on B's entrypoint exec (e.g. lsm bprm_check_security → argError) leaves B
  // without its server as surely as a Sigkill: the event's action is KPROBE_ACTION_OVERRIDE.
  for (const e of events) {
    if (e.type !== 'kprobe' || !/override/i.test(e.action ?? '') || !serverBinaries.includes(e.binary) || !/bprm|exec/.test(e.function ?? '') || !eventInWorkload(e, dst)) continue
    pushUnique(denies, `${dst.name} cannot serve: the exec of ${e.binary} failed (Override) by ${e.policy ?? 'a Tetragon policy'}`)
    evidence.push({kind: 'TetragonEvent', namespace: dst.namespace, name: e.pod ?? dst.name, detail: `${e.binary} exec OVERRIDE${e.policy ? ` by ${e.policy}` : ''}`, time: e.time, source: 'tetragon'})
  }
  for (const {v} of serverVerdicts) for (const a of v.assumptions) pushUnique(reasons, `assumed: ${a}`)

  // The binary A calls B with.
  if (query.clientBinary) {
    const dialPorts = query.port ? [...new Set([query.port.servicePort, query.port.targetPort])] : []
    const v = execThenRun(policies, podOf(src), query.clientBinary, 'connect', dialPorts, ctx.targetAddresses)
    if (v.undecided) undecided.push(`--client-binary ${query.clientBinary} in ${srcName}: ${v.reason}`)
    if (v.blocked) {
      denies.push(`--client-binary ${query.clientBinary} is not allowed in ${srcName}: it ${blockedWording(v)} by ${v.by?.name}`)
      reasons.push(v.reason)
      evidence.push(policyEvidence(v.by, `blocks ${query.clientBinary} (${v.action})`))
    } else if (v.undecided) {
      evidence.push(policyEvidence(v.by, `may block ${query.clientBinary}`))
    } else {
      passParts.push(includesSummary(v, query.clientBinary, srcName))
      for (const r of v.applied) evidence.push(policyEvidence(r, `allows ${query.clientBinary}`))
    }
    for (const a of v.assumptions) pushUnique(reasons, `assumed: ${a}`)
    for (const g of killsIn(events, src).filter((k) => k.binary === query.clientBinary)) {
      // Evidence contradicting the evaluation is reported, not hidden (§9.5).
      if (!v.blocked) warnings.push(`${describeKill(g, srcName)} although the current policies allow it`)
      evidence.push(eventEvidence(g, src))
    }
  }

  // The proxies in the path run in their own pods: a policy that kills ztunnel or the
  // waypoint's envoy (on exec, connect or accept) blocks A→B as surely as one on A or B.
  const hbone = src.ambient && dst.ambient ? [HBONE_PORT] : []
  const proxies: Array<{what: string; pod: PodContext; binary: string}> = []
  if (query.waypoint) proxies.push({what: `waypoint ${query.waypoint.name}`, pod: {namespace: query.waypoint.namespace, labels: query.waypoint.podLabels}, binary: WAYPOINT_ENVOY})
  if (src.ambient || dst.ambient) proxies.push({what: 'ztunnel', pod: {namespace: ZTUNNEL_NAMESPACE, labels: {app: 'ztunnel'}}, binary: ZTUNNEL_BINARY})
  for (const proxy of proxies) {
    for (const activity of ['serve', 'connect'] as const) {
      const v = execThenRun(policies, proxy.pod, proxy.binary, activity, hbone)
      if (v.blocked) {
        pushUnique(denies, `${proxy.what} cannot proxy: ${proxy.binary} ${blockedWording(v)} by ${v.by?.name}`)
        reasons.push(v.reason)
        evidence.push(policyEvidence(v.by, `blocks ${proxy.binary} (${v.action})`))
        break
      }
      if (v.undecided) {
        pushUnique(undecided, `${proxy.what} may not proxy: ${v.reason}`)
        evidence.push(policyEvidence(v.by, `may block ${proxy.binary}`))
      }
    }
  }

  if (ctx.targetReady === false) {
    denies.push(`${dst.name} has no ready pod (crash-looping pods have no endpoints)`)
  }

  // Any other kill: a caveat, since A may call B through that binary.
  for (const g of killsIn(events, src)) {
    if (g.binary === query.clientBinary) continue
    warnings.push(`${describeKill(g, srcName)}; if ${srcName} calls ${dst.name} through it, rerun with --client-binary ${g.binary}`)
    evidence.push(eventEvidence(g, src))
  }
  for (const g of dstKills.filter((k) => !serverBinaries.includes(k.binary))) {
    warnings.push(describeKill(g, dst.name))
    evidence.push(eventEvidence(g, dst))
  }

  for (const e of allEvents) {
    if (e.policy && monitored.has(e.policy) && /sigkill/i.test(e.action ?? '')) {
      pushUnique(warnings, `${e.binary} Sigkill events come from ${e.policy}, which is in policy-mode monitor: nothing was killed`)
    }
  }

  if (denies.length > 0) {
    return layerResult('runtime', 'DENY', denies[0], {reasons: [...denies.slice(1), ...undecided, ...reasons], evidence, warnings})
  }
  if (undecided.length > 0) {
    // A policy may block the binary depending on what the check cannot see: never a PASS.
    return layerResult('runtime', 'UNKNOWN', undecided[0], {reasons: [...undecided.slice(1), ...reasons], evidence, warnings})
  }

  const serverApplied = uniqueRefs(serverVerdicts.flatMap(({v}) => v.applied))
  if (serverBinaries.length > 0 && serverApplied.length > 0) {
    passParts.unshift(`${serverApplied.map((r) => r.name).join(', ')} includes ${serverBinaries.join(', ')}`)
    for (const r of serverApplied) evidence.push(policyEvidence(r, `allows ${serverBinaries.join(', ')}`))
  } else if (serverBinaries.length > 0) {
    passParts.unshift(`no runtime policy restricts ${dst.name}`)
  } else {
    passParts.unshift(`no entrypoint known for ${dst.name}; nothing to check`)
  }
  const summary = passParts.join('; ')
  if (warnings.length > 0) {
    const more = warnings.length > 1 ? ` (+${warnings.length - 1} more)` : ''
    return layerResult('runtime', 'WARN', `${warnings[0]}${more}`, {reasons: [summary, ...reasons], evidence, warnings})
  }
  return layerResult('runtime', 'PASS', summary, {reasons, evidence, warnings})
}

/**
 * The binary must first be exec'ed, then it connects (A's client) or listens and serves
 * (B): a block at either step blocks; an undecided step makes the whole undecided. The
 * PASS wording keeps naming the exec allowlist.
 */
function execThenRun(policies: KubeObject[], pod: PodContext, bin: string, activity: 'connect' | 'serve', ports: number[], addresses?: string[]): ExecVerdict & {phase?: string} {
  const exec = evaluateExec(policies, pod, bin)
  if (exec.blocked) return exec
  const run = evaluateActivity(policies, pod, {activity, process: bin, ports, ...(addresses ? {addresses} : {})})
  const assumptions = [...new Set([...exec.assumptions, ...run.assumptions])]
  if (run.blocked) return {...run, assumptions, phase: activity}
  if (exec.undecided) return {...exec, assumptions}
  if (run.undecided) return {...run, applied: exec.applied, assumptions}
  return {...exec, assumptions}
}

function podOf(w: Workload): PodContext {
  return {namespace: w.namespace, labels: w.podLabels}
}

function blockedWording(v: ExecVerdict & {phase?: string}): string {
  if (v.phase) return v.killed ? `would be killed when it ${v.phase === 'connect' ? 'connects' : 'serves'}` : `would have its ${v.phase === 'connect' ? 'connect' : 'socket calls'} fail (Override)`
  return v.killed ? 'would be killed' : 'would fail to execute (Override)'
}

function includesSummary(v: ExecVerdict, binary: string, workload: string): string {
  return v.applied.length > 0 ? `${v.applied.map((r) => r.name).join(', ')} includes ${binary}` : `no runtime policy restricts ${workload}`
}

function policyEvidence(ref: ObjectRef | undefined, detail: string): Evidence {
  return {kind: ref?.kind ?? 'TracingPolicy', namespace: ref?.namespace, name: ref?.name ?? 'unknown', detail, source: 'policy'}
}

function eventEvidence(g: KillGroup, w: Workload): Evidence {
  return {
    kind: 'TetragonEvent',
    namespace: w.namespace,
    name: g.pods[0] ?? w.name,
    detail: `${g.binary} SIGKILL${g.policy ? ` by ${g.policy}` : ''}`,
    time: g.time,
    count: g.count,
    source: 'tetragon',
  }
}

function uniqueRefs(refs: ObjectRef[]): ObjectRef[] {
  const seen = new Set<string>()
  return refs.filter((r) => {
    const k = `${r.kind}/${r.namespace ?? ''}/${r.name}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

function pushUnique(list: string[], s: string): void {
  if (!list.includes(s)) list.push(s)
}
