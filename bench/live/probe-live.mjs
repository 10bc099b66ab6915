// One measurement in a fresh child process (plain node, no tsx: the built dist/ exactly as
// the CLI loads it); prints one JSON line. Started by bench/live/run.ts.
//   live <info.json>        diagnoseLive in-process against the benchmark servers
//   hubble-all <address>    one unfiltered GetFlows (every flow in the buffer)
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

// BENCH_PACKAGE_ROOT: run.ts's private copy of the built package.
const root = process.env.BENCH_PACKAGE_ROOT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const dist = (p) => import(pathToFileURL(path.join(root, 'dist', p)).href)
const rssMB = () => Math.round(process.resourceUsage().maxRSS / 1024)
const [mode, arg] = process.argv.slice(2)

if (mode === 'live') {
  const info = JSON.parse(readFileSync(arg, 'utf8'))
  const {diagnoseLive} = await dist('src/diagnose/live.js')
  const events = []
  const t0 = performance.now()
  const diagnosis = await diagnoseLive({
    source: `${info.pair.source.namespace}/${info.pair.source.name}`,
    target: `${info.pair.target.namespace}/${info.pair.target.name}`,
    specPaths: [], profile: 'seed',
    connect: {kubeconfig: info.kubeconfig, requestTimeoutMs: 10_000},
    evidence: {enabled: true, sinceSeconds: 900, hubbleServer: info.hubble},
    emit: (e) => {
      if (e.type.startsWith('source-')) events.push({t: Math.round(performance.now() - t0), type: e.type.slice(7), source: e.source, ...(e.reason ? {reason: e.reason} : {})})
    },
  })
  const ms = performance.now() - t0
  const layer = (name) => diagnosis.layers.find((l) => l.layer === name)
  process.stdout.write(`${JSON.stringify({ms, status: diagnosis.result.status, blockedAt: diagnosis.result.blockedAt, l4: layer('l4')?.summary, l7: layer('l7')?.summary, maxRssMB: rssMB(), events})}\n`)
  process.exit(0)
} else if (mode === 'hubble-all') {
  const {createHubbleClient} = await dist('src/layers/cilium/hubble/index.js')
  const t0 = performance.now()
  const client = await createHubbleClient({address: arg, timeoutMs: 30_000})
  let flows = 0
  for await (const _ of client.flows({since: new Date(Date.now() - 15 * 60_000)})) flows++
  client.close()
  process.stdout.write(`${JSON.stringify({flows, ms: performance.now() - t0, maxRssMB: rssMB()})}\n`)
  process.exit(0)
} else {
  console.error(`unknown mode ${mode}`)
  process.exit(2)
}
