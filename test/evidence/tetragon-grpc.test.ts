// Wire compatibility: a real grpc-js server on the UPSTREAM tetragon/sensors.proto streams the
// sample events; the project's client (own proto subset) must decode them to the same records
// as the export-stdout JSON path.
import {readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {ProcessEventRecord} from '../../src/core/evidence.js'
import {createTetragonClient, eventFromJson} from '../../src/layers/tetragon/events/index.js'
import {hasShared, sharedPath} from '../helpers/shared.js'
import {fromProtoJson, loadUpstream, startServer, type RunningServer} from './upstreamGrpc.js'

const events = hasShared ? readFileSync(sharedPath('samples', 'tetragon', 'events-shop.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []

async function collect(it: AsyncIterable<ProcessEventRecord>): Promise<ProcessEventRecord[]> {
  const out: ProcessEventRecord[] = []
  for await (const r of it) out.push(r)
  return out
}

describe.skipIf(!hasShared)('Tetragon gRPC against the upstream sensors.proto', () => {
  let srv: RunningServer
  const requests: any[] = []

  beforeAll(async () => {
    const {def, pkg} = await loadUpstream('tetragon')
    const responses = events.map((e) => fromProtoJson(def, 'tetragon.GetEventsResponse', e))
    srv = await startServer(pkg.tetragon.FineGuidanceSensors.service, {
      GetEvents(call: any) {
        requests.push(call.request)
        for (const r of responses) call.write(r)
        call.end()
      },
    })
  })
  afterAll(async () => srv?.stop())

  it('round-trips every sample event and sends the namespace/pod filter', async () => {
    const client = await createTetragonClient({address: srv.address, timeoutMs: 5000})
    try {
      const got = await collect(client.events({namespaces: ['shop'], podRegex: ['^checkout-'], types: ['kprobe', 'exec', 'exit']}))
      expect(got).toEqual(events.map((e) => eventFromJson(e)))
      expect(got).toHaveLength(8)
      expect(requests[0].allow_list).toEqual([{namespace: ['shop'], pod_regex: ['^checkout-'],
        event_set: ['PROCESS_KPROBE', 'PROCESS_EXEC', 'PROCESS_EXIT']}])
    } finally {
      client.close()
    }
  })

  it('keeps the SIGKILL of nc with the linux_binprm path and the policy name', async () => {
    const client = await createTetragonClient({address: srv.address})
    try {
      const got = await collect(client.events({namespaces: ['shop']}))
      expect(requests.at(-1).allow_list[0].event_set).toEqual(['PROCESS_KPROBE'])
      const kill = got.find((r) => r.action === 'KPROBE_ACTION_SIGKILL')
      expect(kill).toEqual({time: '2026-05-20T09:14:24.057012388Z', type: 'kprobe', node: 'worker-a', namespace: 'shop',
        pod: 'checkout-84f6b7c9d-zp4mn', container: 'checkout', binary: '/usr/bin/nc', processBinary: '/bin/sh',
        policy: 'block-netcat', function: 'security_bprm_check', action: 'KPROBE_ACTION_SIGKILL',
        podLabels: {app: 'checkout', 'pod-template-hash': '84f6b7c9d', version: 'v3'}})
    } finally {
      client.close()
    }
  })

  it('fails fast with a clear message when the agent is unreachable', async () => {
    const {pkg} = await loadUpstream('tetragon')
    const dead = await startServer(pkg.tetragon.FineGuidanceSensors.service, {})
    await dead.stop()
    const client = await createTetragonClient({address: dead.address, timeoutMs: 300})
    try {
      const started = Date.now()
      await expect(collect(client.events({namespaces: ['shop']}))).rejects.toThrow(/^tetragon: connect at 127\.0\.0\.1:\d+ timed out after 300ms/)
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      client.close()
    }
  })
})
