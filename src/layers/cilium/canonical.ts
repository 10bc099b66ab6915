// Semantic keys for drift (LATTICE-SPEC §9.2 step 9): two Cilium policies get the same key
// when Cilium would enforce them identically as far as this CLI can tell, whatever their
// names, rule order, list order, label/annotation metadata or formatting.

import type {KubeObject} from '../../core/kube.js'
import {CCNP_KIND, CNP_KIND, POD_NAMESPACE_KEY} from './keys.js'
import {liftsNamespaceScope, requirementsOf, type LabelSelector} from './selector.js'

export const CILIUM_KINDS = [CNP_KIND, CCNP_KIND] as const
export type CiliumKind = (typeof CILIUM_KINDS)[number]

const SECTIONS = ['ingress', 'ingressDeny', 'egress', 'egressDeny'] as const
const SELECTOR_FIELDS = ['Endpoints', 'Nodes']
const SORTED_STRING_FIELDS = ['Entities', 'CIDR']

export function isCiliumKind(kind: string): kind is CiliumKind {
  return (CILIUM_KINDS as readonly string[]).includes(kind)
}

export function canonicalCilium(obj: KubeObject): string | undefined {
  if (!isCiliumKind(obj.kind)) return undefined
  const namespace = obj.kind === CNP_KIND ? obj.metadata.namespace ?? 'default' : undefined
  const specs: unknown[] = []
  if (obj.spec && typeof obj.spec === 'object') specs.push(obj.spec)
  const list = (obj as {specs?: unknown}).specs
  if (Array.isArray(list)) specs.push(...list)
  const rules = specs.filter(isObject).map((s) => canonicalRule(s, namespace)).map(stable).sort()
  return stable({kind: obj.kind, namespace: namespace ?? null, rules})
}

function canonicalRule(spec: Record<string, any>, namespace: string | undefined): unknown {
  const out: Record<string, unknown> = {}
  if (spec.endpointSelector) out.endpointSelector = selector(spec.endpointSelector, namespace)
  if (spec.nodeSelector) out.nodeSelector = selector(spec.nodeSelector, undefined)
  // enableDefaultDeny unset is only equivalent to its default, which depends on the sections.
  const edd = spec.enableDefaultDeny ?? {}
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = [...asList(spec[dir]), ...asList(spec[`${dir}Deny`])]
    out[`defaultDeny_${dir}`] = typeof edd[dir] === 'boolean' ? edd[dir] : rules.length > 0
  }
  for (const section of SECTIONS) {
    out[section] = asList(spec[section])
      .filter(isObject)
      .map((r) => stable(peerRule(r, namespace)))
      .sort()
  }
  return out
}

function peerRule(rule: Record<string, any>, namespace: string | undefined): unknown {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(rule)) {
    const field = key.replace(/^(from|to)/, '')
    if (key === 'toPorts') out.toPorts = ports(value)
    else if (SELECTOR_FIELDS.includes(field) && Array.isArray(value)) {
      out[key] = [...new Set(value.map((s) => stable(selector(s, field === 'Endpoints' ? namespace : undefined, true))))].sort()
    } else if (SORTED_STRING_FIELDS.includes(field) && Array.isArray(value)) out[key] = [...new Set(value.map(String))].sort()
    else if (field === 'CIDRSet' && Array.isArray(value)) {
      out[key] = value.map((s) => stable({...s, except: Array.isArray(s?.except) ? [...s.except].sort() : undefined})).sort()
    } else if (key === 'toFQDNs' && Array.isArray(value)) out[key] = dnsList(value)
    else out[key] = value
  }
  // Absent and empty toPorts both mean "all ports".
  if (Array.isArray(out.toPorts) && out.toPorts.length === 0) delete out.toPorts
  return out
}

/** One sorted list of requirements: matchLabels are `In [value]` expressions. */
function selector(sel: LabelSelector, namespace: string | undefined, peer = false): unknown {
  const reqs = requirementsOf(sel).map((r) => ({
    key: r.source === 'any' ? r.key : `${r.source}:${r.key}`,
    operator: r.operator,
    values: [...new Set(r.values)].sort(),
  }))
  // In a CNP, selectors without a namespace requirement are scoped to the policy's namespace.
  if (namespace !== undefined && (!peer || !liftsNamespaceScope(sel))) {
    reqs.push({key: `k8s:${POD_NAMESPACE_KEY}`, operator: 'In', values: [namespace]})
  }
  return [...new Set(reqs.map(stable))].sort()
}

function ports(toPorts: unknown): unknown[] {
  return asList(toPorts)
    .filter(isObject)
    .map((tp) => {
      const out: Record<string, unknown> = {...tp}
      out.ports = [
        ...new Set(
          asList(tp.ports)
            .filter(isObject)
            .map((p) => {
              const endPort = typeof p.endPort === 'number' && p.endPort > Number(p.port) ? p.endPort : undefined
              const proto = String(p.protocol ?? '').toUpperCase()
              return stable({port: String(p.port ?? '0'), endPort, protocol: proto === '' ? 'ANY' : proto})
            }),
        ),
      ].sort()
      if (isObject(tp.rules) && Array.isArray(tp.rules.dns)) out.rules = {...tp.rules, dns: dnsList(tp.rules.dns)}
      return stable(out)
    })
    .sort()
}

function dnsList(list: unknown[]): string[] {
  return [
    ...new Set(
      list.filter(isObject).map((d) =>
        stable({
          matchName: typeof d.matchName === 'string' ? d.matchName.toLowerCase().replace(/\.$/, '') : undefined,
          matchPattern: typeof d.matchPattern === 'string' ? d.matchPattern.toLowerCase().replace(/\.$/, '') : undefined,
        }),
      ),
    ),
  ].sort()
}

/** JSON with sorted object keys and undefined values dropped. */
function stable(v: unknown): string {
  return JSON.stringify(sortKeys(v))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (!isObject(v)) return v
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k])
  return out
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : []
}
