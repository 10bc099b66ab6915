// `node bench/live/tls-waves.mjs [package root]`: two request waves (12 then 22 parallel GETs,
// as a live pair sends) through KubeRequester against a local HTTPS API server that adds
// 20 ms per answer; counts TLS handshakes. Pass another build (e.g. the previous commit) to compare.
import https from 'node:https'
import {readFileSync} from 'node:fs'
const dist = process.argv[2] ?? new URL('../..', import.meta.url).pathname
const {KubeRequester} = await import(dist + '/dist/src/cluster/request.js')
const {defaultRedactor} = await import(dist + '/dist/src/cluster/redact.js')
const {KubeConfig} = await import(dist + '/dist/vendor/client-node.js')
const tls = new URL('../../test/cluster/tls/', import.meta.url).pathname
let handshakes = 0
const server = https.createServer({key: readFileSync(tls + 'key.pem'), cert: readFileSync(tls + 'cert.pem')}, (req, res) => setTimeout(() => res.end('{"items":[]}'), 20))
server.on('secureConnection', () => handshakes++)
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const url = `https://127.0.0.1:${server.address().port}`
const kc = new KubeConfig()
kc.loadFromOptions({clusters: [{name: 'l', server: url, caData: readFileSync(tls + 'cert.pem').toString('base64')}], users: [{name: 'u', token: 't'}], contexts: [{name: 'c', cluster: 'l', user: 'u'}], currentContext: 'c'})
const k = new KubeRequester(kc, url, defaultRedactor, 10000)
const wave = async (n) => { const t = performance.now(); await Promise.all(Array.from({length: n}, (_, i) => k.json({path: `/api/v1/namespaces/n${i}/pods`, describe: 'x', on404: 'not-installed'}))); return performance.now() - t }
const w0 = await wave(12)  // warm-up of the process (JIT), not counted
handshakes = 0
const results = []
for (let i = 0; i < 5; i++) { const a = await wave(12); const b = await wave(22); results.push(a + b) }
results.sort((x, y) => x - y)
console.log(JSON.stringify({dist, twoWavesMedianMs: Math.round(results[2]), handshakesFor170Requests: handshakes}))
server.close(); process.exit(0)
