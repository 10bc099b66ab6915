// Runtime evaluator (LATTICE-SPEC §7, §9.2 step 8): would Tetragon kill or fail a process of
// a pod — the exec of `binary`, or `binary` connecting to B / serving — under these
// policies? Works on plain objects, compiled or live. Three outcomes: blocked, allowed, or
// undecided (the verdict depends on something the check cannot see: it is never a PASS).
//
// Semantics applied (upstream cilium/tetragon):
// - TracingPolicy applies cluster-wide; TracingPolicyNamespaced only in its own namespace.
//   podSelector/containerSelector/hostSelector as pkg/sensors/k8s.go and
//   pkg/policyfilter/state.go combine them: all absent = every process; a hostSelector with
//   neither pod- nor containerSelector = host processes only; the pod's labels carry
//   `k8s:io.kubernetes.pod.namespace`; containerSelector keys are `name` and `repo`.
// - spec.options `policy-mode: monitor` elides every enforcement action (bpf/process/
//   generic_calls.h do_actions: enforce_mode=false); any other value than enforce/monitor
//   makes Tetragon refuse the policy (pkg/policyconf ParseMode).
// - Selectors of a hook are tried in order and the FIRST matching one supplies the actions
//   (generic_calls.h filter_args/generic_actions); filters within a selector AND.
// - Sigkill (or Signal/NotifyEnforcer with signal 9) kills; Override (or NotifyEnforcer with
//   an error) makes the call fail: both block. Post/NoPost and the rest only observe.
// - matchBinaries filters the process in which the hook fires: for an exec that is the
//   caller (unknown unless given), for a connect the client binary, for serving B's binary.

import {describeRef, refOf, type KubeObject, type ObjectRef} from '../../core/kube.js'
import {TRACING_POLICY, TRACING_POLICY_NAMESPACED} from './constants.js'
import {filteredPositions} from './exec-hooks.js'
import {evaluateSelector, selectorAct, type ProcessContext, type SelectorAct} from './filters.js'
import {hooksOf, type Hook, type HookClass} from './hooks.js'
import {matchesLabelSelector, selectorProblem, type LabelSelector} from './selectors.js'

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
  /** True when no policy surely blocks but one may: the verdict is UNKNOWN, never a pass. */
  undecided: boolean
  action?: BlockAction
  by?: ObjectRef
  kprobeIndex?: number
  selectorIndex?: number
  reason: string
  /** Policies with a hook relevant to the activity that select the pod, in order. */
  applied: ObjectRef[]
  /** Assumptions the verdict rests on, and why it is undecided. */
  assumptions: string[]
}

/** What the process does: exec of `target`, or `process` connecting to / serving on `ports`. */
export type Activity = ProcessContext

type Outcome =
  | {kind: 'block'; action: BlockAction; selectorIndex: number; why: string}
  | {kind: 'allow'}
  | {kind: 'unknown'; selectorIndex: number; why: string}

interface Hit {
  outcome: Exclude<Outcome, {kind: 'allow'}>
  by: ObjectRef
  hook: Hook
}

const POD_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace'
const SPEC_FIELDS = new Set([
  'kprobes', 'tracepoints', 'loader', 'uprobes', 'lsmhooks', 'usdts', 'fentries', 'podSelector', 'containerSelector', 'hostSelector',
  'nodeSelector', 'lists', 'enforcers', 'options', 'selectorsMacros',
])

export function evaluateExec(policies: KubeObject[], pod: PodContext, binary: string, opts: ExecOptions = {}): ExecVerdict {
  return evaluateActivity(policies, pod, {activity: 'exec', target: binary, process: opts.caller})
}

/** The process running `ctx.process` connects (A's client) or serves (B's entrypoint). */
export function evaluateActivity(policies: KubeObject[], pod: PodContext, ctx: Activity): ExecVerdict {
  const applied: ObjectRef[] = []
  const assumptions: string[] = []
  const hits: Hit[] = []
  const subject = ctx.activity === 'exec' ? ctx.target ?? '?' : ctx.process ?? '?'
  for (const policy of policies) {
    const scope = policyScope(policy, pod, assumptions)
    if (scope === 'no') continue
    const ref = refOf(policy)
    const hooks = hooksOf(policy.spec).filter((h) => relevant(h, ctx))
    if (hooks.length === 0) continue
    applied.push(ref)
    const mode = policyMode(policy)
    for (const hook of hooks) {
      let outcome = hookOutcome(hook, ctx, ref, assumptions)
      if (outcome.kind === 'allow') continue
      if (mode.monitor) {
        note(assumptions, `${ref.name}: policy-mode monitor, its ${outcome.kind === 'block' ? outcome.action : 'enforcement'} is not performed (events still say so)`)
        continue
      }
      if (mode.invalid) outcome = {kind: 'unknown', selectorIndex: outcome.selectorIndex, why: mode.invalid}
      if (scope === 'unknown' && outcome.kind === 'block') outcome = {kind: 'unknown', selectorIndex: outcome.selectorIndex, why: `${outcome.why} (if the policy selects this process)`}
      hits.push({outcome, by: ref, hook})
    }
  }
  // A Sigkill anywhere wins over an Override elsewhere: the process dies either way.
  const sure = hits.filter((h): h is Hit & {outcome: {kind: 'block'}} => h.outcome.kind === 'block')
  const hit = sure.find((h) => h.outcome.action === 'Sigkill') ?? sure[0]
  if (hit) {
    const killed = hit.outcome.action === 'Sigkill'
    return {
      killed,
      blocked: true,
      undecided: false,
      action: hit.outcome.action,
      by: hit.by,
      kprobeIndex: hit.hook.index,
      selectorIndex: hit.outcome.selectorIndex,
      reason: `${describeHook(hit)}: ${hit.outcome.why} → ${killed ? 'Sigkill' : 'Override (the call fails)'}`,
      applied,
      assumptions,
    }
  }
  const maybe = hits[0]
  if (maybe) {
    for (const h of hits.slice(1)) note(assumptions, `${describeHook(h)} may block ${subject}: ${h.outcome.why}`)
    return {
      killed: false,
      blocked: false,
      undecided: true,
      by: maybe.by,
      kprobeIndex: maybe.hook.index,
      selectorIndex: maybe.outcome.selectorIndex,
      reason: `${describeHook(maybe)} may block ${subject}: ${maybe.outcome.why}`,
      applied,
      assumptions,
    }
  }
  const reason = applied.length === 0
    ? `no runtime policy with a ${ctx.activity} hook selects the pod`
    : `${subject} is allowed by ${applied.map((r) => r.name).join(', ')}`
  return {killed: false, blocked: false, undecided: false, reason, applied, assumptions}
}

function describeHook(h: Hit): string {
  const kind = h.hook.section === 'lsmhooks' ? 'lsmhook' : h.hook.section === 'kprobes' ? 'kprobe' : h.hook.section.replace(/s$/, '')
  return `${describeRef(h.by)} ${kind} #${h.hook.index} (${h.hook.call}) selector #${h.outcome.selectorIndex}`
}

/** Hooks that can act on the activity; `other` hooks only when a blocking selector names the binary. */
function relevant(h: Hook, ctx: Activity): boolean {
  const classes: HookClass[] = h.classes
  if (ctx.activity === 'exec') return classes.includes('exec')
  return classes.includes(ctx.activity) || classes.includes('always') || classes.includes('other')
}

function hookOutcome(hook: Hook, ctx: Activity, ref: ObjectRef, assumptions: string[]): Outcome {
  if (hook.invalid.length > 0) return {kind: 'unknown', selectorIndex: 0, why: `${hook.invalid[0]} (Tetragon refuses the policy)`}
  if (ctx.activity !== 'exec' && hook.path !== undefined) {
    // uprobes/usdts fire only inside the binary they are attached to.
    if (hook.path !== ctx.process) return {kind: 'allow'}
  }
  // A filter on an argument the hook does not read makes Tetragon refuse the whole policy.
  for (const s of hook.selectors) {
    for (const m of s.matchArgs ?? []) {
      if (filteredPositions(m, hook.args).length === 0) {
        return {kind: 'unknown', selectorIndex: hook.selectors.indexOf(s), why: `${ref.name}: ${hook.call} filters an argument it does not read; Tetragon refuses the policy, so whether it is enforced is unknown`}
      }
    }
  }
  const direct = ctx.activity === 'exec' || hook.classes.includes(ctx.activity)
  const outcomes = hook.selectors.map((s) => ({m: evaluateSelector(s, hook, ctx), act: selectorAct(s)}))
  // No selector: every call is posted, nothing enforced.
  const decide = (i: number): Outcome => {
    if (i >= outcomes.length) return {kind: 'allow'}
    const {m, act} = outcomes[i]
    if (m.match === false) return decide(i + 1)
    const mine = actOutcome(act, i, m.why, m.notes)
    if (m.match === true) return mine
    const later = decide(i + 1)
    if (mine.kind === 'allow' && later.kind === 'allow') return mine
    // Blocked whether or not this selector matches.
    if (mine.kind === 'block' && later.kind === 'block') return mine.action === later.action ? mine : {...mine, action: 'Override'}
    return {kind: 'unknown', selectorIndex: i, why: [m.notes.join('; '), mine.kind === 'allow' ? `else ${describeOutcome(later)}` : `${describeOutcome(mine)} if it matches`].filter(Boolean).join('; ')}
  }
  const out = decide(0)
  if (out.kind === 'allow' || direct) {
    if (out.kind === 'block') for (const s of outcomes[out.selectorIndex].m.notes) note(assumptions, `${ref.name}: ${s}`)
    return out
  }
  // A hook on something else the process may or may not do (ptrace, mount, a file open):
  // a block counts only when the selector surely matches a call every process makes
  // (`always` hooks), or, as undecided, when it names this very binary.
  const sel = hook.selectors[out.selectorIndex]
  const m = outcomes[out.selectorIndex].m
  if (hook.classes.includes('always') && out.kind === 'block' && m.match === true) return out
  const named = hook.path !== undefined || ((sel?.matchBinaries ?? []).some((b) => ['In', 'Prefix', 'Postfix', 'prefix', 'postfix'].includes(String(b.operator))) && m.why.some((w) => w.startsWith('process ')))
  if (!named) return {kind: 'allow'}
  return {kind: 'unknown', selectorIndex: out.selectorIndex, why: `it ${describeOutcome(out)} when ${ctx.process} calls ${hook.call}`}
}

function actOutcome(act: SelectorAct, i: number, why: string[], notes: string[]): Outcome {
  if (act.kind === 'observe') return {kind: 'allow'}
  if (act.kind === 'unknown') return {kind: 'unknown', selectorIndex: i, why: act.why}
  return {kind: 'block', action: act.action, selectorIndex: i, why: why.length > 0 ? why.join(' and ') : notes.length > 0 ? notes.join('; ') : 'matches every call'}
}

function describeOutcome(o: Outcome): string {
  return o.kind === 'block' ? `blocks (${o.action})` : o.kind === 'allow' ? 'allows' : 'may block'
}

/** spec.options policy-mode (upstream pkg/sensors/tracing/options.go, pkg/policyconf). */
export function policyMode(policy: KubeObject): {monitor: boolean; invalid?: string} {
  const options = Array.isArray(policy.spec?.options) ? (policy.spec.options as Array<{name?: unknown; value?: unknown}>) : []
  let monitor = false
  let invalid: string | undefined
  for (const o of options) {
    const bad = optionProblem(o)
    if (bad) invalid ??= `${policy.metadata.name}: ${bad}; Tetragon refuses the policy`
    if (o?.name !== 'policy-mode') continue
    if (o.value === 'monitor') monitor = true
    else if (o.value === 'enforce') monitor = false
    else invalid = `${policy.metadata.name}: policy-mode '${String(o.value)}' is not enforce or monitor; Tetragon refuses the policy`
  }
  return invalid ? {monitor: false, invalid} : {monitor}
}

/** Values getSpecOptions rejects for the other known options (unknown names are ignored upstream). */
function optionProblem(o: {name?: unknown; value?: unknown}): string | undefined {
  const value = String(o?.value ?? '')
  switch (o?.name) {
    case 'disable-kprobe-multi':
    case 'disable-uprobe-multi':
      return /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(value) ? undefined : `option ${String(o.name)} '${value}' is not a boolean`
    case 'sleepable-preload-size':
      return /^\+?\d+$/.test(value) && Number(value) > 0 ? undefined : `sleepable-preload-size '${value}' is not a positive integer`
    case 'override-method':
      return value === 'fmod-ret' || value === 'override-return' ? undefined : `invalid override method '${value}'`
    default:
      return undefined
  }
}

/** Scope and selectors of a policy object against one pod (non-Tetragon kinds never apply). */
export function appliesToPod(policy: KubeObject, pod: PodContext, assumptions: string[] = []): boolean {
  return policyScope(policy, pod, assumptions) !== 'no'
}

function policyScope(policy: KubeObject, pod: PodContext, assumptions: string[]): 'yes' | 'no' | 'unknown' {
  const namespaced = policy.kind === TRACING_POLICY_NAMESPACED
  if (namespaced) {
    // A namespaced object read from a file without a namespace lands in `default`.
    if ((policy.metadata.namespace ?? 'default') !== pod.namespace) return 'no'
  } else if (policy.kind !== TRACING_POLICY) {
    return 'no'
  }
  const spec = (policy.spec ?? {}) as Record<string, unknown>
  const name = policy.metadata.name
  let scope: 'yes' | 'unknown' = 'yes'
  const unsure = (why: string) => {
    note(assumptions, `${name}: ${why}`)
    scope = 'unknown'
  }
  for (const k of Object.keys(spec)) if (!SPEC_FIELDS.has(k)) unsure(`spec.${k} is not a TracingPolicy field`)
  const podSelector = nullable(spec.podSelector)
  const containerSelector = nullable(spec.containerSelector)
  const hostSelector = nullable(spec.hostSelector)
  if (hostSelector !== undefined && (namespaced || Object.keys(hostSelector.matchLabels ?? {}).length + (hostSelector.matchExpressions ?? []).length > 0)) {
    unsure('hostSelector is only null or {} on a cluster-wide policy; Tetragon refuses the policy')
  }
  // pkg/sensors/k8s.go: hostSelector alone (no pod/container selector) selects host processes only.
  if (hostSelector !== undefined && podSelector === undefined && containerSelector === undefined && !namespaced) return 'no'
  if (podSelector) {
    const problem = selectorProblem(podSelector)
    if (problem) unsure(`podSelector: ${problem}; Tetragon refuses the policy`)
    else if (!matchesLabelSelector(podSelector, {[POD_NAMESPACE_LABEL]: pod.namespace, ...pod.labels})) return 'no'
  }
  if (containerSelector) {
    const problem = selectorProblem(containerSelector)
    const keys = [...Object.keys(containerSelector.matchLabels ?? {}), ...(containerSelector.matchExpressions ?? []).map((e) => e.key)]
    if (problem) unsure(`containerSelector: ${problem}; Tetragon refuses the policy`)
    else if (keys.length === 0) { /* {} selects every container */ }
    else if (pod.container === undefined || keys.some((k) => k !== 'name')) unsure(`containerSelector on ${[...new Set(keys)].join(', ')}: which container runs the binary is not known`)
    else if (!matchesLabelSelector(containerSelector, {name: pod.container})) return 'no'
  }
  const nodeSelector = nullable(spec.nodeSelector)
  if (nodeSelector && Object.keys(nodeSelector.matchLabels ?? {}).length + (nodeSelector.matchExpressions ?? []).length > 0) {
    unsure('nodeSelector: the policy is loaded only on some nodes and the pod\'s node is not known')
  }
  return scope
}

function nullable(v: unknown): LabelSelector | undefined {
  return v && typeof v === 'object' ? (v as LabelSelector) : undefined
}

function note(list: string[], s: string): void {
  if (!list.includes(s)) list.push(s)
}
