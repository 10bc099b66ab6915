// The proposed fix as file edits: each SpecChange placed into the YAML of the file it came
// from (comments and layout kept by the `yaml` Document API), so the fix screen can show a
// real diff against the file and write it on request. Changes the CLI cannot place (a manual
// edit, a cluster object) are shown, never written.

import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {parse, parseAllDocuments, stringify, type Document} from 'yaml'
import {createTwoFilesPatch, diffLines} from 'diff'
import type {Fix, SpecChange} from '../../diagnose/model.js'
import type {FileEdit} from './session.js'

export interface EditContext {
  /** Reads a spec file (offline: from disk). */
  read(file: string): Promise<string>
  /** Where a new object (a CedarPolicy) goes, or undefined when nothing may be written. */
  newFileFor?(change: SpecChange): string | undefined
  /** Live specs are never written. */
  writable: boolean
}

export function diskContext(specPaths: string[], writable: boolean): EditContext {
  const dir = specPaths[0] ? (path.extname(specPaths[0]) ? path.dirname(specPaths[0]) : specPaths[0]) : '.'
  return {
    read: (file) => readFile(file, 'utf8'),
    newFileFor: (c) => path.join(dir, `${c.name}.yaml`),
    writable,
  }
}

export async function fixEdits(fix: Fix, ctx: EditContext): Promise<FileEdit[]> {
  const byFile = new Map<string, FileEdit>()
  const out: FileEdit[] = []
  for (const c of fix.changes) {
    if (c.kind === 'LatticeService' && c.file && !isComment(c.yaml)) {
      const prev = byFile.get(c.file)
      const before = prev ? prev.after : await ctx.read(c.file).catch(() => undefined)
      const after = before === undefined ? undefined : applyChange(before, c)
      if (after !== undefined && before !== undefined) {
        const edit: FileEdit = {file: c.file, before: prev?.before ?? before, after, writable: ctx.writable}
        if (prev) Object.assign(prev, edit)
        else {
          byFile.set(c.file, edit)
          out.push(edit)
        }
        continue
      }
    }
    if (c.kind === 'CedarPolicy' && !isComment(c.yaml)) {
      const file = ctx.newFileFor?.(c) ?? `${c.name}.yaml`
      const doc = {apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy', metadata: {name: c.name, namespace: c.namespace ?? 'lattice-system'}, spec: {policies: c.yaml}}
      out.push({file, before: '', after: stringify(doc), writable: ctx.writable && ctx.newFileFor !== undefined, note: 'new file'})
      continue
    }
    const where = `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name} ${c.path}`
    out.push({file: c.file ?? where, before: '', after: c.yaml.endsWith('\n') ? c.yaml : `${c.yaml}\n`, writable: false, note: `manual: ${where}`})
  }
  return out
}

/** The change placed into the document of `text` that holds its object; undefined when none does. */
export function applyChange(text: string, c: SpecChange): string | undefined {
  const docs = parseAllDocuments(text)
  if (!Array.isArray(docs)) return undefined
  const target = docs.find((d) => d.get('kind') === c.kind && d.getIn(['metadata', 'name']) === c.name && (d.getIn(['metadata', 'namespace']) ?? c.namespace) === c.namespace)
  if (!target) return undefined
  const printedBefore = target.toString(PRINT).replace(/^---\n/, '')
  const at = c.path.split('.')
  const value = parse(c.yaml) as unknown
  const current = target.getIn(at, true)
  if (value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && 'items' in (current as object) && !Array.isArray(target.getIn(at))) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) target.setIn([...at, k], target.createNode(v, {flow: typeof v === 'object'}))
  } else {
    target.setIn(at, target.createNode(value, {flow: Array.isArray(value)}))
  }
  return splice(text, docs, target, printedBefore)
}

/**
 * The file with only the changed lines changed: the document is printed before and after
 * the change, and the line diff of those two is replayed on the original text (the printer
 * keeps line structure, so an unchanged printed line stands for the original line at that
 * index, whatever its spacing). Falls back to the printed document when lines do not align.
 */
function splice(text: string, docs: Document.Parsed[], changed: Document.Parsed, printedBefore: string): string {
  // The printed document includes the comments above it; the region of the text must too.
  const index = docs.indexOf(changed)
  let start = index === 0 ? 0 : docs[index - 1].range[2]
  start += /^(---[^\n]*\n)?/.exec(text.slice(start))![0].length
  const end = changed.range[2]
  const original = text.slice(start, end)
  const printedAfter = changed.toString(PRINT).replace(/^---\n/, '')
  const lines = (s: string) => s.replace(/\n$/, '').split('\n')
  const orig = lines(original)
  let merged = printedAfter
  if (lines(printedBefore).length === orig.length) {
    const out: string[] = []
    let i = 0
    for (const part of diffLines(printedBefore, printedAfter)) {
      const n = part.count ?? lines(part.value).length
      if (part.added) out.push(...lines(part.value))
      else if (part.removed) i += n
      else {
        out.push(...orig.slice(i, i + n))
        i += n
      }
    }
    merged = out.join('\n') + (original.endsWith('\n') ? '\n' : '')
  }
  return text.slice(0, start) + merged + text.slice(end)
}

export function unifiedDiff(edit: FileEdit): string {
  return createTwoFilesPatch(edit.before ? edit.file : '/dev/null', edit.file, edit.before, edit.after, '', '', {context: 3})
}

/** Keep the author's layout: no folding of long lines, no padding inside [a, b]. */
const PRINT = {lineWidth: 0, flowCollectionPadding: false} as const

const isComment = (yaml: string) => yaml.split('\n').every((l) => l.trim() === '' || l.trimStart().startsWith('#'))
