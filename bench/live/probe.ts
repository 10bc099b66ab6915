// Parser throughput in a fresh child process (bench/live/run.ts): parseZtunnelLog of the
// built dist/ over <lines> generated ztunnel lines, no network. Prints one JSON line.
//   parse <lines> [needles]   needles: 'pair' = the live path's pre-filter (B's identity, IPs, pods)
import {Readable} from 'node:stream'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

// BENCH_PACKAGE_ROOT: run.ts's private copy of the built package.
const root = process.env.BENCH_PACKAGE_ROOT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const dist = (p: string) => import(pathToFileURL(path.join(root, 'dist', p)).href)
const rssMB = () => Math.round(process.resourceUsage().maxRSS / 1024)
const [mode, arg] = process.argv.slice(2)

if (mode === 'parse') {
  const lines = Number(arg)
  const filter = process.argv[4] ?? 'none'
  const {buildCluster, ztunnelLog} = await import('./model.js')
  const {parseZtunnelLog} = await dist('src/layers/istio/logs/index.js')
  const model = await buildCluster()
  // A 20k-line block repeated: generation stays out of the measurement and out of memory.
  const block = [...ztunnelLog(model, 0, Math.min(lines, 20_000))].map((c) => Buffer.from(c))
  const blockLines = Math.min(lines, 20_000)
  const rounds = Math.ceil(lines / blockLines)
  const rssBefore = rssMB()
  function* chunks() {
    for (let r = 0; r < rounds; r++) yield* block
  }
  const t0 = performance.now()
  let records = 0
  // 'pair': the pre-filter the live path passes (src/diagnose/live-evidence.ts meshEvidence).
  const b = model.pairPods.b
  const mustContain = process.argv[4] === 'pair'
    ? [`cluster.local/ns/${model.pair.target.namespace}/sa/${model.pair.target.name}`, ...b.map((p) => p.name), ...b.flatMap((p) => [p.ip, p.ip.toUpperCase()])]
    : undefined
  for await (const _ of parseZtunnelLog(Readable.from(chunks(), {objectMode: false}), mustContain ? {mustContain} : {})) records++
  const ms = performance.now() - t0
  const total = rounds * blockLines
  process.stdout.write(`${JSON.stringify({lines: total, filter, ms, linesPerSec: total / (ms / 1000), records, maxRssMB: rssMB(), rssBeforeMB: rssBefore})}\n`)
  process.exit(0)
} else {
  console.error(`unknown mode ${mode}`)
  process.exit(2)
}
