// Issue 11 target 3: the live pair against the kubectl commands a human runs by hand, on the
// same API server (bench/live/apiserver.ts over HTTPS with a throwaway CA, in its own
// process, a fixed latency added to every answer). Interleaved rounds, medians, wall time.
//   npm run bench:kubectl [-- --rounds 7 --latency 5,30 --lines 20000 --flows 100000
//                            --kubectl <binary> --base <package root of an earlier build>]
// Per round, in this order: the four kubectl commands one after another (a human's check),
// `kubectl get pods -A -o json`, then the CLI with evidence, without evidence, and the same
// two for --base. kubectl gets a warm --cache-dir (discovery cached, as on a human's
// machine); the CLI is a fresh process each time, as a user runs it.
import {spawnSync} from 'node:child_process'
import https from 'node:https'
import {cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import type {RequestLogEntry} from './apiserver.js'
import {launchServers, median, type LiveServerInfo} from './launch.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, '..', '..')
// strict: a mistyped flag is an error, not a silently ignored one.
const {values: flags} = parseArgs({
  options: {
    rounds: {type: 'string', default: '7'},
    latency: {type: 'string', default: '5,30'},
    lines: {type: 'string', default: '20000'},
    flows: {type: 'string', default: '100000'},
    kubectl: {type: 'string', default: '/usr/lib/google-cloud-sdk/bin/kubectl.1.32'},
    base: {type: 'string'},
    // --env NAME=VALUE (repeatable): one more variant of this build, run with that environment
    // (e.g. PLATFORM_CEDAR_IN_THREAD=0 / =1 to force the Cedar parse worker on / off).
    env: {type: 'string', multiple: true, default: []},
    // --quiet N: each round waits (up to 60 s) until at most N CPUs were busy over the last second.
    quiet: {type: 'string'},
  },
})
const ROUNDS = Number(flags.rounds)
const LATENCIES = flags.latency.split(',').map(Number)
const LINES = Number(flags.lines)
const FLOWS = Number(flags.flows)
const KUBECTL = flags.kubectl
const BASE = flags.base
const ENV_VARIANTS = flags.env
const tmp = mkdtempSync(path.join(os.tmpdir(), 'platform-bench-kubectl-'))

const r0 = (x: number) => Math.round(x)

type ServerInfo = LiveServerInfo

function startServers(latency: number): Promise<{info: ServerInfo; stop(): void}> {
  return launchServers<ServerInfo>(path.join(here, 'servers.ts'), ['--tls', '--lines', String(LINES), '--latency', String(latency), '--flows', String(FLOWS)])
}

const controlAgents = new Map<string, https.Agent>()

/** The benchmark's own calls to the server (request log, counters) on one kept-alive connection, CA from the kubeconfig. */
async function control(info: ServerInfo, what: string): Promise<any> {
  let agent = controlAgents.get(info.api)
  if (!agent) {
    const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(info.kubeconfig, 'utf8'))![1], 'base64')
    controlAgents.set(info.api, (agent = new https.Agent({ca, keepAlive: true, maxSockets: 1})))
  }
  return new Promise((resolve, reject) => {
    https.request(`${info.api}/__bench/${what}`, {agent}, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve(JSON.parse(body)))
    }).on('error', reject).end()
  })
}

/**
 * Sequential round trips: a request's wave is one more than the deepest wave of any request
 * that had been answered before it started (it may have waited for that answer). The
 * largest wave is the number of round trips in sequence (an upper bound: a request started
 * late for CPU reasons also counts as waiting).
 */
function waveCount(log: RequestLogEntry[]): number {
  const done: Array<{end: number; wave: number}> = []
  let max = 0
  for (const e of [...log].sort((a, b) => a.start - b.start)) {
    const wave = 1 + done.filter((d) => d.end <= e.start).reduce((m, d) => Math.max(m, d.wave), 0)
    done.push({end: e.end, wave})
    max = Math.max(max, wave)
  }
  return max
}

function timed(cmd: string, args: string[], env: Record<string, string> = {}): {ms: number; status: number | null; stdout: string} {
  // The run's own variant environment only: nothing from the benchmark's shell leaks in.
  for (const name of ['PLATFORM_CEDAR_IN_THREAD', 'PLATFORM_HUBBLE_IN_THREAD']) if (!(name in env)) env = {...env, [name]: ''}
  const t0 = performance.now()
  const r = spawnSync(cmd, args, {cwd: tmp, encoding: 'utf8', env: {...process.env, ...env}, maxBuffer: 256 * 1024 * 1024})
  const ms = performance.now() - t0
  if (r.error) throw r.error
  if (r.status !== 0 && !(cmd === process.execPath && (r.status === 1 || r.status === 3))) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`)
  return {ms, status: r.status, stdout: r.stdout}
}

/** A private copy of a built package: a rebuild of dist/ during the run must not change what is measured. */
function snapshot(from: string, name: string): string {
  const pkg = path.join(tmp, name)
  for (const entry of ['dist', 'bin', 'proto', 'schema', 'package.json', 'oclif.manifest.json']) {
    if (existsSync(path.join(from, entry))) cpSync(path.join(from, entry), path.join(pkg, entry), {recursive: true, dereference: true})
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'))
  return pkg
}

interface Row {
  name: string
  ms: number[]
  waves: number[]
  requests: number[]
  handshakes: number[]
  result?: string
}

async function measure(latency: number, pkgs: Array<{label: string; root: string; env?: Record<string, string>}>): Promise<{rows: Row[]; info: ServerInfo}> {
  const {info, stop} = await startServers(latency)
  try {
    const kc = ['--kubeconfig', info.kubeconfig, '--cache-dir', path.join(tmp, `kube-cache-${latency}`)]
    const {source: a, target: b} = info.pair
    // The four commands of the issue. `get cnp,ccnp -A`: A's egress and B's ingress rules
    // live in two namespaces and CCNPs are cluster-wide, so one -A listing covers them (two
    // requests, one per resource); -n would take two commands for a cross-namespace pair.
    const human: string[][] = [
      [...kc, 'get', 'cnp,ccnp', '-A'],
      [...kc, 'get', 'authorizationpolicies', '-n', b.namespace],
      [...kc, 'get', 'tracingpoliciesnamespaced', '-n', b.namespace],
      [...kc, 'logs', '-n', 'istio-system', info.targetZtunnel, '--since=15m'],
    ]
    const podsAll = [...kc, 'get', 'pods', '-A', '-o', 'json']
    const cliArgs = (pkg: string, evidence: boolean) => [path.join(pkg, 'bin', 'run.js'), 'debug', 'connectivity', `${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`,
      '--kubeconfig', info.kubeconfig, ...(evidence ? ['--hubble-server', info.hubble] : ['--no-evidence']), '-o', 'json']
    // Warm-up (not counted): kubectl's discovery cache, the OS page cache for both binaries.
    for (const c of [...human, podsAll]) timed(KUBECTL, c)
    for (const p of pkgs) timed(process.execPath, cliArgs(p.root, true))

    const rows: Row[] = []
    const row = (name: string) => {
      let r = rows.find((x) => x.name === name)
      if (!r) rows.push((r = {name, ms: [], waves: [], requests: [], handshakes: []}))
      return r
    }
    const observe = async (name: string, run: () => number | {ms: number; result?: string}) => {
      await control(info, 'reset')
      const before = (await control(info, 'handshakes')).handshakes as number
      const out = run()
      const log = (await control(info, 'requests')) as RequestLogEntry[]
      const after = (await control(info, 'handshakes')).handshakes as number
      const r = row(name)
      r.ms.push(typeof out === 'number' ? out : out.ms)
      if (typeof out !== 'number' && out.result) r.result = out.result
      r.waves.push(waveCount(log))
      r.requests.push(log.length)
      r.handshakes.push(after - before)
    }
    for (let round = 0; round < ROUNDS; round++) {
      await untilQuiet()
      roundLoads.push(os.loadavg()[0])
      await observe('four kubectl commands, one after another', () => human.reduce((ms, c) => ms + timed(KUBECTL, c).ms, 0))
      await observe('kubectl get pods -A -o json', () => timed(KUBECTL, podsAll).ms)
      for (const p of pkgs) {
        for (const evidence of [true, false]) {
          await observe(`${p.label} live pair, ${evidence ? 'with evidence' : '--no-evidence'}`, () => {
            const r = timed(process.execPath, cliArgs(p.root, evidence), p.env)
            return {ms: r.ms, result: JSON.parse(r.stdout).result.status}
          })
        }
      }
    }
    return {rows, info}
  } finally {
    stop()
  }
}

/** The 1-minute load average at the start of each round (the machine is shared). */
const roundLoads: number[] = []
/** CPUs busy (from /proc/stat over 1 s) when each round started. */
const roundBusy: number[] = []
const QUIET = flags.quiet === undefined ? undefined : Number(flags.quiet)

function cpuTimes(): {busy: number; total: number} {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const idle = line[3] + (line[4] ?? 0)
  const total = line.reduce((a, b) => a + b, 0)
  return {busy: total - idle, total}
}

/** CPUs busy over the next second (0 when /proc/stat cannot be read). */
async function busyCpus(): Promise<number> {
  try {
    const a = cpuTimes()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const b = cpuTimes()
    return ((b.busy - a.busy) / Math.max(1, b.total - a.total)) * os.cpus().length
  } catch {
    return 0
  }
}

async function untilQuiet(): Promise<void> {
  const t0 = Date.now()
  let busy = await busyCpus()
  while (QUIET !== undefined && busy > QUIET && Date.now() - t0 < 60_000) busy = await busyCpus()
  roundBusy.push(busy)
}

function load(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' / ')
}

async function main(): Promise<void> {
  const pkgs: Array<{label: string; root: string; env?: Record<string, string>}> = [{label: 'platform', root: snapshot(root, 'pkg')}]
  for (const v of ENV_VARIANTS) {
    const [name, value = ''] = v.split('=')
    pkgs.push({label: `platform (${v})`, root: pkgs[0].root, env: {[name]: value}})
  }
  if (BASE) pkgs.push({label: 'base', root: snapshot(BASE, 'base')})
  const kubectlVersion = spawnSync(KUBECTL, ['version', '--client'], {encoding: 'utf8'}).stdout.split('\n')[0]
  const started = new Date().toISOString()
  const loadBefore = load()
  const out: string[] = []
  for (const latency of LATENCIES) {
    const {rows, info} = await measure(latency, pkgs)
    const ref = median(rows[0].ms)
    const pods = median(rows[1].ms)
    out.push(`\n**${latency} ms per answer** (${info.counts['/v1/pods']} pods, ${LINES.toLocaleString('en-US')} ztunnel lines over the ${info.pairZtunnels.length} ztunnels of the pair's nodes, kubectl reads ${info.targetZtunnel}'s; ${FLOWS.toLocaleString('en-US')} Hubble flows)\n`)
    out.push('| command | median ms | × four kubectl | × get pods -A | request waves | requests | TLS handshakes | result |')
    out.push('|---|---:|---:|---:|---:|---:|---:|---|')
    for (const r of rows) {
      const ms = median(r.ms)
      out.push(`| ${r.name} | ${r0(ms)} | ${(ms / ref).toFixed(2)} | ${(ms / pods).toFixed(2)} | ${median(r.waves)} | ${median(r.requests)} | ${median(r.handshakes)} | ${r.result ?? ''} |`)
    }
    writeFileSync(path.join(tmp, `rows-${latency}.json`), JSON.stringify(rows))
  }
  console.log(`CPUs busy over the second before each round${QUIET !== undefined ? ` (each round waited up to 60 s for ≤ ${QUIET})` : ''}: ${Math.min(...roundBusy).toFixed(2)}–${Math.max(...roundBusy).toFixed(2)} (median ${median(roundBusy).toFixed(2)})`)
  console.log(`1-minute load average at the start of the rounds: ${Math.min(...roundLoads).toFixed(2)}–${Math.max(...roundLoads).toFixed(2)} (median ${median(roundLoads).toFixed(2)})`)
  console.log(`Started ${started}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), node ${process.version}, ${kubectlVersion} (${KUBECTL}); load average (1/5/15 min) before ${loadBefore}, after ${load()}; ${ROUNDS} interleaved rounds, medians, wall time. Raw rows: ${tmp}`)
  console.log(out.join('\n'))
}

await main()
