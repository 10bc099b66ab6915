// Reading YAML/JSON files into raw documents: multi-document YAML, `kind: List` (and typed
// `...List`) flattened into items, empty documents skipped. Every failure is one line naming
// the file, the document and what is wrong.
//
// Two YAML readers, one meaning. `yaml` (the reference: YAML 1.2 core schema, merge keys,
// alias limits, the error messages) builds a full Document AST per document, which costs
// ~0.5 ms per spec: 8 s for 10,000 services. `js-yaml` reads the same text ~8x faster, so
// it reads plain data: text that uses no anchor, alias, merge key, tag, directive, complex
// or null key (where the two could differ), with the scalar types below copied from
// `yaml`'s core schema. Anything else, and any text js-yaml rejects, is read by `yaml`
// exactly as before, so values and error messages do not depend on the fast path.

import {readFile} from 'node:fs/promises'
import jsyaml from 'js-yaml'
import {yamlLib} from '../core/io/lazy-yaml.js'
import {readCached, writeCached} from './parse-cache.js'
import {InputError} from '../core/errors.js'
import {isRecord} from './coerce.js'
import {fsError, STDIN} from './files.js'
import type {Origin} from './model.js'

export interface RawDocument {
  value: Record<string, unknown>
  origin: Origin
  /** `document 2`, or `document 1: items[3]` for List items (1-based documents, as editors count). */
  label: string
}

export async function readDocuments(file: string): Promise<RawDocument[]> {
  return parseDocuments(await readText(file), file)
}

/** Parses file text; `file` is only used for messages and origins. */
export function parseDocuments(text: string, file: string): RawDocument[] {
  const out: RawDocument[] = []
  parseValues(text, file).forEach((value, i) => out.push(...documentsOf(value, i, file, out.length)))
  return out
}

/**
 * The raw documents one parsed YAML document contributes (none for an empty one, the items
 * of a List): `docIndex` is its 0-based position in the file, `firstIndex` the origin index
 * of its first object (how many objects the file's earlier documents hold).
 */
export function documentsOf(value: unknown, docIndex: number, file: string, firstIndex: number): RawDocument[] {
  const label = `document ${docIndex + 1}`
  if (value === null || value === undefined) return []
  if (!isRecord(value)) throw new InputError(`${file}: ${label}: expected an object with apiVersion, kind and metadata, got ${describe(value)}`)
  if (!isList(value)) return [{value, origin: {file, index: firstIndex}, label}]
  const out: RawDocument[] = []
  ;(value.items as unknown[]).forEach((item, j) => {
    const itemLabel = `${label}: items[${j}]`
    if (item === null || item === undefined) return
    if (!isRecord(item)) throw new InputError(`${file}: ${itemLabel}: expected an object with apiVersion, kind and metadata, got ${describe(item)}`)
    out.push({value: withListDefaults(item, value), origin: {file, index: firstIndex + out.length}, label: itemLabel})
  })
  return out
}

/** Large files go through the parse cache; the documents are identical either way. */
export function parseValues(text: string, file: string): unknown[] {
  const cached = readCached(text)
  if (cached) return cached
  const values = /\.json$/i.test(file) ? parseJson(text, file) : parseYaml(text, file)
  writeCached(text, values)
  return values
}

/** One document's text (a part of a file), never cached: the cache keys whole files. */
export function parseYamlUncached(text: string, file: string): unknown[] {
  return parseYaml(text, file)
}

/** Values of one file from the parse cache, if it holds them (no parsing otherwise). */
export function cachedValues(text: string): unknown[] | undefined {
  return readCached(text)
}

/** Reads the file's text (one-line error on failure). */
export async function readText(file: string): Promise<string> {
  if (file === STDIN) return readStdin()
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw fsError(file, err)
  }
}

let stdinText: Promise<string> | undefined

/** Standard input, read once (`--specs -`): a second reader gets the same text. */
function readStdin(): Promise<string> {
  stdinText ??= (async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  })()
  return stdinText
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
  return parsePlainYaml(text) ?? parseYamlReference(text, file)
}

/**
 * Text that could read differently in the two libraries: anchors `&`, tags `!` and explicit
 * `?` keys (at the start of a node), directives, merge keys, collection keys (`[a]: b`) and
 * null or empty keys (see hasNullKey). Over-matching only costs speed (the reference reader).
 */
const NEEDS_REFERENCE = /(?:^|[\s[{,])[&!?]|^%|<<|[\]}][ \t]*:(?:\s|$)/m

/** `key: |` / `- >-` (no quote before it, no indentation indicator, then only a comment). */
const BLOCK_SCALAR_HEADER = /^[^#\n"']*[:-][ \t]+[|>][+-]?[ \t]*(?:#.*)?$/

/**
 * The text with the bodies of block scalars (`|`, `>`) removed: their lines are literal text
 * (a Cedar policy's `&&` is not an anchor), so they must not send the file to the reference
 * reader. As YAML reads it: the first non-blank line after the header sets the content
 * indentation and must be deeper than the column where the header's key (or `- ` entry's
 * content) starts; the body is then every blank line and every line at least that deep.
 * Removing fewer lines than YAML would only costs speed; any tab in an indentation ends it.
 */
function withoutBlockScalarBodies(text: string): string {
  if (!text.includes('|') && !text.includes('>')) return text
  const kept: string[] = []
  let parentColumn = -1
  let contentIndent = -1
  for (const line of text.split('\n')) {
    if (parentColumn >= 0) {
      const indent = line.length - line.trimStart().length
      const tab = line.slice(0, indent).includes('\t')
      if (!tab && line.trim() === '') continue
      if (!tab && contentIndent < 0 && indent > parentColumn) contentIndent = indent
      if (!tab && contentIndent >= 0 && indent >= contentIndent) continue
      parentColumn = -1
    }
    kept.push(line)
    if (BLOCK_SCALAR_HEADER.test(line.replace(/\r$/, ''))) {
      parentColumn = /^[ -]*/.exec(line)![0].length
      contentIndent = -1
    }
  }
  return kept.join('\n')
}

/** A mapping key that is empty, `~` or null (`yaml` names it '', js-yaml 'null'). */
function hasNullKey(text: string): boolean {
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    const next = text.charCodeAt(i + 1)
    if (!(i + 1 >= text.length || next === 32 || next === 10 || next === 9 || next === 13)) continue
    let end = i - 1
    while (end >= 0 && (text.charCodeAt(end) === 32 || text.charCodeAt(end) === 9)) end--
    let start = end
    while (start >= 0 && '~nulNUL'.includes(text[start])) start--
    const word = text.slice(start + 1, end + 1)
    if (word !== '' && word !== '~' && word !== 'null' && word !== 'Null' && word !== 'NULL') continue
    // The key starts a line, a sequence entry or a flow collection entry.
    if (start < 0 || ' \t\r\n[{,-'.includes(text[start])) return true
  }
  return false
}

/** `yaml`'s YAML 1.2 core schema scalars (yaml/dist/schema/core), in its resolution order. */
const scalar = (tag: string, test: RegExp, construct: (s: string) => unknown) =>
  new jsyaml.Type(`tag:yaml.org,2002:${tag}`, {kind: 'scalar', resolve: (s: unknown) => typeof s === 'string' && test.test(s), construct})
const CORE_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('null', /^(?:~|[Nn]ull|NULL)?$/, () => null),
    scalar('bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
    scalar('int', /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/, (s) =>
      s.startsWith('0o') ? parseInt(s.substring(2), 8) : s.startsWith('0x') ? parseInt(s.substring(2), 16) : parseInt(s, 10)),
    scalar('float', /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/, (s) =>
      /^[-+]?\.(?:inf|Inf|INF)$/.test(s) ? (s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY)
      : /^\.(?:nan|NaN|NAN)$/.test(s) ? NaN
      : parseFloat(s)),
  ],
})

/** The fast path: plain data only; undefined means "ask the reference reader". */
function parsePlainYaml(text: string): unknown[] | undefined {
  const outsideLiterals = withoutBlockScalarBodies(text)
  if (NEEDS_REFERENCE.test(outsideLiterals) || hasNullKey(outsideLiterals)) return undefined
  try {
    return jsyaml.loadAll(text, undefined, {schema: CORE_SCHEMA})
  } catch {
    return undefined
  }
}

function parseYamlReference(text: string, file: string): unknown[] {
  const docs = yamlLib().parseAllDocuments(text, {merge: true, prettyErrors: true})
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
  const docs = yamlLib().parseAllDocuments(text)
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

/** @internal both YAML readers, for the test that holds them to the same values. */
export const yamlReaders = {plain: parsePlainYaml, reference: (text: string) => parseYamlReference(text, 'test.yaml')}
