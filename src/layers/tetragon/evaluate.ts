// Exec evaluator (LATTICE-SPEC §7, §9.2 step 8): would Tetragon kill or fail an exec of
// `binary` in a pod, under these policies? Works on plain objects, compiled or live.
//
// Semantics applied:
// - TracingPolicy applies cluster-wide; TracingPolicyNamespaced only in its own namespace.
// - podSelector absent = every pod; containerSelector (field `name`) when the container is
//   known, otherwise assumed to select it (recorded in `assumptions`).
// - Selectors of a hook are tried in order and the FIRST matching one supplies the actions
//   (Tetragon's BPF stops at the first passing selector); filters within a selector AND.
// - Sigkill (or Signal/NotifyEnforcer with signal 9) kills; Override (or NotifyEnforcer with
//   an error) makes the exec fail: both block. Post/NoPost and the rest only observe.
// - matchBinaries filters the process performing the exec. When the caller is unknown it is
//   assumed to be none of the listed binaries (In fails, NotIn passes).
// - Filters the evaluator cannot know (other arguments, PIDs, kernel namespaces,
//   capabilities, parent binaries) are assumed to pass: a possible kill is reported, with
//   the assumption, rather than hidden.

import {describeRef, refOf, type KubeObject, type ObjectRef} from '../../core/kube.js'
import {TRACING_POLICY, TRACING_POLICY_NAMESPACED} from './constants.js'
import {execHooksOf, filteredPositions, type ExecHook, type Selector} from './exec-hooks.js'
import {matchPath, type Tri} from './operators.js'
import {matchesLabelSelector, type LabelSelector} from './selectors.js'

export interface PodContext {
  namespace: string
  labels: Record<string, string>
  container?: string
}

export interface ExecOptions {
  /** Binary of the process performing the exec (for matchBinaries), when known. */
  caller?: string
}

export type BlockAction = 'Sigkill' | 'Override'

export interface ExecVerdict {
  killed: boolean
  blocked: boolean
  action?: BlockAction
  by?: ObjectRef
  kprobeIndex?: number
  selectorIndex?: number
  reason: string
  /** Policies with an exec hook that select the pod (whether or not they fired), in order. */
  applied: ObjectRef[]
  /** Assumptions the verdict rests on (unknown caller, filters the evaluator cannot see). */
  assumptions: string[]
}

interface Hit {
  action: BlockAction
  by: ObjectRef
  hook: ExecHook
  selectorIndex: number
  why: string
}

export function evaluateExec(policies: KubeObject[], pod: PodContext, binary: string, opts: ExecOptions = {}): ExecVerdict {
  const applied: ObjectRef[] = []
  const assumptions: string[] = []
  const hits: Hit[] = []
  for (const policy of policies) {
    if (!appliesToPod(policy, pod, assumptions)) continue
    const hooks = execHooksOf(policy.spec)
    if (hooks.length === 0) continue
    const ref = refOf(policy)
    applied.push(ref)
    for (const hook of hooks) {
      const hit = evaluateHook(hook, binary, opts, ref, assumptions)
      if (hit) hits.push(hit)
    }
  }
  // A Sigkill anywhere wins over an Override elsewhere: the process dies either way.
  const hit = hits.find((h) => h.action === 'Sigkill') ?? hits[0]
  if (!hit) {
    const reason = applied.length === 0
      ? `no runtime policy with an exec hook selects the pod`
      : `${binary} is allowed by ${applied.map((r) => r.name).join(', ')}`
    return {killed: false, blocked: false, reason, applied, assumptions}
  }
  const killed = hit.action === 'Sigkill'
  return {
    killed,
    blocked: true,
    action: hit.action,
    by: hit.by,
    kprobeIndex: hit.hook.index,
    selectorIndex: hit.selectorIndex,
    reason: `${describeRef(hit.by)} ${hit.hook.section === 'kprobes' ? 'kprobe' : 'lsmhook'} #${hit.hook.index} (${hit.hook.call}) selector #${hit.selectorIndex}: ${hit.why} → ${killed ? 'Sigkill' : 'Override (exec fails)'}`,
    applied,
    assumptions,
  }
}

/** Scope and selectors of a policy object against one pod (non-Tetragon kinds never apply). */
export function appliesToPod(policy: KubeObject, pod: PodContext, assumptions: string[] = []): boolean {
  if (policy.kind === TRACING_POLICY_NAMESPACED) {
    // A namespaced object read from a file without a namespace lands in `default`.
    if ((policy.metadata.namespace ?? 'default') !== pod.namespace) return false
  } else if (policy.kind !== TRACING_POLICY) {
    return false
  }
  const podSelector = policy.spec?.podSelector as LabelSelector | undefined
  if (podSelector && !matchesLabelSelector(podSelector, pod.labels)) return false
  const containerSelector = policy.spec?.containerSelector as LabelSelector | undefined
  if (containerSelector) {
    if (pod.container === undefined) note(assumptions, `${policy.metadata.name}: containerSelector assumed to select the container (container unknown)`)
    else if (!matchesLabelSelector(containerSelector, {name: pod.container})) return false
  }
  return true
}

function evaluateHook(hook: ExecHook, binary: string, opts: ExecOptions, ref: ObjectRef, assumptions: string[]): Hit | undefined {
  // A filter on an argument the hook does not read makes Tetragon refuse the whole policy.
  for (const s of hook.selectors) {
    for (const m of s.matchArgs ?? []) {
      if (filteredPositions(m, hook.args).length === 0) {
        note(assumptions, `${ref.name}: ${hook.call} filters an argument it does not read; Tetragon refuses the policy, so it is ignored`)
        return undefined
      }
    }
  }
  for (let i = 0; i < hook.selectors.length; i++) {
    const local: string[] = []
    const r = evaluateSelector(hook.selectors[i], hook, binary, opts, ref, local)
    if (r.matched === false) continue
    for (const a of local) note(assumptions, a)
    const action = blockingAction(hook.selectors[i])
    if (!action) return undefined // first match decides: an observing selector shields later ones
    return {action, by: ref, hook, selectorIndex: i, why: r.why}
  }
  return undefined
}

function evaluateSelector(
  sel: Selector, hook: ExecHook, binary: string, opts: ExecOptions, ref: ObjectRef, assumptions: string[],
): {matched: boolean; why: string} {
  const why: string[] = []
  for (const m of sel.matchArgs ?? []) {
    const positions = filteredPositions(m, hook.args)
    const onBinary = positions.some((p) => hook.binaryPositions.includes(p))
    const values = m.values ?? []
    const r: Tri = onBinary ? matchPath(String(m.operator), values, binary) : 'unknown'
    if (r === false) return {matched: false, why: ''}
    if (r === 'unknown') assumptions.push(`${ref.name}: matchArgs ${m.operator} on argument ${positions.join(',')} assumed to match`)
    else why.push(`${binary} ${describeOp(String(m.operator), values)}`)
  }
  for (const mb of sel.matchBinaries ?? []) {
    const op = String(mb.operator)
    const values = mb.values ?? []
    if (opts.caller !== undefined) {
      const r = matchPath(op, values, opts.caller)
      if (r === false) return {matched: false, why: ''}
      why.push(`caller ${opts.caller} ${describeOp(op, values)}`)
    } else {
      // Unknown caller: assumed to be none of the listed binaries.
      if (!op.startsWith('Not')) return {matched: false, why: ''}
      assumptions.push(`${ref.name}: caller unknown, assumed not in matchBinaries ${op} [${values.join(', ')}]`)
    }
  }
  for (const key of Object.keys(sel)) {
    if (key === 'matchArgs' || key === 'matchBinaries' || key === 'matchActions' || key === 'matchReturnActions') continue
    const v = sel[key]
    if (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null) {
      assumptions.push(`${ref.name}: ${key} cannot be evaluated offline, assumed to match`)
    }
  }
  return {matched: true, why: why.length > 0 ? why.join(' and ') : 'matches every exec'}
}

function blockingAction(sel: Selector): BlockAction | undefined {
  let override = false
  for (const a of sel.matchActions ?? []) {
    const action = String(a.action ?? '').toLowerCase()
    if (action === 'sigkill') return 'Sigkill'
    if ((action === 'signal' || action === 'notifyenforcer') && a.argSig === 9) return 'Sigkill'
    if (action === 'override' || (action === 'notifyenforcer' && a.argError !== undefined && a.argError !== 0)) override = true
  }
  return override ? 'Override' : undefined
}

function describeOp(op: string, values: string[]): string {
  const list = `[${values.join(', ')}]`
  switch (op) {
    case 'NotEqual':
    case 'NotIn':
      return `is not in ${list}`
    case 'Equal':
    case 'In':
      return `is in ${list}`
    default:
      return `${op} ${list}`
  }
}

function note(list: string[], s: string): void {
  if (!list.includes(s)) list.push(s)
}
