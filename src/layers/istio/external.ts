// External egress at L7 (LATTICE-SPEC §6.5): one ServiceEntry per (namespace, host), shared
// by every member of the namespace that reaches the host, steered through the namespace
// waypoint; and one `allow-fqdn-<h8>` grant per (member, host) attached to that entry.

import {names} from '../../core/names.js'
import {principalOf} from '../../core/query.js'
import type {KubeObject} from '../../core/kube.js'
import type {GraphNode} from '../../graph/model.js'
import type {EgressRule} from '../../spec/model.js'
import {USE_WAYPOINT_LABEL} from '../../core/constants.js'
import {authorizationPolicy, NETWORKING_API_VERSION, policyLabels} from './objects.js'

interface SePort {
  number: number
  name: string
  protocol: string
}

interface EntryDraft {
  namespace: string
  host: string
  ip?: string
  ports: Map<number, SePort>
}

interface GrantDraft {
  node: GraphNode
  host: string
  ports: Set<number>
  /** Some rule for this host had no ports: the grant covers every port. */
  anyPort: boolean
}

/** Host and (for CIDR targets) address of an egress rule; undefined for entities. */
export function externalHost(rule: EgressRule): {host: string; ip?: string} | undefined {
  if (rule.target.fqdn) return {host: rule.target.fqdn}
  if (rule.target.cidr) {
    const ip = rule.target.cidr.split('/')[0]
    return {host: `ip-${ip.replace(/[.:]/g, '-')}.svc.external`, ip}
  }
  return undefined
}

export function sePort(number: number, protocol: 'TCP' | 'UDP'): SePort {
  const proto = protocol === 'UDP' ? 'UDP' : number === 443 ? 'HTTPS' : number === 80 ? 'HTTP' : 'TCP'
  return {number, name: `${proto.toLowerCase()}-${number}`, protocol: proto}
}

export function externalObjects(members: GraphNode[], trustDomain: string): KubeObject[] {
  const entries = new Map<string, EntryDraft>()
  const grants = new Map<string, GrantDraft>()
  for (const node of members) {
    for (const rule of node.egress) {
      const target = externalHost(rule)
      if (!target) continue
      const entryKey = `${node.namespace}/${target.host}`
      let entry = entries.get(entryKey)
      if (!entry) entries.set(entryKey, (entry = {namespace: node.namespace, host: target.host, ip: target.ip, ports: new Map()}))
      // Port numbers must be unique within a ServiceEntry (CRD rule): the first protocol wins.
      for (const p of rule.ports) if (!entry.ports.has(p)) entry.ports.set(p, sePort(p, rule.protocol))
      const grantKey = `${node.key}\u0000${target.host}`
      let grant = grants.get(grantKey)
      if (!grant) grants.set(grantKey, (grant = {node, host: target.host, ports: new Set(), anyPort: false}))
      rule.ports.forEach((p) => grant!.ports.add(p))
      if (rule.ports.length === 0) grant.anyPort = true
    }
  }
  const out: KubeObject[] = [...entries.values()].map(serviceEntry)
  for (const g of grants.values()) {
    const rule: Record<string, unknown> = {
      from: [{source: {principals: [principalOf(trustDomain, g.node.namespace, g.node.serviceAccount)]}}],
    }
    if (!g.anyPort && g.ports.size > 0) rule.to = [{operation: {ports: [...g.ports].map(String)}}]
    out.push(
      authorizationPolicy(names.allowFqdn(g.node.namespace, g.node.name, g.host), g.node, {
        targetRefs: [{group: 'networking.istio.io', kind: 'ServiceEntry', name: names.serviceEntry(g.node.namespace, g.host)}],
        action: 'ALLOW',
        rules: [rule],
      }),
    )
  }
  return out
}

function serviceEntry(e: EntryDraft): KubeObject {
  const name = names.serviceEntry(e.namespace, e.host)
  const spec: Record<string, unknown> = {hosts: [e.host]}
  if (e.ports.size > 0) spec.ports = [...e.ports.values()]
  spec.location = 'MESH_EXTERNAL'
  // The resource's own `resolution` param is ignored: IP ⇒ STATIC, host ⇒ DNS.
  spec.resolution = e.ip ? 'STATIC' : 'DNS'
  if (e.ip) spec.endpoints = [{address: e.ip}]
  return {
    apiVersion: NETWORKING_API_VERSION,
    kind: 'ServiceEntry',
    // Shared per (namespace, host): no ownerReference.
    metadata: {name, namespace: e.namespace, labels: policyLabels(name, {[USE_WAYPOINT_LABEL]: names.waypoint(e.namespace)})},
    spec,
  }
}
