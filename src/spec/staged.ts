// Loading specs for one question in stages: read every file, split it into YAML documents
// (yaml-split.ts) and parse only the documents that can matter (prefilter.ts): every
// document that is not certainly a plain LatticeService, and the services whose text
// mentions a needle of the current stage. The caller adds needles as it learns which names
// it needs (the pair, then its neighbourhood) and finally takes the complete set.
//
// Documents never selected are never parsed or normalized, so their errors (syntax, bad
// kind, missing name, duplicates among themselves) are not reported: an unrelated broken
// service does not fail a pair diagnosis. `platform compile` and `platform validate` use
// loadSpecs, which reads everything.

import {InputError} from '../core/errors.js'
import {cachedValues, documentsOf, parseDocuments, parseYamlUncached, readText, type RawDocument} from './documents.js'
import {collectInputs} from './files.js'
import {lenientSpecSet, specSetFromDocuments, type SpecObjectMemo} from './load.js'
import type {SpecSet} from './model.js'
import {plainServiceDocuments} from './prefilter.js'
import {splitYamlDocuments, type YamlSegment} from './yaml-split.js'

export interface StagedSpecs {
  /** Parses the skipped documents that mention any needle; `all` parses every one. */
  select(needles: Iterable<string> | 'all'): void
  /** The objects parsed so far, without failing on bad or repeated ones (see lenientSpecSet). */
  partial(): SpecSet
  /** The objects parsed so far with loadSpecs's checks: header, name, duplicates. */
  complete(): SpecSet
  /** How many objects were parsed and how many documents are still skipped (tests, benchmarks). */
  counts(): {parsed: number; skipped: number}
}

interface Pending {
  segment: YamlSegment
  /** Origin index of its object: a plain service document holds exactly one. */
  index: number
  /** Its value from the parse cache, when the cache has the file. */
  cached?: {value: unknown}
}

interface FileState {
  file: string
  text: string
  /** Documents in file order; undefined where a document is still skipped. */
  docs: Array<RawDocument[] | undefined>
  /** Skipped documents by their position in `docs`, with segment starts for lookups. */
  pending: Map<number, Pending>
  starts: number[]
}

export async function openStagedSpecs(paths: string[]): Promise<StagedSpecs> {
  const inputs = await collectInputs(paths)
  const files = inputs.map((f) => f.file)
  const texts = await Promise.all(files.map(readText))
  const states = files.map((file, i) => openFile(file, texts[i]))
  const memo: SpecObjectMemo = new WeakMap()
  const parsedDocs = () => states.flatMap((s) => s.docs.flatMap((d) => d ?? []))
  // Skipped documents are plain LatticeServices: their files hold Lattice objects.
  const latticeFiles = () => new Set(states.filter((s) => s.pending.size > 0).map((s) => s.file))
  return {
    select(needles) {
      const list = needles === 'all' ? 'all' : [...new Set(needles)]
      for (const s of states) selectIn(s, list)
    },
    partial: () => lenientSpecSet(parsedDocs(), memo, true),
    complete: () => specSetFromDocuments(parsedDocs(), memo, {strict: true, inputs: {paths, files: inputs}, latticeFiles: latticeFiles()}),
    counts: () => ({parsed: parsedDocs().length, skipped: states.reduce((n, s) => n + s.pending.size, 0)}),
  }
}

/** Parses what must be parsed now; a file with nothing to skip is read as loadSpecs reads it. */
function openFile(file: string, text: string): FileState {
  const whole = (): FileState => ({file, text, docs: [parseDocuments(text, file)], pending: new Map(), starts: []})
  const segments = /\.json$/i.test(file) ? undefined : splitYamlDocuments(text)
  if (!segments) return whole()
  const plain = plainServiceDocuments(text, segments)
  const skippable = segments.map((seg, i) => !seg.empty && plain[i])
  if (!skippable.includes(true)) return whole()
  // The parse cache (warm runs) holds the file's values; use them when they line up.
  const cached = cachedValues(text)
  if (cached && cached.length !== segments.length) return whole()
  const state: FileState = {file, text, docs: [], pending: new Map(), starts: segments.map((s) => s.start)}
  let index = 0
  for (const [i, seg] of segments.entries()) {
    if (skippable[i]) {
      state.pending.set(i, {segment: seg, index, ...(cached ? {cached: {value: cached[i]}} : {})})
      state.docs.push(undefined)
      index += 1
      continue
    }
    const docs = seg.empty ? [] : cached ? documentsOf(cached[i], seg.docIndex, file, index) : parseSegment(state, seg, index)
    if (!docs) return whole()
    state.docs.push(docs)
    index += docs.length
  }
  return state
}

/**
 * One document parsed on its own: the same value as in the stream (the split is exact and
 * there are no directives). Any surprise (an error, not exactly one value) is left to the
 * whole-file reader, so messages are exactly loadSpecs's: undefined means "read it whole".
 */
function parseSegment(state: FileState, seg: YamlSegment, index: number): RawDocument[] | undefined {
  try {
    const values = parseYamlUncached(state.text.slice(seg.start, seg.end), state.file)
    if (values.length !== 1) return undefined
    return documentsOf(values[0], seg.docIndex, state.file, index)
  } catch (err) {
    if (err instanceof InputError) return undefined
    throw err
  }
}

function selectIn(state: FileState, needles: string[] | 'all'): void {
  if (state.pending.size === 0) return
  const chosen = new Set<number>()
  if (needles === 'all') for (const i of state.pending.keys()) chosen.add(i)
  else if (needles.length > 0) {
    // One pass for every needle: an alternation is far faster than one indexOf per needle.
    // A needle has no line break, so each match lies in one document.
    const re = new RegExp(needles.map(escapeRegExp).join('|'), 'g')
    for (let m = re.exec(state.text); m; m = re.exec(state.text)) {
      const i = segmentAt(state.starts, m.index)
      const pending = state.pending.get(i)
      if (pending) {
        chosen.add(i)
        re.lastIndex = Math.max(re.lastIndex, pending.segment.end)
      }
    }
  }
  for (const i of [...chosen].sort((a, b) => a - b)) {
    const {segment, index, cached} = state.pending.get(i)!
    const docs = cached ? documentsOf(cached.value, segment.docIndex, state.file, index) : parseSegment(state, segment, index)
    if (!docs || docs.length !== 1) {
      replaceWithWhole(state)
      return
    }
    state.docs[i] = docs
    state.pending.delete(i)
  }
}

/** The file read as loadSpecs reads it (throws its error, if it has one). */
function replaceWithWhole(state: FileState): void {
  state.docs = [parseDocuments(state.text, state.file)]
  state.pending.clear()
  state.starts = []
}

/** The segment holding text position `at` (the last start at or before it). */
function segmentAt(starts: number[], at: number): number {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid] <= at) lo = mid
    else hi = mid - 1
  }
  return lo
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
