// Which YAML documents a question about a few services can ignore without parsing them.
//
// A LatticeService can only matter to a pair if its text spells a name the pair needs (its
// own name, or the name or namespace of a service it refers to: a reference spells the
// target's name, in the key or in `id`, and a cross-namespace reference spells the
// namespace). That holds when the name can only be written one way. It cannot be written
// another way when (1) it is a "safe needle": letters, digits and `._/-` with no reading as
// a number, bool or null (a key `0x7B` reads as the string "123"), and (2) the document has
// no escapes (`\` in double quotes) and no tags. Anchors and aliases are fine: both are per
// document, so the aliased text is in the same document. Everything else is parsed:
// documents that are not certainly a LatticeService block mapping (LatticeMeshMember,
// CedarPolicy, List, flow-style or unusual documents), and every document that spells a
// needle (comments included: reading too much is only slower).

/** Characters a needle may contain; any other could be spelled with quotes or escapes. */
const NEEDLE = /^[A-Za-z0-9._/-]+$/

/** A string that only a string scalar spelling it literally can produce. */
export function isSafeNeedle(s: string): boolean {
  return NEEDLE.test(s) && Number.isNaN(Number(s)) && !/^(?:true|false|null|nan)$/i.test(s)
}

/** A top-level key of a block mapping at column 0, written plainly (sticky: tested at a line start). */
const PLAIN_TOP_KEY = /[A-Za-z_][A-Za-z0-9_.-]*[ \t]*:(?:[ \t]|\r?\n|\r?$)/y
const KIND_KEY = /kind[ \t]*:/y
const SERVICE_KIND = /kind:[ \t]+(?:LatticeService|"LatticeService"|'LatticeService')(?:[ \t]+#[^\n]*)?\r?(?:\n|$)/y
/** What may follow `---` on a marker line for the document to count as plain. */
const MARKER_REST = /(?:[ \t]*|[ \t]+#[^\n]*)\r?(?:\n|$)/y

const matchesAt = (re: RegExp, text: string, at: number) => {
  re.lastIndex = at
  return re.test(text)
}

/**
 * True only when the document is certainly a LatticeService written as a plain block
 * mapping with no escape and no tag (see plainServiceDocuments), so that the names it
 * spells are exactly the names in its text.
 */
export function isPlainServiceDocument(doc: string): boolean {
  return plainServiceDocuments(doc, [{start: 0, end: doc.length}])[0]
}

/**
 * For each document [start, end) of a file: is it certainly a plain LatticeService? Every
 * line at column 0 (after the optional `---` marker line, which may carry only a comment) is
 * blank, a comment or a plain `key:`, exactly one of them is `kind`, it says LatticeService
 * and is not continued on the next line, and the document has no `\` (an escape in a
 * double-quoted scalar) and no `!` where a tag can start. Anything else (flow style, a
 * sequence or a tab at column 0, quoted keys, a BOM) answers false: it is parsed.
 */
export function plainServiceDocuments(text: string, docs: ReadonlyArray<{start: number; end: number}>): boolean[] {
  const risky = riskyDocuments(text, docs)
  return docs.map((d, i) => !risky[i] && plainServiceStructure(text, d.start, d.end))
}

/** Documents holding a backslash, or a `!` at the start of the text or after whitespace, `[`, `{` or `,`. */
function riskyDocuments(text: string, docs: ReadonlyArray<{start: number; end: number}>): boolean[] {
  const out = docs.map(() => false)
  let doc = 0
  const mark = (at: number) => {
    while (doc < docs.length - 1 && docs[doc].end <= at) doc++
    if (docs[doc] && docs[doc].start <= at && at < docs[doc].end) out[doc] = true
  }
  const positions: number[] = []
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', at + 1)) positions.push(at)
  for (let at = text.indexOf('!'); at !== -1; at = text.indexOf('!', at + 1)) {
    const before = at === 0 ? ' ' : text[at - 1]
    if (' \t\r\n[{,'.includes(before)) positions.push(at)
  }
  positions.sort((a, b) => a - b).forEach(mark)
  return out
}

function plainServiceStructure(text: string, start: number, end: number): boolean {
  let at = start
  if (text.startsWith('---', start)) {
    if (!matchesAt(MARKER_REST, text, start + 3)) return false
    const nl = text.indexOf('\n', start)
    at = nl === -1 || nl >= end ? end : nl + 1
  }
  let kinds = 0
  let kindOk = false
  let afterKind = false
  while (at < end) {
    const nl = text.indexOf('\n', at)
    const next = nl === -1 || nl >= end ? end : nl + 1
    const c = text.charCodeAt(at)
    if (afterKind) {
      // The kind value must end on its line: the next line is another top-level key.
      if (!matchesAt(PLAIN_TOP_KEY, text, at)) return false
      afterKind = false
    }
    if (c === 32 /* indented content */ || c === 35 /* comment */ || c === 10 || (c === 13 && text.charCodeAt(at + 1) === 10)) {
      // says nothing about the top level
    } else if (matchesAt(PLAIN_TOP_KEY, text, at)) {
      if (matchesAt(KIND_KEY, text, at)) {
        kinds++
        kindOk = matchesAt(SERVICE_KIND, text, at)
        afterKind = true
      }
    } else {
      return false // a tab, a sequence at column 0, a flow collection, a quoted key, a BOM …
    }
    at = next
  }
  // `afterKind` still set: the kind line was the document's last line, which is fine.
  return kinds === 1 && kindOk
}

/** Whether the text contains any of the needles (plain substring search). */
export function mentionsAny(text: string, needles: Iterable<string>): boolean {
  for (const n of needles) if (text.includes(n)) return true
  return false
}
