// The bundled Hubble worker (scripts/bundle-workers.mjs) builds its gRPC package from a
// JSON descriptor made at build time instead of parsing proto/hubble at run time. The two
// must be the same package: same service paths and message types, and the same decoded
// object for the same bytes. The bundle itself must read flows with no proto/ directory
// beside it, and a dead Relay must still come back as a failure with its reason.
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {Worker} from 'node:worker_threads'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {LOADER_OPTIONS} from '../../src/core/io/grpc.js'
import {OBSERVER_PROTO, observerDescriptorJson} from '../../src/layers/cilium/hubble/descriptor.js'
import {hubbleProtoDir} from '../../src/layers/cilium/hubble/protoRoot.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {IP_A, IP_B, NS, POD_A, POD_B} from '../live/fake-cluster.js'
import {startFlowServer, type FlowServer} from '../live/triage-fixtures.js'

type Method = {path: string; requestStream: boolean; responseStream: boolean; requestType: {type: {name: string}}; responseType: {type: {name: string}}; responseDeserialize(b: Buffer): unknown; requestSerialize(v: unknown): Buffer}

async function packages() {
  const loader = (await import('@grpc/proto-loader')).default
  const options = {...LOADER_OPTIONS, longs: Number}
  const fromProto = await loader.load(OBSERVER_PROTO, {...options, includeDirs: [hubbleProtoDir()]})
  const fromJson = loader.fromJSON(await observerDescriptorJson(), options)
  return {fromProto, fromJson}
}

describe('Hubble observer descriptor (JSON made at build time vs .proto parsed at run time)', () => {
  it('declares the same services, methods and message types', async () => {
    const {fromProto, fromJson} = await packages()
    expect(Object.keys(fromJson).sort()).toEqual(Object.keys(fromProto).sort())
    const observer = (def: Record<string, unknown>) => def['observer.Observer'] as Record<string, Method>
    const shape = (svc: Record<string, Method>) => Object.fromEntries(Object.entries(svc).map(([name, m]) => [name, [m.path, m.requestStream, m.responseStream, m.requestType.type.name, m.responseType.type.name]]))
    expect(Object.keys(observer(fromJson))).toContain('GetFlows')
    expect(shape(observer(fromJson))).toEqual(shape(observer(fromProto)))
  })

  it('decodes the same GetFlows response to the same object (enums as names, 64-bit as numbers)', async () => {
    const {fromProto, fromJson} = await packages()
    const getFlows = (def: Record<string, unknown>) => (def['observer.Observer'] as Record<string, Method>).GetFlows
    // Encoded with the .proto package's request serializer of a Flow-carrying message: the
    // response type is only decodable, so build the bytes through protobufjs from the JSON.
    const protobuf = (await import('protobufjs')).default
    const root = protobuf.Root.fromJSON(await observerDescriptorJson() as protobuf.INamespace)
    const Response = root.lookupType('observer.GetFlowsResponse')
    const bytes = Buffer.from(Response.encode(Response.fromObject({
      nodeName: 'worker-1',
      time: {seconds: 1_733_000_000, nanos: 5},
      flow: {verdict: 2, dropReasonDesc: 133, IP: {source: IP_A, destination: IP_B, ipVersion: 1}, l4: {TCP: {sourcePort: 40000, destinationPort: 8080}},
        source: {namespace: NS, podName: POD_A, identity: 1234, labels: ['k8s:app=checkout']}, destination: {namespace: NS, podName: POD_B, identity: 5678},
        trafficDirection: 1, policyMatchType: 3, Type: 1},
    })).finish())
    const a = getFlows(fromJson).responseDeserialize(bytes)
    const b = getFlows(fromProto).responseDeserialize(bytes)
    expect(a).toEqual(b)
    expect(a).toMatchObject({nodeName: 'worker-1', flow: {verdict: 'DROPPED', source: {podName: POD_A, identity: 1234}}})
  })
})

const bundle = path.join(PROJECT_ROOT, 'dist', 'bundle', 'hubble', 'relay-worker.js')

describe.skipIf(!existsSync(bundle))('the bundled Hubble worker (dist/bundle/hubble/relay-worker.js; run `npm run build`)', () => {
  let hubble: FlowServer
  let lonely = ''
  beforeAll(async () => {
    const A = {namespace: NS, pod: POD_A, app: 'checkout', ip: IP_A}
    const B = {namespace: NS, pod: POD_B, app: 'payments', ip: IP_B}
    hubble = await startFlowServer([{src: A, dst: B, dport: 15008, verdict: 'DROPPED', secondsAgo: 30}, {src: B, dst: A, dport: 80, verdict: 'FORWARDED', secondsAgo: 20}])
    // A package with the bundle and nothing else: no proto/, no node_modules.
    const root = mkdtempSync(path.join(os.tmpdir(), 'platform-hubble-bundle-'))
    writeFileSync(path.join(root, 'package.json'), '{"type":"module"}\n')
    mkdirSync(path.join(root, 'dist', 'bundle', 'hubble'), {recursive: true})
    lonely = path.join(root, 'dist', 'bundle', 'hubble', 'relay-worker.js')
    copyFileSync(bundle, lonely)
  })
  afterAll(() => hubble?.stop())

  /** What relay-read.ts does with the worker: one read message, one answer. */
  function readThroughWorker(file: string, address: string): Promise<{type: string; result?: {flows: Array<{hop: number; verdict: string}>; state: {state: string; recordsRead?: number}}; message?: string}> {
    const worker = new Worker(new URL(pathToFileURL(file).href), {workerData: {address, timeoutMs: 3000}})
    return new Promise((resolve, reject) => {
      worker.on('message', (m: {type: string}) => {
        if (m.type === 'connected') return
        resolve(m as never)
        void worker.terminate()
      })
      worker.on('error', reject)
      worker.postMessage({type: 'read', request: {
        filter: {hops: [{name: 'direct', from: {pods: [`${NS}/${POD_A}`], ips: [IP_A]}, to: {pods: [`${NS}/${POD_B}`], ips: [IP_B]}}]},
        since: new Date(Date.now() - 15 * 60_000), keep: 100, backstopMs: 3300,
      }})
    })
  }

  it('reads the pair\'s flows from the in-process Relay with no .proto file beside it', async () => {
    const out = await readThroughWorker(lonely, hubble.address)
    expect(out.type).toBe('done')
    expect(out.result!.state).toMatchObject({state: 'read', recordsRead: 2})
    expect(out.result!.flows).toEqual([expect.objectContaining({hop: 0, verdict: 'DROPPED'})])
  })

  it('a dead Relay: the read fails with the address in the reason', async () => {
    const out = await readThroughWorker(lonely, '127.0.0.1:1')
    const reason = out.type === 'failed' ? out.message! : JSON.stringify(out.result!.state)
    if (out.type === 'done') expect(out.result!.state.state).toBe('unavailable')
    expect(reason).toMatch(/127\.0\.0\.1:1/)
  })

  it('is the worker file a built CLI starts', async () => {
    const {workerFile} = await import(pathToFileURL(path.join(PROJECT_ROOT, 'dist', 'src', 'layers', 'cilium', 'hubble', 'relay-read.js')).href) as {workerFile(): string | undefined}
    expect(workerFile()).toBe(bundle)
  })
})
