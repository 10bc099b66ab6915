// Child-process entry: builds the synthetic cluster, starts the API server imitation and
// the Hubble gRPC server, writes a kubeconfig pointing at them and prints one JSON line
// with the addresses. Runs until killed. Usage:
//   node --import tsx bench/live/servers.ts [--lines N] [--latency MS] [--flows N] [--waypoint-lines N]
import {mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {startApiServer} from './apiserver.js'
import {startHubble} from './hubble.js'
import {buildCluster} from './model.js'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

const lines = arg('lines', 200_000)
const latencyMs = arg('latency', 50)
const flowCount = arg('flows', 100_000)
const waypointLines = arg('waypoint-lines', 5_000)

const model = await buildCluster()
const hubble = await startHubble(model, flowCount)
const api = await startApiServer(model, {latencyMs, ztunnelLines: lines, waypointLines, controls: {hubble: () => hubble.stats}})
const dir = mkdtempSync(path.join(os.tmpdir(), 'platform-bench-live-'))
const kubeconfig = path.join(dir, 'config')
writeFileSync(kubeconfig, stringify({
  apiVersion: 'v1', kind: 'Config', 'current-context': 'bench',
  clusters: [{name: 'bench', cluster: {server: api.url, 'insecure-skip-tls-verify': true}}],
  users: [{name: 'bench', user: {token: 'bench-token'}}],
  contexts: [{name: 'bench', context: {cluster: 'bench', user: 'bench', namespace: 'default'}}],
}))
process.stdout.write(`${JSON.stringify({api: api.url, hubble: hubble.address, kubeconfig, pair: model.pair, counts: model.counts, pairZtunnels: model.pairZtunnels, lines, latencyMs, flowCount, waypointLines})}\n`)
const stop = () => {
  hubble.close()
  void api.close().then(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
