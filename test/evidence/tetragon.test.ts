import {readFileSync} from 'node:fs'
import {Readable} from 'node:stream'
import {describe, expect, it} from 'vitest'
import type {ProcessEventRecord} from '../../src/core/evidence.js'
import {eventFromJson, isSigkill, parseTetragonStream} from '../../src/layers/tetragon/events/index.js'
import {hasShared, sharedPath} from '../helpers/shared.js'

const text = hasShared ? readFileSync(sharedPath('samples', 'tetragon', 'events-shop.jsonl'), 'utf8') : ''

async function all(it: AsyncIterable<ProcessEventRecord>): Promise<ProcessEventRecord[]> {
  const out: ProcessEventRecord[] = []
  for await (const r of it) out.push(r)
  return out
}

describe.skipIf(!hasShared)('tetragon export-stdout sample', () => {
  it('parses all events with kinds, pods and binaries', async () => {
    const recs = await all(parseTetragonStream(Readable.from([text])))
    expect(recs.map((r) => `${r.type}:${r.binary}`)).toEqual([
      'kprobe:/usr/local/bin/ztunnel', 'exec:/bin/sh', 'exec:/usr/bin/curl', 'kprobe:/usr/bin/curl', 'exit:/usr/bin/curl',
      'exec:/bin/sh', 'kprobe:/usr/bin/nc', 'exit:/bin/sh',
    ])
    // ztunnel's HBONE connect is attributed to ztunnel's own pod, not to checkout.
    expect(recs[0]).toMatchObject({namespace: 'istio-system', pod: 'ztunnel-7hx2k', container: 'istio-proxy', function: 'tcp_connect',
      action: 'KPROBE_ACTION_POST', policy: 'monitor-egress-connect', processBinary: '/usr/local/bin/ztunnel'})
    expect(recs[1].processBinary).toBeUndefined()
  })

  it('finds the SIGKILL of nc: binary from linux_binprm_arg, process is /bin/sh', async () => {
    const kills = (await all(parseTetragonStream(text.split('\n'), {types: ['kprobe'], namespaces: ['shop']}))).filter(isSigkill)
    expect(kills).toEqual([{time: '2026-05-20T09:14:24.057012388Z', type: 'kprobe', node: 'worker-a', namespace: 'shop',
      pod: 'checkout-84f6b7c9d-zp4mn', container: 'checkout', binary: '/usr/bin/nc', processBinary: '/bin/sh', policy: 'block-netcat',
      function: 'security_bprm_check', action: 'KPROBE_ACTION_SIGKILL', podLabels: {app: 'checkout', 'pod-template-hash': '84f6b7c9d', version: 'v3'}}])
  })

  it('filters by kind and namespace', async () => {
    expect(await all(parseTetragonStream(text.split('\n'), {types: ['kprobe']}))).toHaveLength(3)
    expect(await all(parseTetragonStream(text.split('\n'), {namespaces: ['istio-system']}))).toHaveLength(1)
    expect(await all(parseTetragonStream(text.split('\n'), {types: ['exit'], namespaces: ['shop']}))).toHaveLength(2)
  })
})

describe('tetragon edge cases', () => {
  const kill = {process_kprobe: {process: {binary: '/bin/sh', pod: {namespace: 'shop', name: 'p'}}, function_name: 'security_bprm_check',
    args: [{file_arg: {path: '/usr/bin/wget'}}], action: 'KPROBE_ACTION_SIGKILL', policy_name: 'allow-binaries-p'}, node_name: 'n', time: '2026-05-20T09:00:00Z'}

  it('falls back to file_arg for bprm_check (TracingPolicy arg type file)', () => {
    expect(eventFromJson(kill)).toMatchObject({binary: '/usr/bin/wget', processBinary: '/bin/sh', action: 'KPROBE_ACTION_SIGKILL'})
  })

  it('keeps the process binary for hooks whose file argument is not an exec target', () => {
    const open = {...kill, process_kprobe: {...kill.process_kprobe, function_name: 'security_file_open', args: [{file_arg: {path: '/etc/shadow'}}]}}
    expect(eventFromJson(open)).toMatchObject({binary: '/bin/sh', function: 'security_file_open'})
  })

  it('skips truncated lines, other event kinds, CRLF and empty lines', async () => {
    const line = JSON.stringify(kill)
    const input = `${line}\r\n\r\n${line.slice(0, 40)}\r\n{"process_tracepoint":{}}\r\n{"process_lsm":{"process":{}}}\r\n${line}`
    expect(await all(parseTetragonStream(Readable.from([input])))).toHaveLength(2)
    expect(eventFromJson({process_loader: {}})).toBeUndefined()
    expect(eventFromJson('nope')).toBeUndefined()
  })
})
