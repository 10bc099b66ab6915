// Local 127.0.0.1 port → a pod port through the API server (client-node PortForward,
// one WebSocket per accepted connection), used to reach hubble-relay. A Service target
// is resolved the way kubectl does: its selector picks a Ready pod, its port maps to the
// container port (named target ports resolved against that pod).
import net from 'node:net'
import type {KubeObject} from '../core/kube.js'
import {failure, type ReadFailure} from './read-result.js'

export interface PortForwardTarget {
  namespace: string
  /** Forward to a Ready pod behind this Service... */
  service?: string
  /** ...or to this pod. */
  pod?: string
  /** Service port (number or name) for a Service; container port (number or name) for a pod. */
  port: number | string
}

export interface PortForwardHandle {
  localPort: number
  namespace: string
  pod: string
  remotePort: number
  close(): Promise<void>
}

/** Carries one accepted local connection to the pod; injectable so tests need no WebSocket server. */
export interface PodForwarder {
  forward(namespace: string, pod: string, port: number, socket: net.Socket): Promise<void>
}

export interface ForwardLookups {
  service(namespace: string, name: string): Promise<{ok: true; items: KubeObject[]} | ReadFailure>
  pods(namespace: string, selector: {labelSelector?: string; fieldSelector?: string}): Promise<{ok: true; items: KubeObject[]} | ReadFailure>
}

export type PortForwardResult = {ok: true; forward: PortForwardHandle} | ReadFailure

interface Resolved {
  pod: string
  port: number
}

export async function resolveForwardTarget(lookups: ForwardLookups, target: PortForwardTarget): Promise<{ok: true; resolved: Resolved} | ReadFailure> {
  if (target.pod) {
    const pods = await lookups.pods(target.namespace, {fieldSelector: `metadata.name=${target.pod}`})
    if (!pods.ok) return pods
    const pod = pods.items[0]
    if (!pod) return failure('not-found', `not found: pod ${target.pod} in namespace ${target.namespace}`)
    const port = containerPort(pod, target.port)
    if (port === undefined) return failure('not-found', `not found: port ${target.port} on pod ${target.namespace}/${target.pod}`)
    return {ok: true, resolved: {pod: pod.metadata.name, port}}
  }
  if (!target.service) throw new Error('port-forward needs a service or a pod')
  const services = await lookups.service(target.namespace, target.service)
  if (!services.ok) return services
  const svc = services.items[0]
  const where = `service ${target.namespace}/${target.service}`
  const ports = (svc.spec?.ports ?? []) as Array<{name?: string; port: number; targetPort?: number | string}>
  const svcPort = ports.find((p) => p.port === target.port || (p.name !== undefined && p.name === target.port))
  if (!svcPort) return failure('not-found', `not found: port ${target.port} on ${where}`)
  const selector = (svc.spec?.selector ?? {}) as Record<string, string>
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).sort().join(',')
  if (!labelSelector) return failure('not-found', `not found: ${where} has no pod selector`)
  const pods = await lookups.pods(target.namespace, {labelSelector})
  if (!pods.ok) return pods
  const ready = pods.items.filter(isReady).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
  if (ready.length === 0) return failure('not-found', `not found: no ready pod behind ${where}`)
  const pod = ready[0]
  const port = containerPort(pod, svcPort.targetPort ?? svcPort.port)
  if (port === undefined) return failure('not-found', `not found: target port ${String(svcPort.targetPort)} of ${where} on pod ${pod.metadata.name}`)
  return {ok: true, resolved: {pod: pod.metadata.name, port}}
}

export function isReady(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp) return false
  if (pod.status?.phase !== 'Running') return false
  const conditions = (pod.status?.conditions ?? []) as Array<{type: string; status: string}>
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True')
}

function containerPort(pod: KubeObject, port: number | string): number | undefined {
  if (typeof port === 'number') return port
  if (/^\d+$/.test(port)) return Number(port)
  for (const c of (pod.spec?.containers ?? []) as Array<{ports?: Array<{name?: string; containerPort: number}>}>) {
    const match = c.ports?.find((p) => p.name === port)
    if (match) return match.containerPort
  }
  return undefined
}

/** Listens on 127.0.0.1 (never a public interface) on an ephemeral port. */
export async function listenForward(namespace: string, resolved: Resolved, forwarder: PodForwarder): Promise<PortForwardHandle> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    forwarder.forward(namespace, resolved.pod, resolved.port, socket).catch(() => socket.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address() as net.AddressInfo
  return {
    localPort: address.port,
    namespace,
    pod: resolved.pod,
    remotePort: resolved.port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    }),
  }
}
