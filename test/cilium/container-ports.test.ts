// Where the destination's named container ports come from (§10.11): offline the spec's port
// names, live the pod's `spec.containers[].ports[]`; unknown stays undefined.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {namedContainerPorts, waypointOf, withLivePods} from '../../src/diagnose/live-state.js'
import {workloadOf} from '../../src/diagnose/workload.js'
import type {SpecSet} from '../../src/spec/model.js'
import {graph, node} from '../helpers/graph.js'

const specs: SpecSet = {services: [], meshMembers: [], cedarPolicies: [], others: [], warnings: []}
const pod = (containers: unknown[]): KubeObject => ({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p-1', namespace: 'shop', labels: {app: 'echo'}}, spec: {containers}})

describe('named container ports of a workload', () => {
  it('offline: from the spec ports (name, container port, protocol)', () => {
    const g = graph([node({ns: 'shop', name: 'echo', ports: [{name: 'http', port: 8080, servicePort: 80, peerAuth: 'Strict'}, {name: 'dns', port: 53, peerAuth: 'Strict', protocol: 'udp'}]})], [])
    expect(workloadOf(g, specs, 'shop/echo').containerPorts).toEqual([
      {name: 'http', port: 8080, protocol: 'TCP'},
      {name: 'dns', port: 53, protocol: 'UDP'},
    ])
    expect(workloadOf(g, specs, 'shop/ghost').containerPorts).toBeUndefined()
  })

  it('live: from the pod, only named ports, replacing the spec view', () => {
    const p = pod([{name: 'app', ports: [{name: 'http-8080', containerPort: 8080}, {containerPort: 9090}]}, {name: 'side', ports: [{name: 'metrics', containerPort: 15020, protocol: 'TCP'}]}])
    expect(namedContainerPorts(p)).toEqual([
      {name: 'http-8080', port: 8080, protocol: 'TCP'},
      {name: 'metrics', port: 15020, protocol: 'TCP'},
    ])
    const g = graph([node({ns: 'shop', name: 'echo'})], [])
    const w = withLivePods(workloadOf(g, specs, 'shop/echo'), {ok: true, items: [p]} as never, undefined)
    expect(w.containerPorts?.map((c) => c.name)).toEqual(['http-8080', 'metrics'])
    expect(waypointOf('shop-waypoint', 'shop', {ok: true, items: [pod([{name: 'istio-proxy', ports: [{name: 'mesh', containerPort: 15008}]}])]} as never).containerPorts).toEqual([{name: 'mesh', port: 15008, protocol: 'TCP'}])
  })
})
