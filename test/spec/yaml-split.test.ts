// The textual YAML document splitter must number documents exactly as the parsers do and
// give each document's text such that parsing it alone reads the same value.
import fc from 'fast-check'
import jsyaml from 'js-yaml'
import {describe, expect, it} from 'vitest'
import {splitYamlDocuments} from '../../src/spec/yaml-split.js'

/** Each document parsed on its own, empty ones as null, in the split's numbering. */
function splitValues(text: string): unknown[] | undefined {
  const segments = splitYamlDocuments(text)
  if (!segments) return undefined
  return segments.map((s, i) => {
    expect(s.docIndex).toBe(i)
    if (s.empty) return null
    const values = jsyaml.loadAll(text.slice(s.start, s.end))
    expect(values).toHaveLength(1)
    return values[0]
  })
}

/** What the parser reads, without the trailing nulls a comment-only stream yields. */
function streamValues(text: string): unknown[] {
  const values = jsyaml.loadAll(text)
  return values.every((v) => v === null || v === undefined) && !/^(?:---|\.\.\.)/m.test(text) ? [] : values
}

describe('splitYamlDocuments', () => {
  it.each([
    ['a: 1\n---\nb: 2\n'],
    ['# leading comment\n---\na: 1\n'],
    ['a: 1\n---\n'],
    ['a: 1\n---\n---\nb: 1\n'],
    ['a: 1\n...\nb: 1\n'],
    ['a: 1\n...\n---\nb: 1\n'],
    ['a: 1\n...\n'],
    ['a: 1\n...\n...\nb: 2\n'],
    ['...\na: 1\n'],
    ['---\n...\n'],
    ['--- # a comment on the marker\na: 1\n'],
    ['a: 1\n--- {b: 2}\n'],
    ['a: 1\n---\tb\n'],
    ['a: 1\r\n---\r\nb: 2\r\n'],
    ['\ufeffa: 1\n---\nb: 2\n'],
    ['x: |\n  --- not a marker\n  ... nor this\ny: 1\n---\nz: 2\n'],
    ['a: 1\n---b: 1\n'], // `---b` is a plain scalar, not a marker
    ['a: 1\n--- |\n  text\n---\nb: 2\n'],
  ])('reads %j as the parser does', (text) => {
    expect(splitValues(text)).toEqual(streamValues(text))
  })

  it('does not split streams with directives or lone carriage returns', () => {
    expect(splitYamlDocuments('%YAML 1.2\n---\na: 1\n')).toBeUndefined()
    expect(splitYamlDocuments('a: 1\n---\n%TAG ! tag:x,2024:\n---\nb: 1\n')).toBeUndefined()
    expect(splitYamlDocuments('a: 1\r---\rb: 1\r')).toBeUndefined()
  })

  it('keeps the byte-order mark in the first document', () => {
    const [first] = splitYamlDocuments('\ufeffa: 1\n---\nb: 2\n')!
    expect(first.start).toBe(0)
  })

  it('agrees with the parser on random streams of documents, markers and comments', () => {
    const doc = fc.constantFrom('a: 1', 'b: [x, y]', 'c: |\n  --- inside\n  ... too', '# only a comment', 'd: "q"', '- item', 'e:\n  f: g', '')
    const marker = fc.constantFrom('---', '...', '--- # c', '---\t', '')
    const stream = fc.array(fc.tuple(marker, doc), {maxLength: 6}).map((parts) => parts.map(([m, d]) => (m ? `${m}\n${d}` : d)).join('\n'))
    fc.assert(
      fc.property(stream, fc.boolean(), (text, crlf) => {
        const t = crlf ? text.replace(/\n/g, '\r\n') : text
        let expected: unknown[]
        try {
          expected = streamValues(t)
        } catch {
          return // not YAML: the loader reads such files whole
        }
        expect(splitValues(t)).toEqual(expected)
      }),
      {numRuns: 500},
    )
  })
})
