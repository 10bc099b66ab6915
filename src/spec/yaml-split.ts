// Splitting a YAML stream into its documents without parsing it. A line that starts with
// `---` or `...` followed by whitespace or the end of the line is always a document marker
// (YAML 1.2 forbids both inside any scalar, block scalars included), so the split is exact
// for every well-formed stream; a malformed one is still read by the parser (see
// documents.ts). Directives (`%YAML`, `%TAG`) apply to the document after them, so a stream
// with any is not split.

export interface YamlSegment {
  /** 0-based position of the document in the stream, as the parsers number them. */
  docIndex: number
  /** [start, end) in the text: the marker line (if any) through the line before the next marker. */
  start: number
  end: number
  /** Only blank and comment lines (after the marker): the document is null. */
  empty: boolean
}

/**
 * Candidate marker and directive lines after a line feed (the start of the text is checked
 * apart): a plain regex, so the engine scans for the line feed quickly; lineKind decides.
 */
const CANDIDATE = /\n(?=---|\.\.\.|%)/g

const enum Line {
  Other,
  Start, // `---`
  End, // `...`
  Directive, // `%…`
}

function lineKind(text: string, at: number): Line {
  const c = text.charCodeAt(at)
  if (c === 37 /* % */) return Line.Directive
  if (c !== 45 /* - */ && c !== 46 /* . */) return Line.Other
  if (text.charCodeAt(at + 1) !== c || text.charCodeAt(at + 2) !== c) return Line.Other
  const next = text.charCodeAt(at + 3)
  // end of text (NaN), space, tab, CR, LF
  if (!(Number.isNaN(next) || next === 32 || next === 9 || next === 13 || next === 10)) return Line.Other
  return c === 45 ? Line.Start : Line.End
}

/** A CR not followed by LF: YAML reads it as a line break, this splitter does not. */
function hasLoneCarriageReturn(text: string): boolean {
  for (let at = text.indexOf('\r'); at !== -1; at = text.indexOf('\r', at + 1)) if (text.charCodeAt(at + 1) !== 10) return true
  return false
}

/** True when [from, to) holds only blank lines and comments (a `#` after the marker counts too). */
function onlyComments(text: string, from: number, to: number): boolean {
  let i = from
  while (i < to) {
    const c = text.charCodeAt(i)
    if (c === 32 || c === 9 || c === 13 || c === 10) {
      i++
      continue
    }
    if (c !== 35 /* # */) return false
    const nl = text.indexOf('\n', i)
    i = nl === -1 || nl >= to ? to : nl + 1
  }
  return true
}

/**
 * The documents of a YAML stream, numbered as js-yaml and `yaml` number them (empty
 * documents included), or undefined when the stream uses directives. A leading byte-order
 * mark stays in the first document's text, where the parsers expect it.
 */
export function splitYamlDocuments(text: string): YamlSegment[] | undefined {
  const out: YamlSegment[] = []
  // The document being read: where it starts and where its content starts (after the marker).
  let open: {start: number; content: number} | undefined
  // Text before the first marker, or after a `...`, is a bare document when it has content.
  let bareFrom = 0
  const close = (end: number) => {
    if (open) out.push({docIndex: out.length, start: open.start, end, empty: onlyComments(text, open.content, end)})
    open = undefined
  }
  const bare = (end: number) => {
    if (!open && !onlyComments(text, bareFrom, end)) open = {start: bareFrom, content: bareFrom}
  }
  // A lone CR is a YAML line break too: markers after one are not seen here, so do not split.
  if (hasLoneCarriageReturn(text)) return undefined
  const visit = (at: number): boolean => {
    const kind = lineKind(text, at)
    if (kind === Line.Directive) return false
    if (kind === Line.Start) {
      bare(at)
      close(at)
      open = {start: at, content: at + 3}
    } else if (kind === Line.End) {
      bare(at)
      // A `...` with no document open ends an empty one (both parsers count it).
      if (!open) open = {start: at, content: at}
      close(at)
      const nl = text.indexOf('\n', at)
      bareFrom = nl === -1 ? text.length : nl + 1
    }
    return true
  }
  if (!visit(0)) return undefined
  CANDIDATE.lastIndex = 0
  for (let m = CANDIDATE.exec(text); m; m = CANDIDATE.exec(text)) if (!visit(m.index + 1)) return undefined
  bare(text.length)
  close(text.length)
  return out
}
