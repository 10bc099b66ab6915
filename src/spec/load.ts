// Loading Lattice objects from spec files (--specs) and Kubernetes objects from policy dumps
// (--policies). Errors are InputErrors with one line: `file: document N: field: problem`.

import {InputError} from '../core/errors.js'
import type {KubeObject} from '../core/kube.js'
import {LATTICE_API_VERSION} from '../core/constants.js'
import {asRecord} from './coerce.js'
import {describe, readDocuments, type RawDocument} from './documents.js'
import {collectFiles} from './files.js'
import {keyOf, type LatticeObject, type Origin, type SpecSet, type SpecWarning} from './model.js'
import {normalizeCedarPolicy, normalizeMeshMember, normalizeService} from './normalize.js'

const SPEC_KINDS = ['LatticeService', 'LatticeMeshMember', 'CedarPolicy'] as const

/** Reads LatticeService, LatticeMeshMember and CedarPolicy objects from files and directories. */
export async function loadSpecs(paths: string[]): Promise<SpecSet> {
  const docs: RawDocument[] = []
  for (const file of await collectFiles(paths)) docs.push(...(await readDocuments(file)))
  return specSetFromDocuments(docs)
}

/** Builds a SpecSet from already-parsed documents (files or stdin). */
export function specSetFromDocuments(docs: readonly RawDocument[], memo?: SpecObjectMemo): SpecSet {
  const set: SpecSet = {services: [], meshMembers: [], cedarPolicies: [], others: [], warnings: []}
  const firstSeen = new Map<string, RawDocument>()
  for (const doc of docs) {
    const {obj, warnings} = memoized(doc, memo)
    set.warnings.push(...warnings)
    const id = `${obj.kind} ${keyOf(obj)}`
    const previous = firstSeen.get(id)
    if (previous) throw new InputError(`${where(doc)}: duplicate ${id} (first defined in ${where(previous)})`)
    firstSeen.set(id, doc)
    addTo(set, obj)
  }
  return set
}

/**
 * The same set without failing: documents with a bad header or name and repeated objects
 * are left out (specSetFromDocuments reports them). For questions asked while loading is
 * still under way (which names does a pair need?), answered again on the complete set.
 */
export function lenientSpecSet(docs: readonly RawDocument[], memo?: SpecObjectMemo): SpecSet {
  const set: SpecSet = {services: [], meshMembers: [], cedarPolicies: [], others: [], warnings: []}
  const seen = new Set<string>()
  for (const doc of docs) {
    let obj: LatticeObject
    try {
      obj = memoized(doc, memo).obj
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

function memoized(doc: RawDocument, memo: SpecObjectMemo | undefined): {obj: LatticeObject; warnings: SpecWarning[]} {
  const hit = memo?.get(doc)
  if (hit) return hit
  const out = specObject(doc)
  memo?.set(doc, out)
  return out
}

function specObject(doc: RawDocument): {obj: LatticeObject; warnings: SpecWarning[]} {
  const kind = checkSpecHeader(doc)
  checkName(doc)
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

const origins = new WeakMap<object, Origin>()

/** Where an object returned by loadObjects came from (kept off the object so it serializes cleanly). */
export function originOf(obj: object): Origin | undefined {
  return origins.get(obj)
}

/** Reads any Kubernetes objects (a `kubectl get -A -o yaml` dump, multi-doc YAML, JSON). */
export async function loadObjects(paths: string[]): Promise<KubeObject[]> {
  const out: KubeObject[] = []
  for (const file of await collectFiles(paths)) {
    for (const doc of await readDocuments(file)) {
      for (const field of ['apiVersion', 'kind'] as const) {
        const v = doc.value[field]
        if (typeof v !== 'string' || v === '') throw new InputError(`${where(doc)}: ${field}: ${v === undefined ? 'missing' : `expected a string, got ${describe(v)}`}`)
      }
      checkName(doc)
      const obj = doc.value as KubeObject
      origins.set(obj, doc.origin)
      out.push(obj)
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
