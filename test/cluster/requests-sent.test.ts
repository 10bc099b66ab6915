// Cluster.requestsSent resolves once the requests are on the wire: the live diagnosis waits
// for it before the compile (synchronous CPU), so the servers answer while the compile runs.
// The server is another process, and this one blocks its event loop right after
// requestsSent resolves, as the compile does: requests that reach the server during the
// block were on the wire before it.
import {spawn, type ChildProcess} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {connect} from '../../src/cluster/index.js'
import {kubeconfigFor} from '../live/fake-cluster.js'

const SERVER = `
const http = require('node:http')
const seen = []
http.createServer((req, res) => {
  if (req.url.startsWith('/seen')) return res.end(JSON.stringify(seen))
  seen.push(Date.now())
  setTimeout(() => res.end('line\\n'), 50)
}).listen(0, '127.0.0.1', function () { console.log(this.address().port) })
`

describe('requestsSent', () => {
  let child: ChildProcess
  let base = ''

  beforeAll(async () => {
    child = spawn(process.execPath, ['-e', SERVER], {stdio: ['ignore', 'pipe', 'inherit']})
    const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())))
    base = `http://127.0.0.1:${port}`
  })
  afterAll(() => child.kill())

  it('resolves when the requests are written out, before their answers', async () => {
    const cluster = await connect({kubeconfig: kubeconfigFor(base), requestTimeoutMs: 5000})
    const logs = [0, 1, 2].map((i) => cluster.podLogs('istio-system', `ztunnel-${i}`, {container: 'istio-proxy'}))
    await cluster.requestsSent()
    const blockEnd = Date.now() + 300
    while (Date.now() < blockEnd) {
      // the compile: no event-loop turn for 300 ms
    }
    for (const log of logs) {
      let text = ''
      for await (const chunk of log) text += chunk
      expect(text).toBe('line\n')
    }
    const seen = (await (await fetch(`${base}/seen`)).json()) as number[]
    expect(seen).toHaveLength(3)
    for (const t of seen) expect(t).toBeLessThan(blockEnd)
  })
})
