// Kubernetes networking.k8s.io/v1 NetworkPolicy at L4 (LATTICE-SPEC issue 9.3): Cilium
// enforces NetworkPolicies itself by translating each into allow rules of its policy
// repository, next to the CNP/CCNP rules (pkg/k8s/network_policy.go ParseNetworkPolicy).
// This module does the same translation into CNP-shaped rules, so the one evaluator judges
// both with one set of semantics; allows are a union across all kinds, as in Cilium.
// - podSelector (empty = every pod) is limited to the policy's namespace;
// - `from`/`to` absent or empty = every peer, outside the cluster too;
// - a peer with namespaceSelector (and maybe podSelector) = those pods in the matching
//   namespaces (`{}` = every namespace); podSelector alone = the policy's namespace;
//   ipBlock (with except) = a CIDR set; a peer with none of them selects nothing;
// - ports: protocol defaults to TCP, no port = every port, names as in CNPs, endPort beyond
//   `port` undetermined (its support changed across Cilium versions, see npPorts);
// - policyTypes: ingress is in default-deny unless the types name only Egress, egress when
//   they name Egress or egress rules exist (with no rule, the direction allows nothing).

import type {KubeObject} from '../../core/kube.js'
import {NAMESPACE_LABELS_PREFIX, NS_LABEL} from './keys.js'
import type {LabelSelector} from './selector.js'

export const NETWORK_POLICY_KIND = 'NetworkPolicy'

interface NpPeer {
  podSelector?: LabelSelector
  namespaceSelector?: LabelSelector
  ipBlock?: {cidr?: string; except?: string[]}
}

interface NpRule {
  from?: NpPeer[]
  to?: NpPeer[]
  ports?: Array<{port?: number | string; endPort?: number; protocol?: string}>
}

export function isNetworkPolicy(obj: KubeObject): boolean {
  return obj.kind === NETWORK_POLICY_KIND && typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith('networking.k8s.io/')
}

/** The CNP-shaped spec Cilium derives from a NetworkPolicy (evaluated in the policy's namespace). */
export function networkPolicySpec(obj: KubeObject): Record<string, unknown> {
  const spec = (obj.spec ?? {}) as {podSelector?: LabelSelector; policyTypes?: string[]; ingress?: NpRule[]; egress?: NpRule[]}
  const namespace = obj.metadata.namespace ?? 'default'
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : []
  const ingress = list(spec.ingress).flatMap((r) => translate(r, 'from', namespace))
  const egress = list(spec.egress).flatMap((r) => translate(r, 'to', namespace))
  // The k8s default-deny model as Cilium converts it: a type without rules allows nothing.
  if (ingress.length === 0 && (types.includes('Ingress') || !types.includes('Egress'))) ingress.push({})
  if (egress.length === 0 && types.includes('Egress')) egress.push({})
  const out: Record<string, unknown> = {endpointSelector: k8sPrefixed(spec.podSelector ?? {})}
  if (ingress.length > 0) out.ingress = ingress
  if (egress.length > 0) out.egress = egress
  return out
}

function translate(rule: NpRule, dir: 'from' | 'to', namespace: string): Array<Record<string, unknown>> {
  const peers = list(rule[dir])
  const rules: Array<Record<string, unknown>> = []
  if (peers.length === 0) rules.push({[`${dir}Entities`]: ['all']})
  for (const peer of peers) {
    const sel = peerSelector(peer, namespace)
    if (sel) rules.push({[`${dir}Endpoints`]: [sel]})
    if (peer?.ipBlock?.cidr) rules.push({[`${dir}CIDRSet`]: [{cidr: peer.ipBlock.cidr, except: list(peer.ipBlock.except)}]})
    // A peer naming nothing selects nothing (the API server rejects it anyway).
    if (!sel && !peer?.ipBlock?.cidr) rules.push({[`${dir}Endpoints`]: []})
  }
  const ports = list(rule.ports)
  if (ports.length > 0) {
    const toPorts = ports.map((p) => ({ports: npPorts(p)}))
    for (const r of rules) r.toPorts = toPorts
  }
  return rules
}

/**
 * One NetworkPolicyPort as Cilium's parsePorts reads it. `endPort` depends on the agent:
 * up to 1.14 it is ignored (only `port` opens, cilium/cilium#28684), 1.15 rejects the whole
 * NetworkPolicy (#28704), 1.16 brought port ranges (#32807). So `port` itself matches and
 * the rest of the range is undetermined (ports.ts `versionDependent`).
 */
function npPorts(p: NonNullable<NpRule['ports']>[number] | undefined): Array<Record<string, unknown>> {
  const port = String(p?.port ?? '0')
  const protocol = String(p?.protocol ?? 'TCP')
  const end = p?.endPort
  if (typeof end !== 'number' || !/^\d+$/.test(port) || end <= Number(port)) return [{port, protocol}]
  const why = `NetworkPolicy endPort ${port}-${end}: Cilium up to 1.14 opens only port ${port}, 1.15 rejects the NetworkPolicy, 1.16+ opens the range; the verdict depends on the agent version`
  return [{port, protocol}, {port: String(Number(port) + 1), endPort: end, protocol, versionDependent: why}]
}

/** parseNetworkPolicyPeer: namespace labels get Cilium's prefix; pods alone stay in the policy's namespace. */
function peerSelector(peer: NpPeer | undefined, namespace: string): LabelSelector | undefined {
  if (!peer) return undefined
  if (peer.namespaceSelector) {
    const ns = prefixed(peer.namespaceSelector, `k8s:${NAMESPACE_LABELS_PREFIX}`)
    const pods = k8sPrefixed(peer.podSelector ?? {})
    const sel: LabelSelector = {matchLabels: {...ns.matchLabels, ...pods.matchLabels}, matchExpressions: [...(ns.matchExpressions ?? []), ...(pods.matchExpressions ?? [])]}
    if (Object.keys(ns.matchLabels ?? {}).length === 0 && (ns.matchExpressions ?? []).length === 0) sel.matchExpressions!.push({key: NS_LABEL, operator: 'Exists'})
    return sel
  }
  if (peer.podSelector) {
    const pods = k8sPrefixed(peer.podSelector)
    return {matchLabels: {...pods.matchLabels, [NS_LABEL]: namespace}, matchExpressions: pods.matchExpressions ?? []}
  }
  return undefined
}

function k8sPrefixed(sel: LabelSelector): LabelSelector {
  return prefixed(sel, 'k8s:')
}

function prefixed(sel: LabelSelector, prefix: string): LabelSelector {
  const matchLabels: Record<string, string> = {}
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) matchLabels[prefix + k] = String(v)
  const matchExpressions = list(sel?.matchExpressions).map((e) => ({key: prefix + e.key, operator: e.operator, ...(e.values ? {values: [...e.values]} : {})}))
  return {matchLabels, matchExpressions}
}

function list<T>(v: T[] | undefined | null): T[] {
  return Array.isArray(v) ? v : []
}
