// The question "can A reach B?" in plain terms that every layer evaluator understands.
// Built by src/diagnose from the graph (offline) or from live pods/services (live).

export interface PortRef {
  name: string
  /** Service port (what the waypoint sees). */
  servicePort: number
  /** Container port (what ztunnel and non-ambient L4 see). */
  targetPort: number
  protocol: 'TCP' | 'UDP' | string
  /** False for a port number asked for (`--port`) that the target does not expose. */
  exposed?: false
}

export interface Workload {
  namespace: string
  name: string
  kind: 'LatticeService' | 'LatticeMeshMember' | 'Unknown'
  /** SPIFFE service account (no trust domain). */
  serviceAccount: string
  /** Pod labels (plain Kubernetes keys, no `k8s:` prefix). */
  podLabels: Record<string, string>
  /** Labels of the pod's namespace (for Cilium namespace selectors and Istio ambient). */
  namespaceLabels?: Record<string, string>
  ambient: boolean
  /** Declared ports (empty when the workload exposes none). */
  ports: PortRef[]
  /**
   * Named container ports of the workload's pods, for Cilium rules that name a port
   * (§10.11). Offline: the spec's port names; live: `spec.containers[].ports[]`.
   * Undefined = not known.
   */
  containerPorts?: ContainerPort[]
}

export interface ContainerPort {
  name: string
  port: number
  protocol: string
}

export interface Waypoint {
  namespace: string
  name: string
  /** Labels of the waypoint pods (include gateway.networking.k8s.io/gateway-name). */
  podLabels: Record<string, string>
  serviceAccount: string
  /** true/false when known (live); undefined offline (assumed present when expected). */
  ready?: boolean
  /** Named container ports of the waypoint pods (live); undefined = not known. */
  containerPorts?: ContainerPort[]
}

export interface ConnectivityQuery {
  source: Workload
  target: Workload
  /** The port being checked (one of target.ports), or undefined when B exposes none. */
  port?: PortRef
  trustDomain: string
  /** Set when B's Service (or namespace) carries istio.io/use-waypoint. */
  waypoint?: Waypoint
  /** Binary A uses to call B (runtime check). */
  clientBinary?: string
  /** Binary B serves with (its entrypoint), for the runtime check. */
  serverBinaries?: string[]
  method?: string
  path?: string
}

export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`
}

/** AuthorizationPolicy principal form: no `spiffe://` prefix. */
export function principalOf(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`
}
