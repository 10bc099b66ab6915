// Canonical form of Tetragon policies for drift (LATTICE-SPEC §9.2 step 9): equal strings
// mean the same enforcement. Name-insensitive; allowlists compared as sets; `file` and
// `linux_binprm` bprm arguments are equivalent (D10); hooks other than the exec hook are
// compared by hook name and actions only (§7.1, §7.2: their argument filters are
// implementation detail). Selectors keep their order (the first match decides).

import type {KubeObject} from '../../core/kube.js'
import {TETRAGON_KINDS, TRACING_POLICY_NAMESPACED} from './constants.js'
import {execHooksOf, type ArgSpec, type ExecHook, type Selector} from './exec-hooks.js'
import type {LabelSelector} from './selectors.js'

export {TETRAGON_KINDS}

const NORMALIZED_SECTIONS = new Set(['podSelector', 'containerSelector', 'kprobes', 'lsmhooks'])

export function canonicalTetragon(obj: KubeObject): string | undefined {
  if (!TETRAGON_KINDS.includes(obj.kind)) return undefined
  const spec = (obj.spec ?? {}) as Record<string, unknown>
  const exec = execHooksOf(spec)
  const execKeys = new Set(exec.map((h) => `${h.section}:${h.index}`))
  const hooks: string[] = exec.map(canonicalExecHook)
  for (const section of ['kprobes', 'lsmhooks'] as const) {
    const list = Array.isArray(spec[section]) ? (spec[section] as Array<Record<string, unknown>>) : []
    list.forEach((h, i) => {
      if (execKeys.has(`${section}:${i}`)) return
      const name = String(section === 'kprobes' ? h.call : h.hook)
      hooks.push(stable({hook: `${section}:${name}`, actions: actionSet(h.selectors)}))
    })
  }
  const rest: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(spec)) {
    if (!NORMALIZED_SECTIONS.has(k) && !isEmpty(v)) rest[k] = v
  }
  return stable({
    kind: obj.kind,
    namespace: obj.kind === TRACING_POLICY_NAMESPACED ? obj.metadata.namespace ?? 'default' : undefined,
    podSelector: canonicalSelector(spec.podSelector as LabelSelector | undefined),
    containerSelector: canonicalSelector(spec.containerSelector as LabelSelector | undefined),
    hooks: hooks.sort(),
    rest,
  })
}

function canonicalExecHook(h: ExecHook): string {
  const args = h.args.map((a: ArgSpec) => ({
    index: a.index ?? 0,
    type: a.type === 'linux_binprm' || a.type === 'file' ? 'binprm' : a.type,
    resolve: a.resolve,
  }))
  return stable({hook: `${h.section}:${h.call}`, args, selectors: h.selectors.map(canonicalSelectorEntry)})
}

function canonicalSelectorEntry(s: Selector): unknown {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(s)) {
    if (isEmpty(v)) continue
    if (k === 'matchArgs' || k === 'matchBinaries' || k === 'matchParentBinaries') {
      out[k] = (v as Array<Record<string, unknown>>)
        .map((m) => stable({...m, index: k === 'matchArgs' && !m.args ? (m.index ?? 0) : m.index, values: uniqueSorted(m.values)}))
        .sort()
    } else if (k === 'matchActions') {
      out[k] = (v as Array<Record<string, unknown>>).map((a) => stable({...a, action: String(a.action).toLowerCase()})).sort()
    } else {
      out[k] = v
    }
  }
  return out
}

function actionSet(selectors: unknown): string[] {
  const set = new Set<string>()
  if (Array.isArray(selectors)) {
    for (const s of selectors as Selector[]) for (const a of s.matchActions ?? []) set.add(String(a.action).toLowerCase())
  }
  return [...set].sort()
}

function canonicalSelector(sel: LabelSelector | undefined): unknown {
  if (!sel) return null
  // matchLabels {k: v} is the expression {k In [v]}: compare the requirement set.
  const reqs = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => stable({key, operator: 'In', values: [v]}))
  for (const e of sel.matchExpressions ?? []) reqs.push(stable({key: e.key, operator: e.operator, values: uniqueSorted(e.values)}))
  return [...new Set(reqs)].sort()
}

function uniqueSorted(values: unknown): string[] {
  return Array.isArray(values) ? [...new Set(values.map(String))].sort() : []
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0)
}

/** JSON with object keys sorted at every level and undefined members dropped. */
export function stable(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const sorted: Record<string, unknown> = {}
      for (const key of Object.keys(value as Record<string, unknown>).sort()) sorted[key] = (value as Record<string, unknown>)[key]
      return sorted
    }
    return value
  })
}
