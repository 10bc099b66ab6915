// L4, L7 and Runtime for a callee that does not exist (LATTICE-SPEC §10.16, §4.1 Unknown
// node): A declares B outbound, no LatticeService/LatticeMeshMember B exists. There are no
// pods, no Service and no policy for B, so each line says what is really there: at L4 what
// A's egress does with a connection to where B's pods would be (nothing allows it, since
// policies are generated only for active edges, §4.2), at L7 that there is no workload to
// authorize, at runtime that nothing serves.

import {HBONE_PORT} from '../core/constants.js'
import {describeRef, type KubeObject} from '../core/kube.js'
import type {Workload} from '../core/query.js'
import {layerResult, type Evidence, type LayerResult} from '../core/result.js'
import {ENFORCEMENT_ALWAYS, evaluateDirection, type EnforcementMode, type PodPeer} from '../layers/cilium/index.js'

export interface PlaceholderLines {
  l4: LayerResult
  l7: LayerResult
  runtime: LayerResult
}

export function placeholderLayers(source: Workload, target: Workload, policies: {l4: KubeObject[]}, opts: {enforcementMode?: EnforcementMode} = {}): PlaceholderLines {
  const a = short(source, target.namespace)
  const b = short(target, source.namespace)
  const key = `${target.namespace}/${target.name}`
  const missing = `${key} does not exist: no pods to connect to`
  return {
    l4: l4Line(source, target, a, b, missing, policies.l4, opts),
    l7: layerResult('l7', 'DENY', `no workload: ${key} does not exist, so ztunnel has nothing to deliver to and no AuthorizationPolicy allows anything to ${b}`, {
      reasons: [`a callee's inbound ALLOW is generated from its own mesh member; no LatticeService or LatticeMeshMember ${key} exists`],
    }),
    runtime: layerResult('runtime', 'DENY', `nothing serves: ${key} does not exist (no pods, no entrypoint)`, {
      reasons: ['no pods, so there is no entrypoint and no allow-binaries policy to check'],
    }),
  }
}

/**
 * A's egress towards where B's pods would be (a LatticeService `B` is ambient, selected by
 * `app.kubernetes.io/name`): denied by default-deny in every correct cluster; a stale or
 * broad rule may allow it, but there is still nothing to connect to.
 */
function l4Line(source: Workload, target: Workload, a: string, b: string, missing: string, policies: KubeObject[], opts: {enforcementMode?: EnforcementMode}): LayerResult {
  const src: PodPeer = {kind: 'pod', namespace: source.namespace, labels: source.podLabels, serviceAccount: source.serviceAccount, ...(source.namespaceLabels ? {namespaceLabels: source.namespaceLabels} : {})}
  const dst: PodPeer = {kind: 'pod', namespace: target.namespace, labels: target.podLabels, serviceAccount: target.serviceAccount, ...(target.namespaceLabels ? {namespaceLabels: target.namespaceLabels} : {})}
  const wire = source.ambient ? {port: HBONE_PORT, protocol: 'TCP'} : undefined
  const what = wire ? `${b} (wire: HBONE ${HBONE_PORT})` : b
  if (!wire) {
    return layerResult('l4', 'DENY', `${missing}, and no policy names ${b}`)
  }
  const v = evaluateDirection(policies, 'egress', src, dst, wire, opts.enforcementMode ? {enforcementMode: opts.enforcementMode} : {})
  const evidence: Evidence[] = []
  let egress: string
  if (v.allowed && v.allowedBy) {
    egress = `${a}'s egress would pass (${describeRef(v.allowedBy.ref)} ${v.allowedBy.section} rule #${v.allowedBy.ruleIndex}${v.allowedBy.broad ? ', broad' : ''}), but there is nothing to connect to`
    evidence.push({kind: v.allowedBy.ref.kind, name: v.allowedBy.ref.name, ...(v.allowedBy.ref.namespace ? {namespace: v.allowedBy.ref.namespace} : {}), detail: `egress rule #${v.allowedBy.ruleIndex}`, source: 'policy'})
  } else if (!v.allowed) {
    const causes = (v.defaultDenyExplicit.length > 0 ? v.defaultDenyExplicit : v.defaultDenyBy).map((d) => (d === ENFORCEMENT_ALWAYS ? d : describeRef(d)))
    egress = `no egress rule on ${a} for ${what}${causes.length ? `; egress default-deny from ${causes.join(', ')}` : ''}`
    for (const d of v.defaultDenyBy) if (d !== ENFORCEMENT_ALWAYS) evidence.push({kind: d.kind, name: d.name, ...(d.namespace ? {namespace: d.namespace} : {}), detail: 'egress default-deny', source: 'policy'})
  } else {
    egress = `${a}'s egress is not in default-deny, but there is nothing to connect to`
  }
  return layerResult('l4', 'DENY', `${egress}; ${missing}`, {
    reasons: [`policies are generated only for active edges (§4.2): ${a}'s CiliumNetworkPolicy has no rule for ${b}, which does not exist`],
    evidence,
  })
}

const short = (w: {namespace: string; name: string}, other: string) => (w.namespace === other ? w.name : `${w.namespace}/${w.name}`)
