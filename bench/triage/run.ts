// Triage benchmark (issue 9.1 item 4, "everything streams"): `platform debug triage -n NS`
// (the built CLI, as a user runs it) against the live benchmark's API server imitation
// (ztunnel logs of every node) and an in-process Hubble Relay streaming every flow, at two
// sizes ten times apart. Each run is a fresh CLI process; peak RSS from process.resourceUsage
// (bench/live/rss-preload.mjs). Memory flat in the records = the same peak RSS at 10x the
// records. Prints a markdown section for bench/RESULTS.md.
//   node --import tsx bench/triage/run.ts [--runs 3] [--sizes 10000:20000,100000:200000] [--max-groups 10]
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {launchServers, median} from '../live/launch.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, '..', '..')
// strict: a mistyped flag is an error, not a silently ignored one.
const {values: flags} = parseArgs({options: {runs: {type: 'string', default: '3'}, sizes: {type: 'string', default: '10000:20000,100000:200000'}, 'max-groups': {type: 'string', default: '10'}}})
const RUNS = Number(flags.runs)
const SIZES = flags.sizes.split(',').map((s) => s.split(':').map(Number) as [number, number])
const MAX_GROUPS = flags['max-groups']

interface Info {api: string; hubble: string; kubeconfig: string; namespace: string; lines: number; flows: number}

function startServers(flows: number, lines: number): Promise<{info: Info; stop(): void}> {
  return launchServers<Info>(path.join(here, 'servers.ts'), ['--flows', String(flows), '--lines', String(lines)])
}

interface Run {ms: number; rssMB: number; denials: number; groups: number; diagnosed: number; records: Record<string, number>}

function triage(info: Info): Run {
  const rssFile = path.join(os.tmpdir(), `platform-bench-triage-rss-${process.pid}`)
  const t0 = performance.now()
  const r = spawnSync(process.execPath, ['--import', path.join(root, 'bench', 'live', 'rss-preload.mjs'), path.join(root, 'bin', 'run.js'), 'debug', 'triage',
    '-n', info.namespace, '--since', '15m', '--kubeconfig', info.kubeconfig, '--hubble-server', info.hubble, '--max-groups', MAX_GROUPS, '-o', 'json'],
  {cwd: root, encoding: 'utf8', env: {...process.env, BENCH_RSS_FILE: rssFile}, maxBuffer: 256 * 1024 * 1024})
  const ms = performance.now() - t0
  if (r.status !== 0 && r.status !== 1) throw new Error(`triage exited ${r.status}: ${r.stderr}`)
  const report = JSON.parse(r.stdout) as {denials: number; groups: Array<{verdict: {status: string}}>; sources: Array<{source: string; records: number}>}
  return {
    ms, rssMB: Number(readFileSync(rssFile, 'utf8')) / 1024, denials: report.denials, groups: report.groups.length,
    diagnosed: report.groups.filter((g) => g.verdict.status !== 'NOT-DIAGNOSED').length,
    records: Object.fromEntries(report.sources.map((s) => [s.source, s.records])),
  }
}

const rows: string[] = []
for (const [flows, lines] of SIZES) {
  const servers = await startServers(flows, lines)
  try {
    triage(servers.info) // warm-up (disk cache, page cache); not counted
    const runs = Array.from({length: RUNS}, () => triage(servers.info))
    const r = runs[0]!
    rows.push(`| ${flows.toLocaleString('en-US')} | ${lines.toLocaleString('en-US')} | ${(r.records.hubble ?? 0).toLocaleString('en-US')} | ${(r.records.ztunnel ?? 0).toLocaleString('en-US')} | ${r.denials.toLocaleString('en-US')} | ${r.groups} (${r.diagnosed} diagnosed) | ${Math.round(median(runs.map((x) => x.ms)))} | ${Math.round(median(runs.map((x) => x.rssMB)))} | ${Math.round(Math.max(...runs.map((x) => x.rssMB)))} |`)
    console.error(`${flows} flows / ${lines} lines: ${runs.map((x) => `${Math.round(x.ms)} ms ${Math.round(x.rssMB)} MB`).join(', ')}`)
  } finally {
    servers.stop()
  }
}
const cpu = os.cpus()
console.log(`## Triage benchmark (${new Date().toISOString().slice(0, 10)}, ${cpu.length} CPUs ${cpu[0]?.model ?? ''}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${RUNS} runs each after a warm-up, medians)\n`)
console.log(`Command: \`node --import tsx bench/triage/run.ts --runs ${RUNS} --sizes ${SIZES.map((s) => s.join(':')).join(',')} --max-groups ${MAX_GROUPS}\`. Each run: \`platform debug triage -n <ns> --since 15m --hubble-server … --max-groups ${MAX_GROUPS} -o json\` in a fresh process against bench/live's API server imitation (5 ms per request; 20 ztunnel pods: the given lines split over the ztunnels of the benchmark pair's nodes, 1,000 lines on each other one; a 5,000-line waypoint log) and a Hubble Relay that streams every flow whatever the filter (so the CLI receives and filters all of them).\n`)
console.log('| flows | ztunnel lines | Hubble records read | ztunnel records parsed | denials | groups | wall ms | peak RSS MB (median) | peak RSS MB (max) |\n|---|---|---|---|---|---|---|---|---|')
console.log(rows.join('\n'))
