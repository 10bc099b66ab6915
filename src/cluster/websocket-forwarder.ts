// The real PodForwarder: client-node's PortForward over the API server's WebSocket
// endpoint. Loaded lazily with the rest of client-node.
import type net from 'node:net'
import type {KubeConfig} from '@kubernetes/client-node'
import {loadClientNode} from './client-node.js'
import type {PodForwarder} from './port-forward.js'
import type {RequestRecord} from './request.js'

export async function webSocketForwarder(kc: KubeConfig, record: (r: RequestRecord) => void): Promise<PodForwarder> {
  const {PortForward} = await loadClientNode()
  const portForward = new PortForward(kc)
  return {
    async forward(namespace: string, pod: string, port: number, socket: net.Socket): Promise<void> {
      // Goes through the same guard and recorder as every other request.
      record({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`,
        query: {ports: String(port)},
        upgrade: 'websocket',
      })
      const opened = await portForward.portForward(namespace, pod, [port], socket, null, socket)
      const ws = typeof opened === 'function' ? opened() : opened
      if (!ws) {
        socket.destroy()
        return
      }
      socket.once('close', () => ws.close())
      ws.on('close', () => socket.destroy())
      ws.on('error', () => socket.destroy())
    },
  }
}
