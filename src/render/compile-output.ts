// `platform compile` output: every derived resource as multi-document YAML grouped by
// layer, with a comment header per service, or a JSON `v1 List` of the same objects — both
// forms kubectl reads (`| kubectl apply -f -`). Both are produced as a sequence of text
// pieces, one object at a time, and written in ~64 KiB chunks with backpressure
// (`writeCompileOutput`): the whole text (119 M characters at 10,000 services) is never
// held, nor its Buffer copy. Admission and Cedar results are comments in YAML; asked for
// explicitly (`--layer admission|cedar -o json`) they are `platform.lattice.dev/v1alpha1`
// ValidationReport / CedarDecisions items (schema/compile-reports.schema.json).

import {writeSync} from 'node:fs'
import jsyaml from 'js-yaml'
import type {KubeObject} from '../core/kube.js'
import {names} from '../core/names.js'
import type {CompiledFleet, MemberOutcome, OwnedObjects, ResourceLayer} from '../pipeline/fleet.js'

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

/** What the sections are made from: a compiled fleet, or a streamed one (resources produced as read). */
export type FleetOutput = Pick<CompiledFleet, 'graph' | 'outcomes' | 'baseline'> & {
  resources: Record<ResourceLayer, Iterable<KubeObject>>
  /** Layers whose objects come already grouped by owner (a streamed fleet): no name index needed. */
  owned?: Partial<Record<ResourceLayer, Iterable<OwnedObjects>>>
}

/** Attributes each object to the service it was derived for, by its deterministic name. */
export function sections(fleet: FleetOutput, groups: Set<OutputGroup>): Section[] {
  return [...sectionStream(fleet, groups)]
}

/**
 * The layers whose compilers produce each owner's objects together (one CNP, one mesh
 * member, a service's Tetragon policies in a row): their sections are handed on as each
 * owner ends, so a streamed fleet's objects are written and dropped one service at a time.
 * The others are grouped whole, in order of each owner's first object.
 */
const CONTIGUOUS_OWNERS: ReadonlySet<OutputGroup> = new Set(['mesh', 'l4', 'runtime'])

/** `sections` one section at a time, reading each layer's objects only as far as needed. */
export function* sectionStream(fleet: FleetOutput, groups: Set<OutputGroup>): Generator<Section> {
  if (groups.has('admission')) {
    for (const o of fleet.outcomes.values()) {
      const notes = o.admission.errors.length === 0 ? ['spec valid'] : o.admission.errors.map((e) => `FAIL ${e.path}: ${e.message}`)
      yield {group: 'admission', owner: o.key, objects: [], notes: [...notes, ...o.admission.warnings.map((w) => `warning ${w.path}: ${w.message}`)], outcome: o}
    }
  }
  if (groups.has('cedar')) {
    for (const o of fleet.outcomes.values()) {
      if (!o.cedar) continue
      const notes = o.cedar.decisions.map((d) => `${d.allowed ? 'permit' : 'DENY  '} ${d.gate} ${d.resource}${d.allowed ? '' : `: ${d.reason}`}${d.policies.length ? ` [${d.policies.join(', ')}]` : ''}`)
      yield {group: 'cedar', owner: o.key, objects: [], notes: notes.length ? [...notes, ...o.cedar.warnings.map((w) => `warning: ${w}`)] : ['no gated requests'], outcome: o}
    }
  }
  const layers = (['mesh', 'l4', 'l7', 'runtime'] as const).filter((g) => groups.has(g))
  const byName = new Set(layers.filter((g) => !fleet.owned?.[g]))
  const owners = byName.size > 0 ? ownerIndex(fleet, byName) : new Map<string, string>()
  const ownerOf = (obj: KubeObject) => owners.get(`${obj.kind}|${obj.metadata.namespace ?? ''}|${obj.metadata.name}`) ?? (obj.metadata.namespace ? `namespace ${obj.metadata.namespace}` : 'cluster')
  for (const group of layers) {
    const owned = fleet.owned?.[group]
    if (owned) for (const g of owned) yield {group, owner: g.owner, objects: g.objects, notes: []}
    else yield* CONTIGUOUS_OWNERS.has(group) ? ownerRuns(group, fleet.resources[group], ownerOf) : ownerGroups(group, fleet.resources[group], ownerOf)
  }
  if (groups.has('baseline')) {
    yield {group: 'baseline', owner: 'cluster', objects: [...fleet.baseline.l4, ...fleet.baseline.l7, ...fleet.baseline.runtime], notes: []}
  }
}

function ownerGroups(group: OutputGroup, objects: Iterable<KubeObject>, ownerOf: (o: KubeObject) => string): Section[] {
  const byOwner = new Map<string, KubeObject[]>()
  for (const obj of objects) {
    const owner = ownerOf(obj)
    const list = byOwner.get(owner)
    if (list) list.push(obj)
    else byOwner.set(owner, [obj])
  }
  return [...byOwner].map(([owner, list]) => ({group, owner, objects: list, notes: []}))
}

/** One section per run of objects of the same owner; an owner seen again after its run
 * would be written apart from its first objects, which ownerGroups would not do. */
function* ownerRuns(group: OutputGroup, objects: Iterable<KubeObject>, ownerOf: (o: KubeObject) => string): Generator<Section> {
  const done = new Set<string>()
  let run: Section | undefined
  for (const obj of objects) {
    const owner = ownerOf(obj)
    if (run?.owner === owner) {
      run.objects.push(obj)
      continue
    }
    if (run) {
      done.add(run.owner)
      yield run
    }
    if (done.has(owner)) throw new Error(`internal: the ${group} compiler produced objects of ${owner} apart from each other`)
    run = {group, owner, objects: [obj], notes: []}
  }
  if (run) yield run
}

/** The member each derived object name belongs to, for the objects of these layers. */
function ownerIndex(fleet: FleetOutput, layers: Set<ResourceLayer>): Map<string, string> {
  const idx = new Map<string, string>()
  const put = (kind: string, ns: string, name: string, owner: string) => idx.set(`${kind}|${ns}|${name}`, owner)
  for (const node of fleet.graph.nodes.values()) {
    const {namespace: ns, name, key} = node
    if (layers.has('mesh')) put('LatticeMeshMember', ns, name, key)
    if (layers.has('l4')) put('CiliumNetworkPolicy', ns, names.cnp(ns, name), key)
    if (layers.has('l7')) {
      for (const n of [names.allowTo(ns, name), names.allowWaypointTo(ns, name), names.allowPlaintext(ns, name)]) put('AuthorizationPolicy', ns, n, key)
      put('PeerAuthentication', ns, names.permissive(ns, name), key)
      for (const e of node.egress) {
        const host = e.target.fqdn ?? e.target.cidr?.replace(/\/\d+$/, '')
        if (host) put('AuthorizationPolicy', ns, names.allowFqdn(ns, name, host), key)
      }
    }
    if (layers.has('runtime')) for (const prefix of ['allow-binaries', 'block-rootfs-write', 'block-setuid', 'block-capset']) put('TracingPolicyNamespaced', ns, `${prefix}-${name}`, key)
  }
  return idx
}

export function renderYaml(list: Iterable<Section>): string {
  return [...yamlPieces(list)].join('')
}

/** The YAML text piece by piece: one comment block or one document at a time. */
export function* yamlPieces(list: Iterable<Section>): Generator<string> {
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

export function renderJsonList(list: Iterable<Section>, opts: JsonOptions = {}): string {
  return [...jsonListPieces(list, opts)].join('')
}

/**
 * `{"apiVersion": "v1", "kind": "List", "items": [...]}` exactly as
 * `JSON.stringify(list, null, 2)` writes it, a batch of items at a time: JSON.stringify of
 * the batch nested two arrays deep writes each item indented by four spaces and separated
 * by `,\n    `, which is the items' text inside the List (one call per batch costs less
 * than one per item: 10,000 services are ~72k items).
 */
export function* jsonListPieces(list: Iterable<Section>, opts: JsonOptions = {}): Generator<string> {
  let written = 0
  let batch: unknown[] = []
  const flush = () => {
    const text = (written === 0 ? '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n    ' : ',\n    ') + itemsJson(batch)
    written += batch.length
    batch = []
    return text
  }
  for (const s of list) {
    const items = opts.reports && s.outcome ? [reportDocument(s)].filter((d) => d !== undefined) : s.objects
    for (const obj of items) {
      batch.push(obj)
      if (batch.length === JSON_BATCH) yield flush()
    }
  }
  if (batch.length > 0) yield flush()
  yield written === 0 ? '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": []\n}\n' : '\n  ]\n}\n'
}

const JSON_BATCH = 100
/** What JSON.stringify(x, null, 2) writes before (`[\n  [\n    `) and after (`\n  ]\n]`) the items of an array nested in an array. */
const NESTED_PREFIX = 10
const NESTED_SUFFIX = 6

/** Items as they sit in the List: each indented by four spaces, `,\n    ` between them. */
function itemsJson(items: unknown[]): string {
  const text = JSON.stringify([items], null, 2)
  return text.slice(NESTED_PREFIX, text.length - NESTED_SUFFIX)
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
  const fd = typeof sink === 'function' ? undefined : fileDescriptor(sink)
  const write = async (chunk: string) => {
    if (typeof sink === 'function') return sink(chunk)
    if (fd !== undefined) return void writeSync(fd, chunk)
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

/**
 * The descriptor behind a stream Node writes synchronously anyway (stdout redirected to a
 * file or /dev/null is an fs.SyncWriteStream, which turns each chunk into a Buffer and calls
 * fs.writeSync): writing the string to it directly skips that copy (134 MB of Buffers for
 * 10,000 services). Pipes and terminals keep their streams.
 */
function fileDescriptor(sink: NodeJS.WritableStream): number | undefined {
  const fd = (sink as {fd?: unknown}).fd
  return typeof fd === 'number' && sink.constructor?.name === 'SyncWriteStream' ? fd : undefined
}

export function writeCompileOutput(list: Iterable<Section>, format: 'yaml' | 'json', sink: OutputSink, opts: JsonOptions = {}): Promise<void> {
  return writePieces(format === 'json' ? jsonListPieces(list, opts) : yamlPieces(list), sink)
}
