// Live benchmark (issue "Live cluster"): one pair diagnosed against a local imitation of
// the Kubernetes API server (50 ms per request) and an in-process Hubble gRPC server, each
// measurement in a fresh child process, medians of RUNS runs. Prints a markdown report.
//   npm run bench:live [-- --runs N --lines 200000,1000000]
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import type {RequestLogEntry} from './apiserver.js'
import {launchServers, median, type LiveServerInfo} from './launch.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, '..', '..')
// strict: a mistyped flag is an error, not a silently ignored one.
const {values: flags} = parseArgs({options: {runs: {type: 'string', default: '5'}, lines: {type: 'string', default: '200000,1000000'}}})
const RUNS = Number(flags.runs)
const LINES = flags.lines.split(',').map(Number)
const LATENCY = 50
const tmp = mkdtempSync(path.join(os.tmpdir(), 'platform-bench-live-run-'))

const r0 = (x: number) => Math.round(x)

function newestMtime(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return t
}

function ensureBuilt(): void {
  const marker = path.join(root, 'dist', 'src', 'diagnose', 'live.js')
  const stale = !existsSync(marker) || ['src', 'commands'].some((d) => newestMtime(path.join(root, d)) > statSync(marker).mtimeMs)
  if (!stale) return
  console.error('dist/ is older than src/: building (npm run build)')
  const r = spawnSync('npm', ['run', 'build'], {cwd: root, stdio: 'inherit'})
  if (r.status !== 0) throw new Error('build failed')
}

/**
 * A private copy of the built package (dist, bin, manifest, proto...): other people may
 * rebuild dist/ while the benchmark runs, and a half-written dist/ is not a measurement.
 */
function snapshot(): string {
  const pkg = path.join(tmp, 'pkg')
  for (const entry of ['dist', 'bin', 'proto', 'schema', 'package.json', 'oclif.manifest.json']) {
    if (existsSync(path.join(root, entry))) cpSync(path.join(root, entry), path.join(pkg, entry), {recursive: true})
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'))
  return pkg
}
let pkgRoot = root

interface ServerInfo extends LiveServerInfo {
  /** The info written to a file, for the child processes. */
  file: string
}

async function startServers(lines: number): Promise<{info: ServerInfo; stop(): void}> {
  const {info, stop} = await launchServers<Omit<ServerInfo, 'file'>>(path.join(here, 'servers.ts'), ['--lines', String(lines), '--latency', String(LATENCY)])
  const file = path.join(tmp, `info-${lines}.json`)
  writeFileSync(file, JSON.stringify(info))
  return {info: {...info, file}, stop}
}

const control = async (info: ServerInfo, what: string) => (await fetch(`${info.api}/__bench/${what}`)).json()

/** Sequential round trips: requests grouped into waves (a wave starts > latency/2 after the previous one began). */
function waves(log: RequestLogEntry[]): Array<{start: number; end: number; paths: string[]}> {
  const out: Array<{start: number; end: number; paths: string[]}> = []
  for (const e of [...log].sort((a, b) => a.start - b.start)) {
    const w = out.at(-1)
    if (w && e.start - w.start < LATENCY / 2) {
      w.paths.push(e.path + e.query)
      w.end = Math.max(w.end, e.end)
    } else out.push({start: e.start, end: e.end, paths: [e.path + e.query]})
  }
  return out
}

function runNode(args: string[], env: Record<string, string> = {}): {ms: number; stdout: string; status: number | null} {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, args, {cwd: root, encoding: 'utf8', env: {...process.env, BENCH_PACKAGE_ROOT: pkgRoot, ...env}, maxBuffer: 64 * 1024 * 1024})
  const ms = performance.now() - t0
  if (r.error) throw r.error
  if (r.status !== 0 && r.status !== 1) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return {ms, stdout: r.stdout, status: r.status}
}

interface LiveRun {
  ms: number
  rss: number
  apiSpan: number
  waves: number
  streamMs: number
  status: string
  events?: Array<{t: number; type: string; source?: string}>
  waveDetail: ReturnType<typeof waves>
}

async function inProcess(info: ServerInfo): Promise<LiveRun> {
  await control(info, 'reset')
  const r = runNode([path.join(here, 'probe-live.mjs'), 'live', info.file])
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
  const log = (await control(info, 'requests')) as RequestLogEntry[]
  const w = waves(log)
  const logs = log.filter((e) => e.path.includes('/ztunnel-') && e.path.endsWith('/log'))
  return {ms: out.ms, rss: out.maxRssMB, apiSpan: Math.max(...log.map((e) => e.end)), waves: w.length, streamMs: Math.max(...logs.map((e) => e.end - e.start)), status: out.status, events: out.events, waveDetail: w}
}

async function cli(info: ServerInfo): Promise<LiveRun> {
  await control(info, 'reset')
  const rssFile = path.join(tmp, 'cli-rss')
  const src = `${info.pair.source.namespace}/${info.pair.source.name}`
  const dst = `${info.pair.target.namespace}/${info.pair.target.name}`
  const r = runNode(['--import', path.join(here, 'rss-preload.mjs'), path.join(pkgRoot, 'bin', 'run.js'), 'debug', 'connectivity', src, dst,
    '--kubeconfig', info.kubeconfig, '--hubble-server', info.hubble, '-o', 'json'], {BENCH_RSS_FILE: rssFile})
  const report = JSON.parse(r.stdout)
  const log = (await control(info, 'requests')) as RequestLogEntry[]
  const w = waves(log)
  const logs = log.filter((e) => e.path.includes('/ztunnel-') && e.path.endsWith('/log'))
  return {ms: r.ms, rss: r0(Number(readFileSync(rssFile, 'utf8')) / 1024), apiSpan: Math.max(...log.map((e) => e.end)), waves: w.length, streamMs: Math.max(...logs.map((e) => e.end - e.start)), status: report.result?.status ?? String(r.status), waveDetail: w}
}

function summarize(name: string, runs: LiveRun[]): string {
  const m = (f: (r: LiveRun) => number) => r0(median(runs.map(f)))
  return `| ${name} | ${m((r) => r.ms)} | ${m((r) => r.apiSpan)} | ${m((r) => r.streamMs)} | ${m((r) => r.waves)} | ${m((r) => r.rss)} | ${runs[0].status} |`
}

async function main(): Promise<void> {
  ensureBuilt()
  pkgRoot = snapshot()
  const rows: string[] = []
  let detail = ''
  for (const lines of LINES) {
    const servers = await startServers(lines)
    try {
      if (lines === LINES[0]) {
        const c = servers.info.counts
        detail += `Cluster: ${c['/v1/pods']} pods (2,000 workload pods + ztunnel, Tetragon, waypoint), ${['cilium.io/v2/ciliumnetworkpolicies', 'cilium.io/v2/ciliumclusterwidenetworkpolicies', 'security.istio.io/v1/authorizationpolicies', 'security.istio.io/v1/peerauthentications', 'cilium.io/v1alpha1/tracingpolicies', 'cilium.io/v1alpha1/tracingpoliciesnamespaced'].reduce((n, k) => n + (c[k] ?? 0), 0)} policies, ${c['lattice.dev/v1alpha1/latticeservices']} LatticeServices; pair ${servers.info.pair.source.namespace}/${servers.info.pair.source.name} → ${servers.info.pair.target.namespace}/${servers.info.pair.target.name}; ztunnel logs read: ${servers.info.pairZtunnels.length} pods.\n\n`
      }
      const inproc: LiveRun[] = []
      const clis: LiveRun[] = []
      for (let i = 0; i < RUNS; i++) {
        inproc.push(await inProcess(servers.info))
        clis.push(await cli(servers.info))
      }
      rows.push(summarize(`diagnoseLive in-process, ${lines.toLocaleString('en-US')} lines`, inproc))
      rows.push(summarize(`CLI bin/run.js, ${lines.toLocaleString('en-US')} lines`, clis))
      if (lines === LINES[0]) {
        const w = inproc[0].waveDetail
        detail += `Request waves (in-process run 1, ms from the first request):\n\n${w.map((x, i) => `${i + 1}. ${r0(x.start)}–${r0(x.end)} ms, ${x.paths.length} requests: ${[...new Set(x.paths.map((p) => p.replace(/\?.*/, '').replace(/\/namespaces\/[^/]+/, '/namespaces/*').replace(/\/pods\/[^/]+\/log/, '/pods/*/log')))].join(', ')}`).join('\n')}\n\n`
        detail += `Client-side sources (in-process run 1, ms since diagnoseLive was called): ${(inproc[0].events ?? []).filter((e) => ['discovery', 'hubble', 'ztunnel/waypoint logs', 'tetragon'].includes(e.source ?? '')).map((e) => `${e.source} ${e.type} ${e.t}`).join('; ')}\n\n`
      }
      const pairFlows = (await control(servers.info, 'hubble') as {lastMatched: number}).lastMatched
      if (lines === LINES[0]) {
        const h = [0, 1, 2].map(() => JSON.parse(runNode([path.join(here, 'probe-live.mjs'), 'hubble-all', servers.info.hubble]).stdout))
        detail += `Unfiltered GetFlows (all ${h[0].flows.toLocaleString('en-US')} flows streamed to the client, no whitelist): median ${r0(median(h.map((x) => x.ms)))} ms, peak RSS ${r0(median(h.map((x) => x.maxRssMB)))} MB. With the pair's whitelist (what the CLI sends) the server streams ${pairFlows} flows.\n\n`
      }
    } finally {
      servers.stop()
    }
  }
  const parse: string[] = []
  for (const lines of LINES) {
    for (const filter of ['none', 'pair']) {
      const rs = [0, 1, 2].map(() => JSON.parse(runNode(['--import', 'tsx', path.join(here, 'probe.ts'), 'parse', String(lines), filter]).stdout.trim().split('\n').at(-1)!))
      parse.push(`| ${lines.toLocaleString('en-US')} | ${filter === 'pair' ? "pair pre-filter (live path)" : 'every line parsed'} | ${r0(median(rs.map((r) => r.linesPerSec))).toLocaleString('en-US')} | ${rs[0].records} |`)
    }
  }
  console.log(`## Live benchmark (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs ${os.cpus()[0]?.model}, ${r0(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${RUNS} runs each, medians)\n`)
  console.log(detail)
  console.log('| scenario | wall ms | API span ms | longest ztunnel log stream ms | request waves | peak RSS MB | result |\n|---|---|---|---|---|---|---|')
  console.log(rows.join('\n'))
  console.log('\n| ztunnel lines | mode | lines/s | records |\n|---|---|---|---|')
  console.log(parse.join('\n'))
}

await main()
