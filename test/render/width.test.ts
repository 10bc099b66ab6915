// Issue 10.2: every text report line fits the width (80 when stdout is not a TTY and
// COLUMNS is unset; --width / COLUMNS otherwise), wrapped between words with a hanging
// indent; no colour with NO_COLOR or --no-color. Issue 10.3: the JSON/YAML documents carry
// apiVersion/kind and follow schema/diagnosis.schema.json, per-port verdicts included.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Ajv} from 'ajv'
import {describe, expect, it} from 'vitest'
import {terminalWidth, wrapLine} from '../../src/render/wrap.js'
import {cli} from '../helpers/cli.js'
import {PROJECT_ROOT} from '../helpers/shared.js'

const EX = ['--specs', 'examples/commerce']
const README = ['debug', 'connectivity', 'commerce/inventory', 'commerce/orders-db', ...EX]
const ANSI = /\u001b\[/
const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length))

describe('text width', () => {
  it('the README example fits 80 columns when piped (it printed lines of 160 before), same verdict and fix', () => {
    const r = cli(README)
    expect(r.code).toBe(1)
    expect(widest(r.stdout)).toBeLessThanOrEqual(80)
    const joined = r.stdout.replace(/\n {2,}(?=\S)/g, ' ')
    expect(joined).toContain('Result: BLOCKED at L4. Bilateral inbound declaration on orders-db does not include inventory.')
    expect(r.stdout).toContain('\n  inventory: {type: service, direction: inbound}\n')
  })

  it('120 columns (COLUMNS or --width): lines use the room, none is wider', () => {
    for (const [args, env] of [[['--width', '120'], {}], [[], {COLUMNS: '120'}]] as const) {
      const r = cli([...README, '-v', ...args], env)
      expect(widest(r.stdout)).toBeLessThanOrEqual(120)
      expect(widest(r.stdout)).toBeGreaterThan(80)
    }
    const at80 = cli([...README, '-v'])
    expect(widest(at80.stdout)).toBeLessThanOrEqual(80)
    // The same text at both widths: nothing lost, nothing reordered (only a token wider
    // than a whole line, a Cedar entity here, may be cut, after a `:` or `/`).
    const chars = (s: string) => s.replace(/\s+/g, '')
    expect(chars(cli([...README, '-v', '--width', '120']).stdout)).toBe(chars(at80.stdout))
    expect(at80.stdout).toMatch(/"allowedBinary:\/usr\/lib\/postgresql\/16\/bin\/\n +postgres"/)
  })

  it('a multi-port pair: one block per port, within the width', () => {
    const r = cli(['debug', 'connectivity', 'commerce/checkout', 'commerce/inventory', ...EX])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('\nPort http (80→8081): ALLOWED\n  L4 (Cilium): PASS')
    expect(r.stdout).toContain('\nPort metrics (9102): ALLOWED\n  L4 (Cilium): PASS')
    expect(widest(r.stdout)).toBeLessThanOrEqual(80)
  })

  it('no ANSI with NO_COLOR=1 or --no-color', () => {
    expect(cli(README, {NO_COLOR: '1'}).stdout).not.toMatch(ANSI)
    expect(cli([...README, '--no-color']).stdout).not.toMatch(ANSI)
  })

  it('terminalWidth: --width, then COLUMNS, then the TTY, else 80; never below 40', () => {
    expect(terminalWidth({isTTY: false, columns: 200}, {})).toBe(80)
    expect(terminalWidth({isTTY: true, columns: 132}, {})).toBe(132)
    expect(terminalWidth({isTTY: true, columns: 132}, {COLUMNS: '100'})).toBe(100)
    expect(terminalWidth({isTTY: true, columns: 132}, {COLUMNS: '100'}, 90)).toBe(90)
    expect(terminalWidth({}, {COLUMNS: 'wide'})).toBe(80)
    expect(terminalWidth({}, {}, 10)).toBe(40)
  })

  it('wrapLine: hanging indent, whole words, a YAML comment keeps its #, ANSI codes do not count', () => {
    expect(wrapLine('Result: BLOCKED at L4. Bilateral inbound declaration on orders-db does not include inventory.', 40)).toEqual([
      'Result: BLOCKED at L4. Bilateral inbound',
      '  declaration on orders-db does not',
      '  include inventory.',
    ])
    expect(wrapLine('  - a warning that is long enough to wrap around', 30)).toEqual(['  - a warning that is long', '      enough to wrap around'])
    expect(wrapLine('  # one two three four five six seven', 20)).toEqual(['  # one two three', '    # four five six', '    # seven'])
    const red = '\u001b[31mDENY\u001b[39m'
    expect(wrapLine(`L4: ${red} (abc)`, 14)).toEqual([`L4: ${red} (abc)`])
    // Only a token wider than the line is cut.
    expect(wrapLine(`x ${'a'.repeat(50)}`, 40).every((l) => l.length <= 40)).toBe(true)
  })
})

describe('JSON documents (issue 10.3)', () => {
  const validate = new Ajv({allErrors: true}).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'diagnosis.schema.json'), 'utf8')))

  it('apiVersion platform.lattice.dev/v1alpha1, kind ConnectivityDiagnosis, per-port verdicts; schema-valid', () => {
    for (const [pair, ports] of [[['commerce/checkout', 'commerce/inventory'], 2], [['commerce/inventory', 'commerce/orders-db'], 1]] as const) {
      const r = cli(['debug', 'connectivity', ...pair, ...EX, '-o', 'json'])
      const doc = JSON.parse(r.stdout)
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
      expect(doc.apiVersion).toBe('platform.lattice.dev/v1alpha1')
      expect(doc.kind).toBe('ConnectivityDiagnosis')
      expect(doc.ports).toHaveLength(ports)
      // A script reading the old top-level fields gets the truth.
      expect(doc.result.status).toBe(doc.ports.every((p: any) => p.result.status === 'ALLOWED') ? 'ALLOWED' : 'BLOCKED')
      expect(doc.layers).toEqual((doc.ports.find((p: any) => p.result.status === 'BLOCKED') ?? doc.ports[0]).layers)
    }
  })

  it('the schema rejects a document without apiVersion/kind', () => {
    const doc = JSON.parse(cli(['debug', 'connectivity', 'commerce/checkout', 'commerce/payments', ...EX, '-o', 'json']).stdout)
    delete doc.kind
    expect(validate(doc)).toBe(false)
  })
})
