// Golden tests of the text report (LATTICE-SPEC §9.3): each case is diagnosed offline from
// specs on disk and rendered without colour; the output must equal test/golden/<case>.txt.
// `UPDATE_GOLDEN=1 npx vitest run test/render` rewrites the files (then read the diff).
// Temporary directories in the output (the fix names the spec file) become `<specs>`.
import {existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {LAYER_TITLES} from '../../src/core/result.js'
import type {Diagnosis} from '../../src/diagnose/model.js'
import {diagnoseOffline} from '../../src/diagnose/offline.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {renderDiagnosisText} from '../../src/render/diagnosis-text.js'
import {useColor} from '../../src/render/color.js'
import {loadSpecs} from '../../src/spec/load.js'
import {cli} from '../helpers/cli.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {SEED_POLICIES, seedPair, writeSpecs} from '../helpers/specs.js'

const GOLDEN_DIR = path.join(PROJECT_ROOT, 'test', 'golden')
const UPDATE = process.env.UPDATE_GOLDEN === '1'
const ANSI = /\u001b\[/

interface Case {
  docs: unknown[]
  source?: string
  target?: string
  clientBinary?: string
  /** Edit the compiled policies and pass them as a dump (--policies). */
  dump?: (objects: Array<Record<string, any>>) => Array<Record<string, any>>
}

interface Rendered {
  diagnosis: Diagnosis
  /** At 80 columns, what the CLI prints to a pipe (the golden files). */
  text: string
  /** Unwrapped: one line per layer, the §9.3 line format. */
  wide: string
}

async function run(c: Case, opts: {verbose?: boolean; color?: boolean; width?: number} = {}): Promise<Rendered> {
  const specDir = writeSpecs(c.docs)
  const policyPaths: string[] = []
  const tmpDirs = [specDir]
  if (c.dump) {
    const fleet = await compileFleet(await loadSpecs([specDir]), defaultCompileOptions())
    const objects = [...fleet.baseline.l4, ...fleet.resources.l4, ...fleet.baseline.l7, ...fleet.resources.l7, ...fleet.baseline.runtime, ...fleet.resources.runtime]
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-dump-'))
    tmpDirs.push(dir)
    writeFileSync(path.join(dir, 'live.yaml'), stringify({apiVersion: 'v1', kind: 'List', items: c.dump(structuredClone(objects))}))
    policyPaths.push(dir)
  }
  const diagnosis = await diagnoseOffline({
    specPaths: [specDir], policyPaths, source: c.source ?? 'commerce/checkout', target: c.target ?? 'commerce/payments',
    options: defaultCompileOptions(), ...(c.clientBinary ? {clientBinary: c.clientBinary} : {}),
  })
  return {
    diagnosis,
    text: normalize(renderDiagnosisText(diagnosis, {width: 80, ...opts}), tmpDirs),
    wide: normalize(renderDiagnosisText(diagnosis, {...opts, width: Infinity}), tmpDirs),
  }
}

/** Temp dirs (and their realpaths, e.g. /private/var on macOS) become `<specs>`/`<policies>`. */
function normalize(text: string, dirs: string[]): string {
  let out = text
  dirs.forEach((dir, i) => {
    const label = i === 0 ? '<specs>' : '<policies>'
    for (const d of new Set([realpathSync(dir), dir])) out = out.split(d).join(label)
  })
  return out.split(path.sep).join('/')
}

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, `${name}.txt`)
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`missing golden file ${file}; run UPDATE_GOLDEN=1 npx vitest run test/render`)
    mkdirSync(GOLDEN_DIR, {recursive: true})
    writeFileSync(file, actual)
  }
  expect(actual).toBe(readFileSync(file, 'utf8'))
}

/** The §9.3 skeleton every report starts with: six layer lines in order, then Result. */
function expectSeedLineFormat(text: string): string[] {
  const lines = text.split('\n')
  const titles = Object.values(LAYER_TITLES)
  const top = lines.filter((l) => !l.startsWith(' ')).slice(0, 7)
  expect(top.map((l) => l.slice(0, l.indexOf(':')))).toEqual([...titles, 'Result'])
  for (const l of top.slice(0, 6)) expect(l).toMatch(/^[^:]+: (PASS|DENY|WARN|FAIL|SKIP|UNKNOWN) \(.+\)$/)
  expect(top[6]).toMatch(/^Result: (ALLOWED\.|BLOCKED at (Admission|Cedar|L4|L7|Runtime)\. \S.*\.|UNKNOWN\..*)$/)
  expect(text).not.toMatch(ANSI)
  expect(text).not.toContain(tmpdir())
  return top
}

/**
 * Issue 10.2: no line wider than `width`, never broken inside a word (the words are those of
 * the unwrapped report, in order; a wrapped YAML comment repeats its `#`), continuation
 * lines indented deeper than the line they continue.
 */
function expectWrapped(text: string, wide: string, width: number): void {
  const lines = text.replace(/\n$/, '').split('\n')
  for (const l of lines) expect(l.replace(/\u001b\[\d+m/g, '').length, l).toBeLessThanOrEqual(width)
  const words = (s: string) => s.split(/\s+/).filter(Boolean)
  const wideLines = wide.replace(/\n$/, '').split('\n')
  let i = 0
  for (const w of wideLines) {
    // Consume as many wrapped lines as it takes to spell this wide line's words.
    const want = words(w)
    const got: string[] = []
    const indent = /^ */.exec(w)![0].length
    expect(lines[i]?.startsWith(' '.repeat(indent)) && !lines[i]!.startsWith(' '.repeat(indent + 1)) || want.length === 0, `line ${i}: ${lines[i]}`).toBe(true)
    got.push(...words(lines[i++] ?? ''))
    while (got.length < want.length) {
      const cont = lines[i++] ?? ''
      expect(/^ */.exec(cont)![0].length, cont).toBeGreaterThan(indent)
      const ws = words(cont)
      got.push(...(w.trimStart().startsWith('#') && ws[0] === '#' ? ws.slice(1) : ws))
    }
    expect(got).toEqual(want)
  }
  expect(i).toBe(lines.length)
}

const CASES: Record<string, Case> = {
  'allowed': {docs: [...seedPair(), SEED_POLICIES]},
  // §9.3's first sample: payments keeps its secret and Stripe, but not the inbound checkout.
  'one-sided': {
    docs: [...seedPair({
      payments: {
        stripe: {type: 'external-service', direction: 'outbound', params: {endpoints: {api: 'https://api.stripe.com'}}},
        'stripe-key': {type: 'secret', id: 'commerce/payments/stripe', params: {provider: 'vault-prod', keys: ['token']}},
      },
    }), SEED_POLICIES],
  },
  'cedar-denied': {docs: seedPair()},
  'admission-failed': {
    docs: (() => {
      const [checkout, payments] = seedPair() as any[]
      checkout.spec.workload.containers.main.command = ['srv/checkout']
      return [checkout, payments, SEED_POLICIES]
    })(),
  },
  'runtime-client-binary': {docs: [...seedPair(), SEED_POLICIES], clientBinary: '/usr/bin/wget'},
  'drift-missing-cnp': {docs: [...seedPair(), SEED_POLICIES], dump: (objs) => objs.filter((o) => o.metadata.name !== 'cnp-mesh-3d68c7ca')},
  // §10.13: payments serves http and grpc; a hand-written DENY closes grpc only. One block
  // per port, BLOCKED naming grpc, the fix aimed at it.
  'multi-port-one-blocked': {
    docs: (() => {
      const [checkout, payments] = seedPair() as any[]
      payments.spec.workload.service.ports = {http: {port: 8080}, grpc: {port: 9090}}
      return [checkout, payments, SEED_POLICIES]
    })(),
    dump: (objs) => [...objs, {
      apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: {name: 'deny-grpc', namespace: 'commerce'},
      spec: {selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, action: 'DENY', rules: [{to: [{operation: {ports: ['9090']}}]}]},
    }],
  },
}

describe('golden text reports (§9.3)', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const {text, wide} = await run(c)
      if (!name.startsWith('multi-port')) expectSeedLineFormat(wide)
      expectWrapped(text, wide, 80)
      golden(name, text)
    })
  }

  it('verbose: reasons and evidence indented under their layer', async () => {
    const {text: wrapped, wide: text} = await run(CASES['one-sided'], {verbose: true})
    const top = expectSeedLineFormat(text)
    // The non-verbose report is the verbose one without the indented lines above the Result.
    const plain = (await run(CASES['one-sided'])).wide
    const lines = text.split('\n')
    const resultAt = lines.indexOf(top[6])
    expect([...lines.slice(0, resultAt).filter((l) => !l.startsWith('    ')), ...lines.slice(resultAt)].join('\n')).toBe(plain)
    expect(lines.slice(0, resultAt).some((l) => l.startsWith('    evidence: '))).toBe(true)
    expectWrapped(wrapped, text, 80)
    golden('one-sided-verbose', wrapped)
  })

  it('the allowed report is the §9.3 "everything in place" sample, line for line', async () => {
    const {wide: text} = await run(CASES['allowed'])
    expect(text.split('\n').filter((l) => !l.startsWith('Cedar:'))).toEqual([
      'Admission: PASS (spec valid)',
      'Declarations: PASS (checkout → payments: outbound on checkout, inbound on payments)',
      'L4 (Cilium): PASS (CiliumNetworkPolicy cnp-mesh-e79249a6 allows egress to payments:8080 (wire: HBONE 15008); cnp-mesh-3d68c7ca allows ingress from checkout)',
      'L7 (Istio): PASS (AuthorizationPolicy allow-to-3d68c7ca allows spiffe://cluster.local/ns/commerce/sa/checkout on port 8080)',
      'Runtime (Tetragon): PASS (allow-binaries-payments includes /usr/local/bin/payments)',
      'Result: ALLOWED.',
      '',
    ])
  })

  it('admission failure: the rejected spec is named as the reason there is no edge, and the fix is an edit', async () => {
    const {wide: text} = await run(CASES['admission-failed'])
    const lines = text.split('\n')
    expect(lines).toContain('Declarations: DENY (checkout rejected by admission: not in the service graph, so there is no edge to evaluate)')
    expect(lines).toContain("Result: BLOCKED at Admission. 'main': command[0] 'srv/checkout' must be an absolute path (start with '/').")
    expect(lines).toContain('Fix: edit checkout spec.workload.containers.main.command[0] (<specs>/specs.yaml):')
  })

  it('the one-sided report is the §9.3 sample line for line, then a verified fix naming the spec file', async () => {
    const {wide: text} = await run(CASES['one-sided'])
    const lines = text.split('\n')
    expect(lines.slice(0, 7)).toEqual([
      'Admission: PASS (spec valid)',
      'Cedar: PASS (AccessSecret permitted, OverrideSecurity permitted, AccessExternalEndpoint permitted)',
      'Declarations: DENY (outbound dependency payments declared but no matching inbound declaration found on service payments)',
      'L4 (Cilium): DENY (no egress rule on checkout for payments:8080 (wire: HBONE 15008); egress default-deny from CiliumClusterwideNetworkPolicy default-deny)',
      'L7 (Istio): DENY (no AuthorizationPolicy allows spiffe://cluster.local/ns/commerce/sa/checkout on payments port 8080; default deny from AuthorizationPolicy istio-system/mesh-default-deny)',
      'Runtime (Tetragon): PASS (allow-binaries-payments includes /usr/local/bin/payments)',
      'Result: BLOCKED at L4. Bilateral inbound declaration on payments does not include checkout.',
    ])
    expect(lines).toContain('Fix: add to payments spec.workload.resources (<specs>/specs.yaml):')
    expect(lines).toContain('  checkout: {type: service, direction: inbound}')
    expect(lines).toContain('Fix verified: the diagnosis re-run with this change in memory says ALLOWED.')
  })
})

describe('colour', () => {
  it('ANSI codes appear only with color: true, around status words', async () => {
    const {diagnosis, text} = await run(CASES['one-sided'])
    expect(text).not.toMatch(ANSI)
    const coloured = renderDiagnosisText(diagnosis, {color: true})
    expect(coloured).toMatch(ANSI)
    expect(coloured).toContain('\u001b[31mDENY\u001b[39m')
    expect(coloured).toContain('\u001b[32mPASS\u001b[39m')
    expect(coloured).toContain('Result: \u001b[31mBLOCKED at L4\u001b[39m.')
    // Stripped of its codes, the coloured report is the plain one.
    expect(normalize(coloured.replace(/\u001b\[\d+m/g, ''), [])).toBe(renderDiagnosisText(diagnosis))
  })

  it('useColor: only on a TTY, never with NO_COLOR (any non-empty value) or TERM=dumb', () => {
    expect(useColor({isTTY: true}, {})).toBe(true)
    expect(useColor({isTTY: true}, {NO_COLOR: '1'})).toBe(false)
    expect(useColor({isTTY: true}, {NO_COLOR: '1', FORCE_COLOR: '1'})).toBe(false)
    expect(useColor({isTTY: true}, {TERM: 'dumb'})).toBe(false)
    expect(useColor({isTTY: true}, {NO_COLOR: ''})).toBe(true) // no-color.org: only a non-empty value disables
    expect(useColor({isTTY: false}, {})).toBe(false)
    expect(useColor({}, {FORCE_COLOR: '1'})).toBe(false)
  })

  it('the CLI prints no ANSI codes with NO_COLOR=1, even with FORCE_COLOR set', () => {
    const r = cli(['debug', 'connectivity', 'inventory', 'orders-db', '-n', 'commerce', '--specs', 'examples/commerce'], {NO_COLOR: '1', FORCE_COLOR: '3'})
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Result: BLOCKED at L4.')
    expect(r.stdout + r.stderr).not.toMatch(ANSI)
  })
})
