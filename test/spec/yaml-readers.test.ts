// The fast YAML path (js-yaml) must read exactly what the reference reader (`yaml`) reads,
// or hand the text to the reference reader.
import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {isDeepStrictEqual} from 'node:util'
import {describe, expect, it} from 'vitest'
import {yamlReaders} from '../../src/spec/documents.js'

const SNIPPETS = [
  'a: 1\n---\n', '---\na: 1\n', '# c\n---\na: 1\n...\n', '', 'a: 1\n---\n# c\n---\nb: 1\n', '--- {a: 1}\n', '---\n- x\n',
  'a: 0644\nb: 0o17\nc: 0x1F\nd: 1e3\ne: 1_000\nf: .5\ng: 1.\nh: +12\ni: -.inf\nj: .NaN\nk: 2024-01-01\nl: yes\nm: True\nn: ~\no: Null\n',
  'p: "123"\nq: \'true\'\nr: 12345678901234567890\ns: 0.10\nt: 1:30\nu: 0b101\nv: -0\nw: .inf\nx: +.5e-3\ny: -0o7\nz: 08\n',
  'a: |\n  x\n  y\nb: >-\n  p\n  q\n\nc: "esc\\t\\u00e9\\x41"\nd: \'it\'\'s\'\n',
  '"__proto__": {x: 1}\n', 'k: [a, b, {c: d}]\nl: {}\nm: []\n', '1: a\ntrue: b\n1.5: c\n', 'a:\n  - b\n  -\n  - c: 1\n',
  'a: b\r\nc: d\r\n', '\ufeffa: 1\n', 'a: "multi\n  line"\nb: plain\n  continued\n', "'null': 1\n", 'a: x&y\n', 'url: http://x:80/a?b=c&d=e\n',
  // Handed to the reference reader: anchors, tags, merge keys, complex and null keys, errors.
  'x: &a 1\ny: *a\n', 'base: &b {p: 1}\nc:\n  <<: *b\n', 'x: !!str 1\n', '? a\n: b\n', 'null: 1\n', ': x\n', '- : 1\n', '[a]: b\n',
  'a: 1\na: 2\n', 'a: *b\n', '%YAML 1.2\n---\na: 1\n',
  // Block scalar bodies are literal text (a Cedar `&&`); what follows them is still checked.
  'p: |\n  when { a && b }\n  ? x\n  !y\n  <<: z\n  : w\nq: 1\n', '- >-\n  a && b\n- c\n', 'k:\n  - x: |\n      &a\n    y: &b 1\n  - *b\n',
  'p: |\n    deep && x\n  bad: &a 1\n', 'p: |+\n  a && b\n\nq: &r 1\nz: *r\n', 'p: |2\n   && x\n', 'p: "x: |\n  &a"\nq: &b 1\n',
]

function repoYamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) repoYamlFiles(full, out)
    else if (/\.ya?ml$/.test(name)) out.push(full)
  }
  return out
}

function reference(text: string): unknown {
  try {
    return yamlReaders.reference(text)
  } catch (e) {
    return `error: ${(e as Error).message}`
  }
}

describe('YAML readers', () => {
  it('read the same values, or the fast path declines', () => {
    const texts = [...SNIPPETS, ...repoYamlFiles('examples').map((f) => readFileSync(f, 'utf8'))]
    let fast = 0
    for (const text of texts) {
      const plain = yamlReaders.plain(text)
      if (plain === undefined) continue
      fast++
      // A comment-only text is one null document for js-yaml and none for `yaml`; both are skipped.
      const expected = reference(text)
      const same = isDeepStrictEqual(plain, expected) || (Array.isArray(expected) && expected.length === 0 && plain.every((d) => d === null))
      expect(same, JSON.stringify(text)).toBe(true)
    }
    expect(fast).toBeGreaterThan(10)
  })

  it('block scalar bodies do not send a file to the reference reader, what follows them does', () => {
    expect(yamlReaders.plain(readFileSync('examples/commerce/cedar-policies.yaml', 'utf8'))).toBeDefined()
    expect(yamlReaders.plain('p: |\n  a && b\n  !c\nq: 1\n')).toEqual([{p: 'a && b\n!c\n', q: 1}])
    for (const text of ['p: |\n  a && b\nq: &r 1\nz: *r\n', 'k:\n  - x: |\n      t\n    y: &b 1\n', 'p: |\n    deep\n  bad: &a 1\n', 'p: |2\n   && x\n', 'p: "x: |\n  &a"\n']) {
      expect(yamlReaders.plain(text), JSON.stringify(text)).toBeUndefined()
    }
  })

  it('leaves anchors, tags, merge keys, null keys and invalid text to the reference reader', () => {
    for (const text of ['x: &a 1\ny: *a\n', 'c:\n  <<: {p: 1}\n', 'x: !!str 1\n', 'null: 1\n', '- : 1\n', '[a]: b\n', 'a: 1\na: 2\n', 'a: [x\n']) {
      expect(yamlReaders.plain(text), JSON.stringify(text)).toBeUndefined()
    }
  })
})
