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
        event_set: ['PROCESS_KPROBE', 'PROCESS_LSM', 'PROCESS_TRACEPOINT', 'PROCESS_EXEC', 'PROCESS_EXIT']}])
    } finally {
      client.close()
    }
  })

  it('keeps the SIGKILL of nc with the linux_binprm path and the policy name', async () => {
    const client = await createTetragonClient({address: srv.address})
    try {
      const got = await collect(client.events({namespaces: ['shop']}))
      expect(requests.at(-1).allow_list[0].event_set).toEqual(['PROCESS_KPROBE', 'PROCESS_LSM', 'PROCESS_TRACEPOINT'])
      const kill = got.find((r) => r.action === 'KPROBE_ACTION_SIGKILL')
      expect(kill).toEqual({time: '2026-05-20T09:14:24.057012388Z', type: 'kprobe', node: 'worker-a', namespace: 'shop',
        pod: 'checkout-84f6b7c9d-zp4mn', container: 'checkout', binary: '/usr/bin/nc', processBinary: '/bin/sh',
        policy: 'block-netcat', function: 'security_bprm_check', action: 'KPROBE_ACTION_SIGKILL',
        podLabels: {app: 'checkout', 'pod-template-hash': '84f6b7c9d', version: 'v3'}})
    } finally {
      client.close()
    }
  })

  it('an LSM-hook and a tracepoint kill (process_lsm = 28, process_tracepoint = 10 upstream) decode as kill records, like a kprobe kill', async () => {
    const {def, pkg} = await loadUpstream('tetragon')
    const kill = events.find((e) => e.process_kprobe?.action === 'KPROBE_ACTION_SIGKILL')
    const {function_name: _f, return_action: _r, ...rest} = kill.process_kprobe
    const lsm = {...kill, process_kprobe: undefined, process_lsm: {...rest, function_name: 'bprm_check_security'}}
    const tp = {...kill, process_kprobe: undefined, process_tracepoint: {...rest, subsys: 'syscalls', event: 'sys_enter_connect'}}
    const responses = [lsm, tp].map((e) => fromProtoJson(def, 'tetragon.GetEventsResponse', JSON.parse(JSON.stringify(e))))
    const one = await startServer(pkg.tetragon.FineGuidanceSensors.service, {
      GetEvents(call: any) {
        for (const r of responses) call.write(r)
        call.end()
      },
    })
    const client = await createTetragonClient({address: one.address, timeoutMs: 5000})
    try {
      const got = await collect(client.events({namespaces: ['shop']}))
      expect(got).toHaveLength(2)
      for (const r of got) expect(r).toMatchObject({type: 'kprobe', policy: 'block-netcat', action: 'KPROBE_ACTION_SIGKILL', pod: 'checkout-84f6b7c9d-zp4mn', processBinary: '/bin/sh'})
      // The LSM bprm hook names the binary being executed (its linux_binprm argument); the
      // connect tracepoint the process that connects.
      expect(got.map((r) => [r.function, r.binary])).toEqual([['bprm_check_security', '/usr/bin/nc'], ['syscalls/sys_enter_connect', '/bin/sh']])
    } finally {
      client.close()
      await one.stop()
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
