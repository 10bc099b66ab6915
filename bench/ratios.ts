// `npm run bench:ratios`: the issue-11 targets as ratios measured in one run, every command
// run in turn in each round (interleaved, so machine load hits all alike), medians.
//   start:   `platform --version`, `--help`, the README pair (allowed, blocked) vs `node -e 0`
//   offline: one pair in a generated 5,000-service fleet vs `node -e 0`
//   compile: `platform compile -o json` of 10,000 services (output to /dev/null) vs a bare
//            js-yaml read+parse of the same files (bench/child/parse-yaml.mjs); peak RSS
// Flags: --rounds N (default 7; compile rounds default 3), --base DIR (another build of
// the CLI, e.g. the previous commit, measured alongside as `base …`), --no-compile, --keep,
// --cold (adds the README pair with --no-cache: the other rows run on a warm disk cache).
import {spawnSync} from 'node:child_process'
import {mkdtempSync, openSync, closeSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {generateFleet, writeFleet} from './fleet.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const rounds = Number(opt('--rounds') ?? 7)
const base = opt('--base')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'platform-ratios-'))
const fleet10k = path.join(tmp, 'f10k')
const fleet5k = path.join(tmp, 'f5k')
writeFleet(fleet10k, generateFleet(10_000))
writeFleet(fleet5k, generateFleet(5_000))

interface Run {ms: number; rssMB: number; code: number}
function run(cmd: string[], cwd = root): Run {
  const out = openSync('/dev/null', 'w')
  const t = performance.now()
  // /usr/bin/time -f %M reports the child's peak RSS in KB on stderr's last line.
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...cmd], {cwd, stdio: ['ignore', out, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20})
  const ms = performance.now() - t
  closeSync(out)
  const lines = (r.stderr ?? '').trim().split('\n')
  return {ms, rssMB: Math.round(Number(lines.at(-1)) / 1024), code: r.status ?? -1}
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function measure(cmds: Record<string, string[]>, n: number): Record<string, Run[]> {
  const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]))
  for (let i = 0; i < n; i++) for (const [k, c] of Object.entries(cmds)) runs[k].push(run(c))
  return runs
}

const cli = (bin: string, ...a: string[]) => ['node', bin, ...a]
const bins: Record<string, string> = {'': path.join(root, 'bin/run.js'), ...(base ? {'base ': path.join(base, 'bin/run.js')} : {})}
const ex = path.join(root, 'examples/commerce')
const start: Record<string, string[]> = {'node -e 0': ['node', '-e', '0']}
for (const [tag, bin] of Object.entries(bins)) {
  start[`${tag}--version`] = cli(bin, '--version')
  start[`${tag}--help`] = cli(bin, '--help')
  start[`${tag}README pair (allowed)`] = cli(bin, 'debug', 'connectivity', 'commerce/checkout', 'commerce/payments', '--specs', ex)
  start[`${tag}README pair (blocked)`] = cli(bin, 'debug', 'connectivity', 'commerce/inventory', 'commerce/orders-db', '--specs', ex)
  start[`${tag}offline pair, 5,000 services`] = cli(bin, 'debug', 'connectivity', 'team-000/svc-00000', 'team-000/svc-00100', '--specs', fleet5k)
  // Cold: nothing read from or written to the disk cache (spec parses, Cedar parses and decisions).
  if (args.includes('--cold')) start[`${tag}README pair (allowed), --no-cache`] = cli(bin, 'debug', 'connectivity', 'commerce/checkout', 'commerce/payments', '--specs', ex, '--no-cache')
}
const compile: Record<string, string[]> = {'js-yaml read+parse (bare node)': ['node', path.join(root, 'bench/child/parse-yaml.mjs'), fleet10k]}
for (const [tag, bin] of Object.entries(bins)) compile[`${tag}compile -o json, 10,000 services`] = cli(bin, 'compile', '--specs', fleet10k, '-o', 'json')

const s = measure(start, rounds)
const c = args.includes('--no-compile') ? undefined : measure(compile, Number(opt('--compile-rounds') ?? 3))
const load = os.loadavg()[0].toFixed(2)
const lines = [`Measured ${new Date().toISOString()} on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${load}; ${rounds} interleaved rounds${c ? ` (compile: ${c[Object.keys(c)[0]].length})` : ''}.`, '']
const table = (runs: Record<string, Run[]>, ref: string) => {
  const refMs = median(runs[ref].map((r) => r.ms))
  lines.push(`| command | median ms | × ${ref} | peak RSS MB | exit |`, '|---|---:|---:|---:|---:|')
  for (const [k, rs] of Object.entries(runs)) lines.push(`| ${k} | ${median(rs.map((r) => r.ms)).toFixed(0)} | ${(median(rs.map((r) => r.ms)) / refMs).toFixed(2)} | ${Math.max(...rs.map((r) => r.rssMB))} | ${rs[0].code} |`)
  lines.push('')
}
table(s, 'node -e 0')
if (c) table(c, 'js-yaml read+parse (bare node)')
console.log(lines.join('\n'))
if (!args.includes('--keep')) rmSync(tmp, {recursive: true, force: true})
