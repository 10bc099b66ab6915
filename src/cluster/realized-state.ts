// What Cilium has actually realized for the pair's pods (CiliumEndpoint status, schema
// cilium.io/v2): a pod without an endpoint is not policed by Cilium at all, and an
// endpoint whose direction is not enforcing lets everything through in that direction,
// whatever the CiliumNetworkPolicies say. The lead combines these with the L4 verdict.
import type {KubeObject} from '../core/kube.js'
import type {PairState} from './pair-state.js'

export type RealizedStateFindingKind =
  | 'pod-without-endpoint'
  | 'enforcement-disabled'
  | 'endpoint-not-ready'
  | 'endpoint-without-identity'
  | 'policy-status-unavailable'

export interface RealizedStateFinding {
  kind: RealizedStateFindingKind
  /** error: L4 cannot be as evaluated; warning: degraded; info: the status does not say. */
  severity: 'error' | 'warning' | 'info'
  namespace: string
  pod: string
  direction?: 'ingress' | 'egress'
  detail: string
}

interface EndpointDirection {
  enforcing?: boolean
  state?: string
}

/** Pods Cilium never manages: host-network pods and pods that are not (or no longer) running. */
function expectsEndpoint(pod: KubeObject): boolean {
  if (pod.spec?.hostNetwork === true) return false
  if (pod.metadata.deletionTimestamp) return false
  return pod.status?.phase === 'Running' && Boolean(pod.status?.podIP)
}

export function realizedStateFindings(pods: KubeObject[], ciliumEndpoints: KubeObject[]): RealizedStateFinding[] {
  // A CiliumEndpoint has the name and namespace of its pod.
  const endpoints = new Map(ciliumEndpoints.map((cep) => [`${cep.metadata.namespace}/${cep.metadata.name}`, cep]))
  const findings: RealizedStateFinding[] = []
  const sorted = [...pods].sort((x, y) => x.metadata.name.localeCompare(y.metadata.name))
  for (const pod of sorted) {
    const namespace = pod.metadata.namespace ?? ''
    const name = pod.metadata.name
    const at = {namespace, pod: name}
    const cep = endpoints.get(`${namespace}/${name}`)
    if (!cep) {
      if (expectsEndpoint(pod)) {
        findings.push({kind: 'pod-without-endpoint', severity: 'error', ...at,
          detail: `pod ${namespace}/${name} has no CiliumEndpoint: Cilium does not enforce policy on it`})
      }
      continue
    }
    findings.push(...endpointFindings(cep, at))
  }
  return findings
}

function endpointFindings(cep: KubeObject, at: {namespace: string; pod: string}): RealizedStateFinding[] {
  const findings: RealizedStateFinding[] = []
  const where = `CiliumEndpoint ${at.namespace}/${at.pod}`
  const status = (cep.status ?? {}) as {state?: string; identity?: {id?: number}; policy?: Record<string, EndpointDirection | undefined>}
  if (status.state !== 'ready') {
    findings.push({kind: 'endpoint-not-ready', severity: 'warning', ...at,
      detail: `${where} is in state ${status.state ?? 'unknown'}, not ready: policy may not be fully realized`})
  }
  if (typeof status.identity?.id !== 'number') {
    findings.push({kind: 'endpoint-without-identity', severity: 'error', ...at,
      detail: `${where} has no security identity: peers cannot select it`})
  }
  for (const direction of ['ingress', 'egress'] as const) {
    const policy = status.policy?.[direction]
    // status.policy is only published when the agent runs with endpoint-status=policy.
    if (!policy || typeof policy.enforcing !== 'boolean') {
      findings.push({kind: 'policy-status-unavailable', severity: 'info', ...at, direction,
        detail: `${where} does not publish ${direction} enforcement (cilium-config endpoint-status lacks policy)`})
      continue
    }
    const state = policy.state ? ` (state ${policy.state})` : ''
    if (!policy.enforcing || policy.state === 'disabled' || policy.state === 'non-enforcing') {
      findings.push({kind: 'enforcement-disabled', severity: 'warning', ...at, direction,
        detail: `${where} does not enforce ${direction} policy${state}: all ${direction} traffic is allowed at L4`})
    }
  }
  return findings
}

export interface PairRealizedState {
  source: RealizedStateFinding[]
  target: RealizedStateFinding[]
  /** Reasons the realized state of a side could not be judged (its pods or endpoints unread). */
  unavailable: string[]
}

export function pairRealizedState(state: PairState): PairRealizedState {
  const unavailable: string[] = []
  const side = (pods: PairState['podsA'], ceps: PairState['ciliumEndpointsA']): RealizedStateFinding[] => {
    if (!pods.ok) unavailable.push(pods.reason)
    if (!ceps.ok) unavailable.push(ceps.reason)
    return pods.ok && ceps.ok ? realizedStateFindings(pods.items, ceps.items) : []
  }
  return {source: side(state.podsA, state.ciliumEndpointsA), target: side(state.podsB, state.ciliumEndpointsB), unavailable}
}
