import net from 'node:net'
import nock from 'nock'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {PodForwarder, RequestRecord} from '../../src/cluster/index.js'
import {list, objects as o, SERVER, testCluster} from './fixtures.js'

beforeEach(() => nock.disableNetConnect())
afterEach(() => {
  nock.cleanAll()
  nock.enableNetConnect()
})

/** Stands in for the API server's WebSocket tunnel: echoes what the client sends. */
function echoForwarder(calls: Array<[string, string, number]>): PodForwarder {
  return {
    async forward(namespace, pod, port, socket) {
      calls.push([namespace, pod, port])
      socket.pipe(socket)
    },
  }
}

function relayService() {
  return o.service('kube-system', 'hubble-relay', {
    selector: {'k8s-app': 'hubble-relay'},
    ports: [{name: 'grpc', port: 80, protocol: 'TCP', targetPort: 'grpc'}],
  })
}

function relayPod(name: string, ready: boolean) {
  const pod = o.pod('kube-system', name, 'hubble-relay', {ready, ports: [{name: 'grpc', containerPort: 4245, protocol: 'TCP'}]})
  pod.metadata.labels = {'k8s-app': 'hubble-relay'}
  return pod
}

async function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(String(data))
    })
    socket.once('error', reject)
  })
}

describe('portForward', () => {
  it('resolves a Service port to a Ready pod and its named container port, on 127.0.0.1', async () => {
    const records: RequestRecord[] = []
    nock(SERVER)
      .get('/api/v1/namespaces/kube-system/services/hubble-relay').reply(200, relayService())
      .get('/api/v1/namespaces/kube-system/pods').query({labelSelector: 'k8s-app=hubble-relay'})
      .reply(200, list('v1', 'Pod', [relayPod('hubble-relay-b', true), relayPod('hubble-relay-a', false)]))
    const calls: Array<[string, string, number]> = []
    const cluster = await testCluster({records})
    const result = await cluster.portForward({namespace: 'kube-system', service: 'hubble-relay', port: 80}, echoForwarder(calls))
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const {forward} = result
    expect(forward).toMatchObject({namespace: 'kube-system', pod: 'hubble-relay-b', remotePort: 4245})
    expect(await roundTrip(forward.localPort, 'ping')).toBe('ping')
    expect(calls).toEqual([['kube-system', 'hubble-relay-b', 4245]])
    await forward.close()
    await expect(roundTrip(forward.localPort, 'again')).rejects.toThrow(/ECONNREFUSED/)
    expect(records.every((r) => r.method === 'GET')).toBe(true)
  })

  it('reports a Service with no Ready pod, or without the port, as not-found', async () => {
    nock(SERVER)
      .get('/api/v1/namespaces/kube-system/services/hubble-relay').twice().reply(200, relayService())
      .get('/api/v1/namespaces/kube-system/pods').query(true).reply(200, list('v1', 'Pod', [relayPod('hubble-relay-a', false)]))
    const cluster = await testCluster()
    expect(await cluster.portForward({namespace: 'kube-system', service: 'hubble-relay', port: 'grpc'}, echoForwarder([])))
      .toEqual({ok: false, status: 'not-found', reason: 'not found: no ready pod behind service kube-system/hubble-relay'})
    expect(await cluster.portForward({namespace: 'kube-system', service: 'hubble-relay', port: 4245}, echoForwarder([])))
      .toEqual({ok: false, status: 'not-found', reason: 'not found: port 4245 on service kube-system/hubble-relay'})
  })

  it('forwards to a named pod port', async () => {
    nock(SERVER).get('/api/v1/namespaces/kube-system/pods').query({fieldSelector: 'metadata.name=hubble-relay-a'})
      .reply(200, list('v1', 'Pod', [relayPod('hubble-relay-a', true)]))
    const cluster = await testCluster()
    const result = await cluster.portForward({namespace: 'kube-system', pod: 'hubble-relay-a', port: 'grpc'}, echoForwarder([]))
    expect(result.ok && result.forward.remotePort).toBe(4245)
    if (result.ok) await result.forward.close()
  })
})
