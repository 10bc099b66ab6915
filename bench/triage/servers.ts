// Child-process entry for the triage benchmark: the live benchmark's synthetic cluster and
// API server imitation (bench/live), with a Hubble Relay that streams EVERY flow whatever the
// whitelist asks (filter off), so the CLI really receives and filters all N flows: the worst
// case for its memory. Prints one JSON line with the addresses; runs until killed.
//   node --import tsx bench/triage/servers.ts --flows N --lines N [--latency MS]
import {mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {startApiServer} from '../live/apiserver.js'
import {startHubble} from '../live/hubble.js'
import {buildCluster} from '../live/model.js'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

const lines = arg('lines', 200_000)
const flows = arg('flows', 100_000)
const latencyMs = arg('latency', 5)

const model = await buildCluster()
const hubble = await startHubble(model, flows, {filter: false})
const api = await startApiServer(model, {latencyMs, ztunnelLines: lines, waypointLines: 5_000, controls: {hubble: () => hubble.stats}})
const dir = mkdtempSync(path.join(os.tmpdir(), 'platform-bench-triage-'))
const kubeconfig = path.join(dir, 'config')
writeFileSync(kubeconfig, stringify({
  apiVersion: 'v1', kind: 'Config', 'current-context': 'bench',
  clusters: [{name: 'bench', cluster: {server: api.url, 'insecure-skip-tls-verify': true}}],
  users: [{name: 'bench', user: {token: 'bench-token'}}],
  contexts: [{name: 'bench', context: {cluster: 'bench', user: 'bench', namespace: 'default'}}],
}))
process.stdout.write(`${JSON.stringify({api: api.url, hubble: hubble.address, kubeconfig, namespace: model.pair.target.namespace, pairZtunnels: model.pairZtunnels, ztunnels: model.counts, lines, flows, latencyMs})}\n`)
const stop = () => {
  hubble.close()
  void api.close().then(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
