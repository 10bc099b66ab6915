// Reading YAML/JSON files into raw documents: multi-document YAML, `kind: List` (and typed
// `...List`) flattened into items, empty documents skipped. Every failure is one line naming
// the file, the document and what is wrong.

import {readFile} from 'node:fs/promises'
import {parseAllDocuments} from 'yaml'
import {InputError} from '../core/errors.js'
import {isRecord} from './coerce.js'
import {fsError} from './files.js'
import type {Origin} from './model.js'

export interface RawDocument {
  value: Record<string, unknown>
  origin: Origin
  /** `document 2`, or `document 1: items[3]` for List items (1-based documents, as editors count). */
  label: string
}

export async function readDocuments(file: string): Promise<RawDocument[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw fsError(file, err)
  }
  return parseDocuments(text, file)
}

/** Parses file text; `file` is only used for messages and origins. */
export function parseDocuments(text: string, file: string): RawDocument[] {
  const values = /\.json$/i.test(file) ? parseJson(text, file) : parseYaml(text, file)
  const out: RawDocument[] = []
  values.forEach((value, i) => {
    const label = `document ${i + 1}`
    if (value === null || value === undefined) return
    if (!isRecord(value)) throw new InputError(`${file}: ${label}: expected an object with apiVersion, kind and metadata, got ${describe(value)}`)
    if (isList(value)) {
      const items = value.items as unknown[]
      items.forEach((item, j) => {
        const itemLabel = `${label}: items[${j}]`
        if (item === null || item === undefined) return
        if (!isRecord(item)) throw new InputError(`${file}: ${itemLabel}: expected an object with apiVersion, kind and metadata, got ${describe(item)}`)
        out.push({value: withListDefaults(item, value), origin: {file, index: out.length}, label: itemLabel})
      })
      return
    }
    out.push({value, origin: {file, index: out.length}, label})
  })
  return out
}

function isList(v: Record<string, unknown>): boolean {
  return typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)
}

/** Items of a typed list from the API server omit apiVersion/kind; they follow from the list. */
function withListDefaults(item: Record<string, unknown>, list: Record<string, unknown>): Record<string, unknown> {
  const kind = list.kind as string
  if (kind === 'List' || (item.apiVersion !== undefined && item.kind !== undefined)) return item
  return {apiVersion: item.apiVersion ?? list.apiVersion, kind: item.kind ?? kind.slice(0, -'List'.length), ...item}
}

function parseYaml(text: string, file: string): unknown[] {
  const docs = parseAllDocuments(text, {merge: true, prettyErrors: true})
  if (!Array.isArray(docs)) return [] // an empty stream
  return docs.map((doc, i) => {
    const err = doc.errors[0]
    if (err) {
      const where = err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : ''
      throw new InputError(`${file}: document ${i + 1}: YAML syntax error${where}: ${firstLine(err.message)}`)
    }
    try {
      return doc.toJS({maxAliasCount: 1000}) as unknown
    } catch (e) {
      throw new InputError(`${file}: document ${i + 1}: YAML error: ${firstLine((e as Error).message)}`)
    }
  })
}

function parseJson(text: string, file: string): unknown[] {
  if (text.trim() === '') return []
  try {
    return [JSON.parse(text)]
  } catch (e) {
    throw new InputError(`${file}: JSON syntax error${jsonErrorDetail(text, (e as Error).message)}`)
  }
}

/** ` at line L, column C: what`, from JSON.parse's `at position N` or else the YAML parser's view. */
function jsonErrorDetail(text: string, message: string): string {
  const position = /^(.*?) in JSON at position (\d+)/.exec(message)
  if (position) {
    const before = text.slice(0, Number(position[2])).split('\n')
    return ` at line ${before.length}, column ${before[before.length - 1].length + 1}: ${position[1]}`
  }
  const docs = parseAllDocuments(text)
  const err = Array.isArray(docs) ? docs.flatMap((d) => d.errors)[0] : undefined
  if (err?.linePos) return ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}: ${firstLine(err.message)}`
  // Node's other form quotes the whole input: `Unexpected token '}', "{..." is not valid JSON`.
  return `: ${firstLine(message).replace(/, ".*" is not valid JSON$/s, '')}`
}

/** The yaml library appends ` at line L, column C:` and a code excerpt; keep the sentence. */
function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '')
}

export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list'
  if (v === null) return 'null'
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`
  return `${typeof v} ${String(v)}`
}
