// Child-process entry: builds the synthetic cluster, starts the API server imitation and
// the Hubble gRPC server, writes a kubeconfig pointing at them and prints one JSON line
// with the addresses. Runs until killed. Usage:
//   node --import tsx bench/live/servers.ts [--lines N] [--latency MS] [--flows N] [--waypoint-lines N] [--tls]
// --tls: HTTPS with a throwaway self-signed certificate made now (openssl, in a temp dir,
// never committed); the kubeconfig carries it as certificate-authority-data, so clients
// verify the server like on a real cluster (no insecure-skip-tls-verify).
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
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
const tls = process.argv.includes('--tls')
const dir = mkdtempSync(path.join(os.tmpdir(), 'platform-bench-live-'))

/** A self-signed certificate for 127.0.0.1 (its own CA), valid one day. */
function throwawayCertificate(): {key: string; cert: string} {
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=bench-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], {stdio: 'ignore'})
  return {key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8')}
}
const pair = tls ? throwawayCertificate() : undefined

const model = await buildCluster()
const hubble = await startHubble(model, flowCount)
const api = await startApiServer(model, {latencyMs, ztunnelLines: lines, waypointLines, controls: {hubble: () => hubble.stats}, ...(pair ? {tls: pair} : {})})
const kubeconfig = path.join(dir, 'config')
writeFileSync(kubeconfig, stringify({
  apiVersion: 'v1', kind: 'Config', 'current-context': 'bench',
  clusters: [{name: 'bench', cluster: pair
    ? {server: api.url, 'certificate-authority-data': Buffer.from(pair.cert).toString('base64')}
    : {server: api.url, 'insecure-skip-tls-verify': true}}],
  users: [{name: 'bench', user: {token: 'bench-token'}}],
  contexts: [{name: 'bench', context: {cluster: 'bench', user: 'bench', namespace: 'default'}}],
}))
process.stdout.write(`${JSON.stringify({api: api.url, hubble: hubble.address, kubeconfig, pair: model.pair, counts: model.counts, pairZtunnels: model.pairZtunnels, targetZtunnel: ztunnelOn(model.pairPods.b[0].node), ...(pair ? {ca: path.join(dir, 'cert.pem')} : {}), lines, latencyMs, flowCount, waypointLines})}\n`)
function ztunnelOn(node: string): string | undefined {
  const pods = model.collections.get('/v1/pods') ?? []
  return pods.find((p) => p.metadata.namespace === 'istio-system' && p.spec.nodeName === node && p.metadata.name.startsWith('ztunnel-'))?.metadata.name
}
const stop = () => {
  hubble.close()
  void api.close().then(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
