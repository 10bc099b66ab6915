// Per-source timeouts (issue 10.5): every evidence source has one --request-timeout budget
// from its own start, and the sources run in parallel, so a dead source (a Hubble Relay that
// accepts the connection and never answers) costs one timeout, not two or three.
import net from 'node:net'
import nock from 'nock'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {evidencePods} from './evidence-fixtures.js'
import {FakeCluster, seedDocs, serveWithNock} from './fake-cluster.js'
import {layer, run, useNock} from './run.js'

useNock()

let hanging: net.Server
let address: string
const sockets = new Set<net.Socket>()
beforeAll(async () => {
  hanging = net.createServer((s) => void sockets.add(s)) // accepts, never speaks
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
  address = `127.0.0.1:${(hanging.address() as net.AddressInfo).port}`
})
afterAll(async () => {
  for (const s of sockets) s.destroy()
  await new Promise((resolve) => hanging.close(resolve))
})

describe('a dead evidence source', () => {
  it('costs one request timeout, and its layer says why without changing the verdict', async () => {
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: evidencePods()}))
    nock.enableNetConnect('127.0.0.1')
    const timeout = 2000
    // Warm up (module loading of the gRPC clients is not what is measured).
    await run({evidence: true, hubbleServer: address, requestTimeoutMs: 200})
    serveWithNock(await FakeCluster.create({docs: seedDocs(), extra: evidencePods()}))
    const started = Date.now()
    const d = await run({evidence: true, hubbleServer: address, requestTimeoutMs: timeout})
    const elapsed = Date.now() - started
    expect(layer(d, 'l4').summary).toMatch(/Hubble unavailable: /)
    expect(d.result.status).toBe('ALLOWED')
    // Everything else is served at once: the wall time is the dead source's one budget (plus
    // compile and scheduling), well under the two or three budgets it used to take.
    expect(elapsed).toBeGreaterThanOrEqual(timeout - 50)
    expect(elapsed).toBeLessThan(2 * timeout)
  })
})
