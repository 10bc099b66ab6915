// The bad-input suite on the built CLI: input that must not produce a verdict (issue 7.11),
// credentials never printed (7.12), spec folders as users have them and flags checked in
// every mode (10.4), live-mode edges (10.5) and the disk cache switches (10.6). Every error
// is one line on stderr, exit 2 (3 when the cluster cannot be asked), never a stack trace.
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {cli, type CliResult} from '../helpers/cli.js'
import {PROJECT_ROOT} from '../helpers/shared.js'

const EX = ['--specs', 'examples/commerce']
const PAIR = ['debug', 'connectivity', 'commerce/checkout', 'commerce/payments']

function temp(): string {
  return mkdtempSync(path.join(tmpdir(), 'platform-bad-'))
}
function file(dir: string, name: string, text: string): string {
  mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
  writeFileSync(path.join(dir, name), text)
  return path.join(dir, name)
}
function withStdin(args: string[], input: string): CliResult {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'run.js'), ...args], {cwd: PROJECT_ROOT, encoding: 'utf8', input, env: {...process.env, NO_COLOR: ''}, timeout: 60_000})
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr}
}
/** One line on stderr, no stack frame; returns it. */
function oneLine(r: CliResult): string {
  const lines = r.stderr.trim().split('\n')
  expect(lines, r.stderr).toHaveLength(1)
  expect(r.stderr).not.toMatch(/\bat .*:\d+:\d+\)?$/m)
  return lines[0]
}
/** A copy of the example specs with one edit. */
function examplesWith(edit: (file: string, text: string) => string): string {
  const dir = temp()
  for (const f of readdirSync(path.join(PROJECT_ROOT, 'examples/commerce'))) {
    const p = path.join(PROJECT_ROOT, 'examples/commerce', f)
    if (f.endsWith('.yaml')) file(dir, f, edit(f, readFileSync(p, 'utf8')))
  }
  return dir
}

describe('input that must not produce a verdict (7.11)', () => {
  it('a --policies input with no policy object is exit 2 naming the file, not ALLOWED with "missing" drift', () => {
    const dir = temp()
    const inputs = {
      spec: path.join(PROJECT_ROOT, 'examples/commerce/checkout.yaml'),
      configMap: file(dir, 'cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: commerce}\ndata: {a: b}\n'),
      empty: file(dir, 'empty.yaml', ''),
    }
    for (const [what, p] of Object.entries(inputs)) {
      const r = cli([...PAIR, ...EX, '--policies', p])
      expect(r.code, what).toBe(2)
      expect(r.stdout, what).toBe('')
      expect(oneLine(r)).toBe(`platform: ${p}: no policy object (CiliumNetworkPolicy, AuthorizationPolicy, TracingPolicy, …) in it (${what === 'spec' ? 'found 1 LatticeService' : what === 'configMap' ? 'found 1 ConfigMap' : 'empty'})`)
    }
  })

  it('an unknown field is exit 2 with its path and the closest valid name (the fix never edits next to a typo)', () => {
    const dir = examplesWith((f, t) => (f === 'checkout.yaml' ? t.replace(/(\n\s+)namespace: storefront/, '$1namespce: storefront') : t))
    const r = cli([...PAIR, '--specs', dir])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(oneLine(r)).toMatch(/^platform: .*checkout\.yaml: document 1: unknown field spec\.workload\.resources\.\S+\.namespce \(did you mean namespace\?\)$/)
    const validate = cli(['validate', dir])
    expect(validate.code).toBe(2)
    expect(validate.stdout).toMatch(/^FAIL .*unknown field spec\.workload\.resources\.\S+\.namespce \(did you mean namespace\?\)$/m)
  })

  it('validate reports every unreadable or invalid file, and exits 2 when the paths hold no Lattice object', () => {
    const dir = examplesWith((f, t) => (f === 'payments.yaml' ? t.replace('image:', 'imgae:') : f === 'inventory.yaml' ? `${t}\nbad: [\n` : t))
    const r = cli(['validate', dir, 'no/such/file.yaml'])
    expect(r.code).toBe(2)
    const fails = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'))
    expect(fails).toEqual([
      'FAIL no/such/file.yaml: no such file or directory',
      expect.stringMatching(/inventory\.yaml: document \d+: YAML syntax error/),
      expect.stringMatching(/payments\.yaml: document 1: unknown field spec\.workload\.containers\.main\.imgae \(did you mean image\?\)$/),
    ])
    expect(r.stdout).toMatch(/^ok {3}LatticeService commerce\/checkout$/m)

    const others = temp()
    file(others, 'deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n')
    file(others, 'values.yaml', 'replicaCount: 1\n')
    const none = cli(['validate', others])
    expect(none.code).toBe(2)
    expect(none.stdout).toContain(`FAIL no LatticeService, LatticeMeshMember or CedarPolicy in ${others} (skipped 1 Deployment, 1 document without kind)`)
    expect(cli(['validate', file(temp(), 'empty.yaml', '')]).code).toBe(2)
  })
})

describe('spec folders as users have them (10.4)', () => {
  it('reads a repository folder: other kinds skipped (counted with -v), .git and node_modules ignored, no symlink out', () => {
    const dir = examplesWith((_f, t) => t)
    file(dir, 'k8s/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: checkout}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n')
    file(dir, 'kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [checkout.yaml]\n')
    file(dir, 'chart/values.yaml', 'replicaCount: 2\n')
    file(dir, '.git/broken.yaml', 'kind: [\n')
    file(dir, 'node_modules/x/broken.yaml', 'kind: [\n')
    const outside = temp()
    file(outside, 'broken.yaml', 'kind: [\n')
    symlinkSync(outside, path.join(dir, 'elsewhere'))
    const r = cli(['validate', dir, '-v'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stderr).toBe('skipped 1 document without kind, 1 Deployment, 1 ConfigMap, 1 Kustomization (objects of other kinds)\n')
    const diag = cli([...PAIR, '--specs', dir])
    expect(diag.code).toBe(0)
    expect(diag.stderr).toBe('')
  })

  it('- reads standard input; a file named explicitly with no Lattice object is a warning', () => {
    const specs = ['checkout', 'payments'].map((n) => readFileSync(path.join(PROJECT_ROOT, `examples/commerce/${n}.yaml`), 'utf8')).join('\n---\n')
    const v = withStdin(['validate', '-'], specs)
    expect(v.code).toBe(0)
    expect(v.stdout).toMatch(/^ok {3}LatticeService commerce\/payments$/m)
    const d = withStdin([...PAIR, '--specs', '-', '--specs', 'examples/commerce/cedar-policies.yaml'], specs)
    expect(d.code, d.stderr).toBe(0)
    expect(d.stdout).toMatch(/ALLOWED/)
    const deploy = file(temp(), 'deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n')
    const c = cli([...PAIR, ...EX, '--specs', deploy])
    expect(c.code).toBe(0)
    expect(c.stderr).toBe(`warning: ${deploy}: no LatticeService, LatticeMeshMember or CedarPolicy in this file (skipped 1 Deployment); nothing read from it\n`)
  })

  it('every flag is checked whatever the mode', () => {
    for (const [flag, value] of [['--since', 'banana'], ['--request-timeout', 'soon'], ['--since', '-5m']]) {
      const r = cli([...PAIR, ...EX, flag, value])
      expect(r.code, `${flag} ${value}`).toBe(2)
      expect(oneLine(r)).toBe(`platform: ${flag} '${value}': expected a duration such as 30s, 15m or 1h30m`)
    }
    expect(cli([...PAIR, ...EX, '--request-timeout', '0']).code).toBe(0)
    const p = cli([...PAIR, '--policies', 'examples/commerce/checkout.yaml'])
    expect(p.code).toBe(2)
    expect(oneLine(p)).toMatch(/^platform: --policies needs --specs/)
    const perm = cli(['debug', 'permissions', '--request-timeout', 'banana'])
    expect(perm.code).toBe(2)
    expect(oneLine(perm)).toBe("platform: --request-timeout 'banana': expected a duration such as 30s, 15m or 1h30m")
  })
})

describe('credentials never printed; live-mode edges (7.12, 10.5)', () => {
  const SECRETS = ['S3cretPassw0rd', 'QueryT0kenXYZ', 'UserT0kenABCDEF', 'alice:']
  function credKubeconfig(): string {
    return file(temp(), 'config', `apiVersion: v1
kind: Config
current-context: c
clusters: [{name: c, cluster: {server: "https://alice:S3cretPassw0rd@127.0.0.1:1/?token=QueryT0kenXYZ", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: UserT0kenABCDEF}}]
contexts: [{name: c, context: {cluster: c, user: u, namespace: commerce}}]
`)
  }

  it('a kubeconfig server URL with userinfo or a token parameter is redacted in errors, UNKNOWN reasons and JSON', () => {
    const kc = credKubeconfig()
    const runs = [
      cli([...PAIR, '--kubeconfig', kc, '--request-timeout', '2s']),
      cli([...PAIR, '--kubeconfig', kc, '--request-timeout', '2s', '-o', 'json']),
      cli([...PAIR, '--kubeconfig', kc, '--context', 'nope']),
      cli(['debug', 'permissions', '--kubeconfig', kc, '--request-timeout', '2s']),
    ]
    for (const r of runs) {
      for (const s of SECRETS) {
        expect(r.stdout).not.toContain(s)
        expect(r.stderr).not.toContain(s)
      }
      expect(r.stderr).not.toMatch(/\bat .*:\d+:\d+\)?$/m)
    }
    expect(runs[0].code).toBe(3)
    expect(oneLine(runs[0])).toMatch(/^platform: UNKNOWN: .*https:\/\/\[redacted\]@127\.0\.0\.1:1\/\?token=\[redacted\]: unreachable/)
    expect(runs[2].code).toBe(2)
    expect(runs[3].code).toBe(3)
    expect(oneLine(runs[3])).toMatch(/^platform: UNKNOWN: cannot check permissions on context c: unreachable/)
  })

  it('an empty or broken kubeconfig is a one-line error, exit 2, in every command', () => {
    const dir = temp()
    for (const [name, text, message] of [
      ['empty', '', 'empty (no clusters, users or contexts)'],
      ['broken', 'apiVersion: v1\nclusters: [\n', 'invalid YAML at line 3'],
    ]) {
      const kc = file(dir, name, text)
      for (const args of [[...PAIR, '--kubeconfig', kc], ['debug', 'permissions', '--kubeconfig', kc]]) {
        const r = cli(args)
        expect(r.code).toBe(2)
        expect(oneLine(r)).toBe(`platform: kubeconfig ${kc}: ${message}`)
      }
    }
  })
})

describe('the disk cache (10.6)', () => {
  /** A spec file large enough for the parse cache (32 KiB). */
  function bigSpecs(): string {
    const dir = examplesWith((_f, t) => t)
    const padding = Array.from({length: 800}, (_, i) => `          VAR_${i}: "${'x'.repeat(30)}"`).join('\n')
    const file = path.join(dir, 'checkout.yaml')
    const text = readFileSync(file, 'utf8').replace(/(\n {8}variables:\n)/, `$1${padding}\n`)
    expect(text.length).toBeGreaterThan(32 * 1024)
    writeFileSync(file, text)
    return dir
  }

  it('lives under XDG_CACHE_HOME, and --no-cache or PLATFORM_NO_CACHE=1 write nothing', () => {
    const specs = bigSpecs()
    const xdg = temp()
    expect(cli(['validate', specs, '--no-cache'], {XDG_CACHE_HOME: xdg, PLATFORM_NO_CACHE: ''}).code).toBe(0)
    expect(existsSync(path.join(xdg, 'platform'))).toBe(false)
    expect(cli(['validate', specs], {XDG_CACHE_HOME: xdg, PLATFORM_NO_CACHE: '1'}).code).toBe(0)
    expect(existsSync(path.join(xdg, 'platform'))).toBe(false)
    // vitest.config.ts turns the cache off for every test: turn it on again here.
    expect(cli(['validate', specs], {XDG_CACHE_HOME: xdg, PLATFORM_NO_CACHE: ''}).code).toBe(0)
    expect(readdirSync(path.join(xdg, 'platform', 'specs'))).toHaveLength(1)
  })

  it('live mode keeps the disk cache off unless PLATFORM_CACHE_LIVE=1', () => {
    const specs = bigSpecs()
    const kc = file(temp(), 'config', `apiVersion: v1
kind: Config
current-context: c
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t0ken-for-test}}]
contexts: [{name: c, context: {cluster: c, user: u, namespace: commerce}}]
`)
    const xdg = temp()
    const args = [...PAIR, '--specs', specs, '--live', '--kubeconfig', kc, '--request-timeout', '1s']
    expect(cli(args, {XDG_CACHE_HOME: xdg, PLATFORM_NO_CACHE: ''}).code).toBe(3)
    expect(existsSync(path.join(xdg, 'platform'))).toBe(false)
    expect(cli(args, {XDG_CACHE_HOME: xdg, PLATFORM_NO_CACHE: '', PLATFORM_CACHE_LIVE: '1'}).code).toBe(3)
    expect(existsSync(path.join(xdg, 'platform', 'specs'))).toBe(true)
  })

  it('is documented in --help with its variables', () => {
    const help = cli(['debug', 'connectivity', '--help']).stdout
    expect(help).toMatch(/--no-cache/)
    expect(help).toMatch(/PLATFORM_CACHE_LIVE/)
  })
})
