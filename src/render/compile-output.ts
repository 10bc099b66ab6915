// `platform compile` output: every derived resource as multi-document YAML grouped by
// layer, with a comment header per service, or a JSON `v1 List` of the same objects — both
// forms kubectl reads (`| kubectl apply -f -`). Both are produced as a sequence of text
// pieces, one object at a time, and written in ~64 KiB chunks with backpressure
// (`writeCompileOutput`): the whole text (119 M characters at 10,000 services) is never
// held, nor its Buffer copy. Admission and Cedar results are comments in YAML; asked for
// explicitly (`--layer admission|cedar -o json`) they are `platform.lattice.dev/v1alpha1`
// ValidationReport / CedarDecisions items (schema/compile-reports.schema.json).

import jsyaml from 'js-yaml'
import type {KubeObject} from '../core/kube.js'
import {names} from '../core/names.js'
import type {CompiledFleet, MemberOutcome} from '../pipeline/fleet.js'

export type OutputGroup = 'admission' | 'cedar' | 'mesh' | 'l4' | 'l7' | 'runtime' | 'baseline'
export const OUTPUT_GROUPS: OutputGroup[] = ['admission', 'cedar', 'mesh', 'l4', 'l7', 'runtime', 'baseline']

const TITLES: Record<OutputGroup, string> = {
  admission: 'Admission', cedar: 'Cedar', mesh: 'Mesh intent (LatticeMeshMember)', l4: 'L4 (Cilium)',
  l7: 'L7 (Istio ambient)', runtime: 'Runtime (Tetragon)', baseline: 'Cluster baseline',
}

export interface Section {
  group: OutputGroup
  /** `ns/name` of the owning service, or a namespace-/cluster-wide label. */
  owner: string
  objects: KubeObject[]
  /** Comment lines (admission and Cedar results have no objects). */
  notes: string[]
  /** The member whose admission or Cedar result an `admission`/`cedar` section shows. */
  outcome?: MemberOutcome
}

/** Attributes each object to the service it was derived for, by its deterministic name. */
export function sections(fleet: CompiledFleet, groups: Set<OutputGroup>): Section[] {
  const owners = ownerIndex(fleet)
  const out: Section[] = []
  if (groups.has('admission')) {
    for (const o of fleet.outcomes.values()) {
      const notes = o.admission.errors.length === 0 ? ['spec valid'] : o.admission.errors.map((e) => `FAIL ${e.path}: ${e.message}`)
      out.push({group: 'admission', owner: o.key, objects: [], notes: [...notes, ...o.admission.warnings.map((w) => `warning ${w.path}: ${w.message}`)], outcome: o})
    }
  }
  if (groups.has('cedar')) {
    for (const o of fleet.outcomes.values()) {
      if (!o.cedar) continue
      const notes = o.cedar.decisions.map((d) => `${d.allowed ? 'permit' : 'DENY  '} ${d.gate} ${d.resource}${d.allowed ? '' : `: ${d.reason}`}${d.policies.length ? ` [${d.policies.join(', ')}]` : ''}`)
      out.push({group: 'cedar', owner: o.key, objects: [], notes: notes.length ? [...notes, ...o.cedar.warnings.map((w) => `warning: ${w}`)] : ['no gated requests'], outcome: o})
    }
  }
  for (const group of ['mesh', 'l4', 'l7', 'runtime'] as const) {
    if (!groups.has(group)) continue
    const byOwner = new Map<string, KubeObject[]>()
    for (const obj of fleet.resources[group]) {
      const owner = owners.get(`${obj.kind}|${obj.metadata.namespace ?? ''}|${obj.metadata.name}`) ?? (obj.metadata.namespace ? `namespace ${obj.metadata.namespace}` : 'cluster')
      const list = byOwner.get(owner)
      if (list) list.push(obj)
      else byOwner.set(owner, [obj])
    }
    for (const [owner, objects] of byOwner) out.push({group, owner, objects, notes: []})
  }
  if (groups.has('baseline')) {
    out.push({group: 'baseline', owner: 'cluster', objects: [...fleet.baseline.l4, ...fleet.baseline.l7, ...fleet.baseline.runtime], notes: []})
  }
  return out
}

function ownerIndex(fleet: CompiledFleet): Map<string, string> {
  const idx = new Map<string, string>()
  const put = (kind: string, ns: string, name: string, owner: string) => idx.set(`${kind}|${ns}|${name}`, owner)
  for (const node of fleet.graph.nodes.values()) {
    const {namespace: ns, name, key} = node
    put('LatticeMeshMember', ns, name, key)
    put('CiliumNetworkPolicy', ns, names.cnp(ns, name), key)
    for (const n of [names.allowTo(ns, name), names.allowWaypointTo(ns, name), names.allowPlaintext(ns, name)]) put('AuthorizationPolicy', ns, n, key)
    put('PeerAuthentication', ns, names.permissive(ns, name), key)
    for (const e of node.egress) {
      const host = e.target.fqdn ?? e.target.cidr?.replace(/\/\d+$/, '')
      if (host) put('AuthorizationPolicy', ns, names.allowFqdn(ns, name, host), key)
    }
    for (const prefix of ['allow-binaries', 'block-rootfs-write', 'block-setuid', 'block-capset']) put('TracingPolicyNamespaced', ns, `${prefix}-${name}`, key)
  }
  return idx
}

export function renderYaml(list: Section[]): string {
  return [...yamlPieces(list)].join('')
}

/** The YAML text piece by piece: one comment block or one document at a time. */
export function* yamlPieces(list: Section[]): Generator<string> {
  let lastGroup: OutputGroup | undefined
  let first = true
  const sep = () => {
    const s = first ? '' : '\n---\n'
    first = false
    return s
  }
  for (const s of list) {
    const header: string[] = []
    if (s.group !== lastGroup) header.push(`# ===== ${TITLES[s.group]} =====`)
    lastGroup = s.group
    header.push(`# --- ${s.owner} ---`)
    if (s.objects.length === 0) {
      yield sep() + [...header, ...s.notes.map((n) => `# ${n}`)].join('\n')
      continue
    }
    for (let i = 0; i < s.objects.length; i++) yield sep() + (i === 0 ? header.join('\n') + '\n' : '') + toYaml(s.objects[i])
  }
  yield '\n'
}

/**
 * Compiled objects are plain JSON data (strings, numbers, booleans, arrays, maps), which
 * js-yaml writes ~3.5x faster than \`yaml\` (seconds on a large fleet); the text reads back
 * to the same values with either reader (test/render/compile-yaml.test.ts).
 */
function toYaml(obj: KubeObject): string {
  return jsyaml.dump(obj, {lineWidth: -1, noRefs: true}).trimEnd()
}

export interface JsonOptions {
  /** Emit admission/Cedar sections as ValidationReport / CedarDecisions items. */
  reports?: boolean
}

export function renderJsonList(list: Section[], opts: JsonOptions = {}): string {
  return [...jsonListPieces(list, opts)].join('')
}

/**
 * `{"apiVersion": "v1", "kind": "List", "items": [...]}` exactly as
 * `JSON.stringify(list, null, 2)` writes it, one item at a time (JSON strings hold no raw
 * newline, so indenting an item's own text by four spaces is the nested layout).
 */
export function* jsonListPieces(list: Section[], opts: JsonOptions = {}): Generator<string> {
  let count = 0
  for (const s of list) {
    const items = opts.reports && s.outcome ? [reportDocument(s)].filter((d) => d !== undefined) : s.objects
    for (const obj of items) {
      yield (count++ === 0 ? '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n    ' : ',\n    ') + JSON.stringify(obj, null, 2).replace(/\n/g, '\n    ')
    }
  }
  yield count === 0 ? '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": []\n}\n' : '\n  ]\n}\n'
}

export const REPORT_API_VERSION = 'platform.lattice.dev/v1alpha1'

/** The admission or Cedar result of one member as a document (schema/compile-reports.schema.json). */
export function reportDocument(s: Section): KubeObject | undefined {
  const o = s.outcome
  if (!o) return undefined
  const slash = o.key.indexOf('/')
  const metadata = {name: o.key.slice(slash + 1), namespace: o.key.slice(0, slash)}
  const subject = {kind: o.kind, ...metadata}
  if (s.group === 'admission') {
    const issue = (i: {rule: string; path: string; message: string; file: string}) => ({rule: i.rule, path: i.path, message: i.message, file: i.file})
    return {apiVersion: REPORT_API_VERSION, kind: 'ValidationReport', metadata, subject, status: {admitted: o.admission.errors.length === 0, errors: o.admission.errors.map(issue), warnings: o.admission.warnings.map(issue)}} as unknown as KubeObject
  }
  if (s.group === 'cedar' && o.cedar) {
    const c = o.cedar
    const decisions = c.decisions.map((d) => ({gate: d.gate, resource: d.resource, item: d.item, ...(d.container !== undefined ? {container: d.container} : {}), allowed: d.allowed, enforced: d.enforced, reason: d.reason, policies: d.policies}))
    const status = {permitted: c.permitted, ...(c.firstFailingGate ? {firstFailingGate: c.firstFailingGate, failureMessage: c.failureMessage} : {}), decisions, warnings: c.warnings}
    return {apiVersion: REPORT_API_VERSION, kind: 'CedarDecisions', metadata, subject, status} as unknown as KubeObject
  }
  return undefined
}

/** Where compile output goes: a Node writable (process.stdout) or a function (tests). */
export type OutputSink = NodeJS.WritableStream | ((chunk: string) => void)

const CHUNK_CHARS = 64 * 1024

/** Writes the pieces in ~64 KiB chunks, waiting for `drain` whenever the stream asks to. */
export async function writePieces(pieces: Iterable<string>, sink: OutputSink): Promise<void> {
  const write = async (chunk: string) => {
    if (typeof sink === 'function') return sink(chunk)
    if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', () => resolve()))
  }
  let buffer: string[] = []
  let size = 0
  for (const piece of pieces) {
    buffer.push(piece)
    size += piece.length
    if (size >= CHUNK_CHARS) {
      await write(buffer.join(''))
      buffer = []
      size = 0
    }
  }
  if (size > 0) await write(buffer.join(''))
}

export function writeCompileOutput(list: Section[], format: 'yaml' | 'json', sink: OutputSink, opts: JsonOptions = {}): Promise<void> {
  return writePieces(format === 'json' ? jsonListPieces(list, opts) : yamlPieces(list), sink)
}
