// Loading Lattice objects from spec files (--specs) and Kubernetes objects from policy dumps
// (--policies). Errors are InputErrors with one line: `file: document N: field: problem`.

import {InputError} from '../core/errors.js'
import type {KubeObject} from '../core/kube.js'
import {LATTICE_API_VERSION} from '../core/constants.js'
import {asRecord} from './coerce.js'
import {describe, readDocuments, type RawDocument} from './documents.js'
import {collectFiles, collectInputs, type InputFile} from './files.js'
import {CEDAR_POLICY_FIELDS, formatUnknownField, LATTICE_SERVICE_FIELDS, MESH_MEMBER_FIELDS, unknownFields} from './known-fields.js'
import {keyOf, type LatticeObject, type Origin, type SpecSet, type SpecWarning} from './model.js'
import {normalizeCedarPolicy, normalizeMeshMember, normalizeService} from './normalize.js'
import {canonicalizeSeedShape} from './seedShape.js'
import {distance} from 'fastest-levenshtein'

const SPEC_KINDS = ['LatticeService', 'LatticeMeshMember', 'CedarPolicy'] as const
const LATTICE_GROUP = LATTICE_API_VERSION.slice(0, LATTICE_API_VERSION.indexOf('/') + 1)

/**
 * Reads LatticeService, LatticeMeshMember and CedarPolicy objects from files and directories
 * (`-`: standard input). Objects of other kinds are skipped (kept in `others`); a file named
 * explicitly that holds no Lattice object is a warning, paths that hold none at all an error.
 */
export async function loadSpecs(paths: string[]): Promise<SpecSet> {
  const inputs = await collectInputs(paths)
  const docs: RawDocument[] = []
  for (const {file} of inputs) docs.push(...(await readDocuments(file)))
  return specSetFromDocuments(docs, undefined, {strict: true, inputs: {paths, files: inputs}})
}

export interface SpecLoadReport {
  specs: SpecSet
  /** Every problem, in reading order: unreadable paths and files, bad documents, duplicates. */
  problems: InputError[]
}

/** loadSpecs without stopping at the first problem (`platform validate` reports them all). */
export async function loadSpecsReport(paths: string[]): Promise<SpecLoadReport> {
  const problems: InputError[] = []
  const keep = (err: unknown) => {
    if (!(err instanceof InputError)) throw err
    problems.push(err)
  }
  const inputs: InputFile[] = []
  for (const p of paths) await collectInputs([p]).then((files) => inputs.push(...files.filter((f) => !inputs.some((g) => g.file === f.file))), keep)
  const docs: RawDocument[] = []
  const unreadable = new Set<string>()
  for (const {file} of inputs) {
    await readDocuments(file).then((d) => docs.push(...d), (err) => {
      unreadable.add(file)
      keep(err)
    })
  }
  let specs: SpecSet
  try {
    specs = specSetFromDocuments(docs, undefined, {strict: true, onProblem: keep, inputs: {paths, files: inputs.filter((f) => !unreadable.has(f.file))}, quietWhenEmpty: problems.length > 0})
  } catch (err) {
    keep(err)
    specs = {services: [], meshMembers: [], cedarPolicies: [], others: [], warnings: []}
  }
  return {specs, problems}
}

export interface SpecSetOptions {
  /** Strict field validation (files): unknown fields are errors. Objects read from the cluster were pruned by the API server. */
  strict?: boolean
  /** Report a problem and go on instead of throwing it. */
  onProblem?: (err: InputError) => void
  /** The paths and files read: explicit files without a Lattice object warn, and no Lattice object at all is an error. */
  inputs?: {paths: readonly string[]; files: readonly InputFile[]}
  /** Files known to hold Lattice objects that `docs` does not show yet (staged loading). */
  latticeFiles?: ReadonlySet<string>
  /** Do not fail on "no Lattice object" (the reason is already reported). */
  quietWhenEmpty?: boolean
}

/** Builds a SpecSet from already-parsed documents (files or stdin). */
export function specSetFromDocuments(docs: readonly RawDocument[], memo?: SpecObjectMemo, opts: SpecSetOptions = {}): SpecSet {
  const set: SpecSet = {services: [], meshMembers: [], cedarPolicies: [], others: [], warnings: []}
  const firstSeen = new Map<string, RawDocument>()
  const latticeFiles = new Set<string>(opts.latticeFiles)
  const fail = (err: InputError) => {
    if (!opts.onProblem) throw err
    opts.onProblem(err)
  }
  for (const doc of docs) {
    let loaded
    try {
      if (!isSpecDocument(doc)) {
        set.others.push(doc.value as KubeObject)
        continue
      }
      latticeFiles.add(doc.origin.file)
      loaded = memoized(doc, memo, opts.strict ?? false)
    } catch (err) {
      if (!(err instanceof InputError)) throw err
      fail(err)
      continue
    }
    const {obj, warnings} = loaded
    set.warnings.push(...warnings)
    const id = `${obj.kind} ${keyOf(obj)}`
    const previous = firstSeen.get(id)
    if (previous) {
      fail(new InputError(`${where(doc)}: duplicate ${id} (first defined in ${where(previous)})`))
      continue
    }
    firstSeen.set(id, doc)
    addTo(set, obj)
  }
  if (opts.inputs) checkInputs(set, opts.inputs, latticeFiles, opts.quietWhenEmpty ?? false)
  return set
}

const LATTICE_KINDS_TEXT = 'LatticeService, LatticeMeshMember or CedarPolicy'

function checkInputs(set: SpecSet, inputs: NonNullable<SpecSetOptions['inputs']>, latticeFiles: Set<string>, quiet: boolean): void {
  for (const f of inputs.files) {
    if (f.explicit && !latticeFiles.has(f.file)) set.warnings.push({origin: {file: f.file, index: 0}, message: `no ${LATTICE_KINDS_TEXT} in this file${skippedText(set.others.filter((o) => originFile(o, f.file)))}; nothing read from it`})
  }
  if (latticeFiles.size === 0 && !quiet) {
    throw new InputError(`no ${LATTICE_KINDS_TEXT} in ${inputs.paths.map((p) => (p === '-' ? 'standard input' : p)).join(', ')}${skippedText(set.others)}`)
  }
}

/** Skipped objects keep their origin through `others` order only; match by file via a side table. */
const otherOrigins = new WeakMap<object, string>()
function originFile(o: object, file: string): boolean {
  return otherOrigins.get(o) === file
}

/** ` (skipped 2 Deployment, 1 ConfigMap)`, or nothing. */
export function skippedText(others: readonly unknown[]): string {
  if (others.length === 0) return ''
  const byKind = new Map<string, number>()
  for (const o of others) {
    const kind = (o as {kind?: unknown}).kind
    const label = typeof kind === 'string' && kind !== '' ? kind : ''
    byKind.set(label, (byKind.get(label) ?? 0) + 1)
  }
  const shown = [...byKind].map(([k, n]) => (k === '' ? `${n} document${n === 1 ? '' : 's'} without kind` : `${n} ${k}`))
  return ` (skipped ${shown.join(', ')})`
}

/** The -v line: `skipped 2 Deployment, 1 ConfigMap (objects of other kinds)`, or undefined. */
export function skippedSummary(others: readonly unknown[]): string | undefined {
  return others.length === 0 ? undefined : `${skippedText(others).slice(2, -1)} (objects of other kinds)`
}

/**
 * Is this document a Lattice object to read, or one of the other objects a folder of specs
 * holds (Deployments, ConfigMaps, kustomization.yaml, Helm values)? A kind that is nearly a
 * Lattice kind, or a lattice.dev object without a kind, is a mistake, not another object.
 */
function isSpecDocument(doc: RawDocument): boolean {
  const {kind, apiVersion} = doc.value
  if (typeof kind === 'string' && (SPEC_KINDS as readonly string[]).includes(kind)) return true
  if (kind === undefined || kind === null) {
    if (typeof apiVersion === 'string' && apiVersion.startsWith(LATTICE_GROUP)) return true // checkSpecHeader names it
    otherOrigins.set(doc.value, doc.origin.file)
    return false
  }
  if (typeof kind === 'string') {
    const near = SPEC_KINDS.find((k) => distance(k.toLowerCase(), kind.toLowerCase()) <= 2)
    if (near) throw new InputError(`${where(doc)}: unknown kind '${kind}' (did you mean ${near}?)`)
    otherOrigins.set(doc.value, doc.origin.file)
    return false
  }
  return true // a kind that is not a string: checkSpecHeader names it
}

/**
 * The same set without failing: documents with a bad header or name and repeated objects
 * are left out (specSetFromDocuments reports them). For questions asked while loading is
 * still under way (which names does a pair need?), answered again on the complete set.
 */
export function lenientSpecSet(docs: readonly RawDocument[], memo?: SpecObjectMemo, strict = false): SpecSet {
  const set: SpecSet = {services: [], meshMembers: [], cedarPolicies: [], others: [], warnings: []}
  const seen = new Set<string>()
  for (const doc of docs) {
    let obj: LatticeObject
    try {
      if (!isSpecDocument(doc)) continue
      obj = memoized(doc, memo, strict).obj
    } catch (err) {
      if (err instanceof InputError) continue
      throw err
    }
    const id = `${obj.kind} ${keyOf(obj)}`
    if (seen.has(id)) continue
    seen.add(id)
    addTo(set, obj)
  }
  return set
}

/** Normalized objects by raw document, so a document loaded in stages is normalized once. */
export type SpecObjectMemo = WeakMap<RawDocument, {obj: LatticeObject; warnings: SpecWarning[]}>

function memoized(doc: RawDocument, memo: SpecObjectMemo | undefined, strict: boolean): {obj: LatticeObject; warnings: SpecWarning[]} {
  const hit = memo?.get(doc)
  if (hit) return hit
  const out = specObject(doc, strict)
  memo?.set(doc, out)
  return out
}

function specObject(doc: RawDocument, strict: boolean): {obj: LatticeObject; warnings: SpecWarning[]} {
  const kind = checkSpecHeader(doc)
  checkName(doc)
  if (strict) checkFields(doc, kind)
  const opts = {warnings: [] as SpecWarning[]}
  const obj: LatticeObject =
    kind === 'LatticeService' ? normalizeService(doc.value, doc.origin, opts)
    : kind === 'LatticeMeshMember' ? normalizeMeshMember(doc.value, doc.origin, opts)
    : normalizeCedarPolicy(doc.value, doc.origin, opts)
  return {obj, warnings: opts.warnings}
}

function addTo(set: SpecSet, obj: LatticeObject): void {
  if (obj.kind === 'LatticeService') set.services.push(obj)
  else if (obj.kind === 'LatticeMeshMember') set.meshMembers.push(obj)
  else set.cedarPolicies.push(obj)
}

/** Strict field validation (known-fields.ts); the §1.11 seed shape is read as its CRD form first. */
function checkFields(doc: RawDocument, kind: (typeof SPEC_KINDS)[number]): void {
  const unknown =
    kind === 'LatticeService' ? unknownFields({...doc.value, spec: canonicalizeSeedShape(doc.value.spec).spec}, LATTICE_SERVICE_FIELDS)
    : kind === 'LatticeMeshMember' ? unknownFields(doc.value, MESH_MEMBER_FIELDS)
    : unknownFields(doc.value, CEDAR_POLICY_FIELDS)
  if (unknown.length === 0) return
  const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more: ${unknown.slice(1, 4).map((u) => u.path).join(', ')}${unknown.length > 4 ? ', …' : ''})` : ''
  throw new InputError(`${where(doc)}: ${formatUnknownField(unknown[0])}${more}`)
}

const origins = new WeakMap<object, Origin>()

/** Where an object returned by loadObjects came from (kept off the object so it serializes cleanly). */
export function originOf(obj: object): Origin | undefined {
  return origins.get(obj)
}

export interface LoadObjectsOptions {
  /** Each path named must hold at least one object this accepts (`--policies`: a policy object). */
  require?: {test: (obj: KubeObject) => boolean; what: string}
}

/** Reads any Kubernetes objects (a `kubectl get -A -o yaml` dump, multi-doc YAML, JSON; `-`: standard input). */
export async function loadObjects(paths: string[], opts: LoadObjectsOptions = {}): Promise<KubeObject[]> {
  const out: KubeObject[] = []
  for (const p of paths) {
    let accepted = 0
    const found: KubeObject[] = []
    for (const file of await collectFiles([p])) {
      if (out.some((o) => originOf(o)?.file === file)) continue // named twice
      for (const doc of await readDocuments(file)) {
        for (const field of ['apiVersion', 'kind'] as const) {
          const v = doc.value[field]
          if (typeof v !== 'string' || v === '') throw new InputError(`${where(doc)}: ${field}: ${v === undefined ? 'missing' : `expected a string, got ${describe(v)}`}`)
        }
        checkName(doc)
        const obj = doc.value as KubeObject
        origins.set(obj, doc.origin)
        out.push(obj)
        found.push(obj)
        if (opts.require?.test(obj)) accepted++
      }
    }
    if (opts.require && accepted === 0) {
      // A spec file or a ConfigMap given as a dump would make every expected policy "missing".
      const name = p === '-' ? 'standard input' : p
      throw new InputError(`${name}: no ${opts.require.what} in it${found.length === 0 ? ' (empty)' : skippedText(found).replace('skipped', 'found')}`)
    }
  }
  return out
}

function where(doc: RawDocument): string {
  return `${doc.origin.file}: ${doc.label}`
}

function checkSpecHeader(doc: RawDocument): (typeof SPEC_KINDS)[number] {
  const {kind, apiVersion} = doc.value
  const expected = 'expected LatticeService, LatticeMeshMember or CedarPolicy'
  if (kind === undefined || kind === null) throw new InputError(`${where(doc)}: kind: missing (${expected})`)
  if (typeof kind !== 'string' || !(SPEC_KINDS as readonly string[]).includes(kind)) {
    const shown = typeof kind === 'string' ? `'${kind}'` : describe(kind)
    throw new InputError(`${where(doc)}: unknown kind ${shown} (${expected})`)
  }
  if (apiVersion !== LATTICE_API_VERSION) {
    const shown = apiVersion === undefined ? 'missing' : `unsupported ${typeof apiVersion === 'string' ? `'${apiVersion}'` : describe(apiVersion)}`
    throw new InputError(`${where(doc)}: apiVersion: ${shown} for ${kind} (expected ${LATTICE_API_VERSION})`)
  }
  return kind as (typeof SPEC_KINDS)[number]
}

function checkName(doc: RawDocument): void {
  const metadata = doc.value.metadata
  if (metadata === undefined || metadata === null) throw new InputError(`${where(doc)}: metadata.name: missing`)
  const meta = asRecord(metadata)
  if (!meta) throw new InputError(`${where(doc)}: metadata: expected an object, got ${describe(metadata)}`)
  const name = meta.name
  if (name === undefined || name === null || name === '') throw new InputError(`${where(doc)}: metadata.name: missing`)
  if (typeof name !== 'string') throw new InputError(`${where(doc)}: metadata.name: expected a string, got ${describe(name)}`)
  const ns = meta.namespace
  if (ns !== undefined && ns !== null && typeof ns !== 'string') throw new InputError(`${where(doc)}: metadata.namespace: expected a string, got ${describe(ns)}`)
}
