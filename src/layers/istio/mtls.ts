// Does ztunnel accept plaintext on one workload port? Follows istiod's ambient handling of
// PeerAuthentication (istio/istio pilot/pkg/serviceregistry/ambient/authorization.go:
// convertedSelectorPeerAuthentications + convertPeerAuthentication; workloads.go:
// fetchPeerAuthentications):
// - levels: mesh (root namespace, no selector) < namespace (no or empty selector) < workload
//   (non-empty selector matching the pod, not in the root namespace); the oldest policy wins
//   at each level; UNSET inherits; no policy at all = PERMISSIVE.
// - the effective mode either references the static STRICT policy (plaintext denied on every
//   port), or the workload policy converted into a DENY whose port-level exceptions ztunnel
//   evaluates (rbac.rs) — including istiod's quirks (e.g. a port DISABLE under an UNSET
//   workload mode does not exempt the port from an inherited STRICT).
// In ambient, DISABLE cannot turn HBONE off; for plaintext it behaves like PERMISSIVE.

import type {KubeObject, ObjectRef} from '../../core/kube.js'
import {refOf} from '../../core/kube.js'
import {emptyMatch, ztunnelMatches, type ZGroup, type ZMatch} from './ztunnel.js'

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE'

export interface MtlsDecision {
  mode: MtlsMode
  /** Plaintext (no identity) connections are accepted on this port. */
  acceptsPlaintext: boolean
  /** The PeerAuthentication that set the mode (undefined = Istio default). */
  ref?: ObjectRef
  /** The mode came from portLevelMtls. */
  portLevel: boolean
}

export function isPeerAuthentication(o: KubeObject): boolean {
  return o.kind === 'PeerAuthentication' && String(o.apiVersion ?? '').startsWith('security.istio.io/')
}

type Mode = MtlsMode | 'UNSET'

function modeOf(mtls: any): Mode {
  const m = mtls?.mode
  return m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? m : 'UNSET'
}

const hasSelector = (o: KubeObject) => o.spec?.selector != null
const selectorLabels = (o: KubeObject): Record<string, string> => o.spec?.selector?.matchLabels ?? {}

export function effectiveMtls(
  objects: KubeObject[],
  workload: {namespace: string; podLabels: Record<string, string>},
  targetPort: number,
  rootNamespace: string,
): MtlsDecision {
  const pas = objects.filter(isPeerAuthentication)
  // fetchPeerAuthentications: own namespace (no selector, or a selector that matches), plus
  // selector-less root-namespace policies.
  const selects = (o: KubeObject) => Object.entries(selectorLabels(o)).every(([k, v]) => workload.podLabels[k] === v)
  const fetched = pas.filter(
    (o) =>
      (o.metadata.namespace === workload.namespace && (!hasSelector(o) || selects(o))) ||
      (workload.namespace !== rootNamespace && o.metadata.namespace === rootNamespace && !hasSelector(o)),
  )
  const nsLevel = (o: KubeObject) => Object.keys(selectorLabels(o)).length === 0
  const mesh = oldest(fetched.filter((o) => nsLevel(o) && o.metadata.namespace === rootNamespace))
  const namespace = oldest(fetched.filter((o) => nsLevel(o) && o.metadata.namespace !== rootNamespace))
  const wl = oldest(fetched.filter((o) => !nsLevel(o) && o.metadata.namespace !== rootNamespace))

  let strict = modeOf(mesh?.spec?.mtls) === 'STRICT'
  let decidedBy = mesh && modeOf(mesh.spec?.mtls) !== 'UNSET' ? mesh : undefined
  if (namespace && modeOf(namespace.spec?.mtls) !== 'UNSET') {
    strict = modeOf(namespace.spec.mtls) === 'STRICT'
    decidedBy = namespace
  }
  let referencesWorkload = false
  if (wl) {
    const mode = modeOf(wl.spec?.mtls)
    if (mode !== 'UNSET') [strict, decidedBy] = [mode === 'STRICT', wl]
    const portModes = Object.values(wl.spec?.portLevelMtls ?? {}).map(modeOf)
    if (wl.spec?.portLevelMtls != null) {
      if (mode === 'STRICT') {
        if (portModes.some((m) => m === 'PERMISSIVE' || m === 'DISABLE')) [referencesWorkload, strict] = [true, false]
      } else if (mode === 'PERMISSIVE' || mode === 'DISABLE') {
        if (portModes.includes('STRICT')) referencesWorkload = true
      } else if (strict) {
        // Only PERMISSIVE (not DISABLE) counts here in istiod.
        if (portModes.includes('PERMISSIVE')) [referencesWorkload, strict] = [true, false]
      } else {
        strict = false
        if (portModes.includes('STRICT')) referencesWorkload = true
      }
    }
  }
  const portEntry = wl ? modeOf(wl.spec?.portLevelMtls?.[String(targetPort)]) : 'UNSET'
  const portLevel = portEntry !== 'UNSET'
  if (strict) return {mode: 'STRICT', acceptsPlaintext: false, ref: decidedBy && refOf(decidedBy), portLevel: false}

  if (referencesWorkload && wl) {
    // Parent policies as policies.go picks them for the conversion: selector-less only.
    const nsParent = oldest(pas.filter((o) => o.metadata.namespace === wl.metadata.namespace && !hasSelector(o)))
    const rootParent = oldest(pas.filter((o) => o.metadata.namespace === rootNamespace && !hasSelector(o)))
    const groups = convertWorkloadPeerAuthentication(wl, nsParent, rootParent, rootNamespace)
    if (groups && ztunnelMatches({groups}, {destinationPort: targetPort}).match === 'yes') {
      return {mode: 'STRICT', acceptsPlaintext: false, ref: refOf(wl), portLevel}
    }
    if (portLevel) return {mode: portEntry === 'DISABLE' ? 'DISABLE' : 'PERMISSIVE', acceptsPlaintext: true, ref: refOf(wl), portLevel}
  }
  const mode: MtlsMode = decidedBy && modeOf(decidedBy.spec?.mtls) === 'DISABLE' ? 'DISABLE' : 'PERMISSIVE'
  return {mode, acceptsPlaintext: true, ref: decidedBy && refOf(decidedBy), portLevel: false}
}

const plaintext = (extra: Partial<ZMatch> = {}): ZMatch => ({...emptyMatch(), notPrincipals: [{presence: true}], ...extra})

/** istiod's convertPeerAuthentication: the workload policy as a ztunnel DENY (groups), or undefined. */
export function convertWorkloadPeerAuthentication(
  wl: KubeObject,
  ns: KubeObject | undefined,
  root: KubeObject | undefined,
  rootNamespace: string,
): ZGroup[] | undefined {
  const levels = wl.spec?.portLevelMtls ?? {}
  if (wl.metadata.namespace === rootNamespace || !hasSelector(wl) || Object.keys(levels).length === 0) return undefined
  const mode = modeOf(wl.spec?.mtls)
  const nsMode = ns ? modeOf(ns.spec?.mtls) : undefined
  const rootMode = root ? modeOf(root.spec?.mtls) : undefined
  const clauses: ZGroup = []
  const groups: ZGroup[] = []
  if (mode === 'STRICT') clauses.push([plaintext()])
  let foundNonStrict = false
  const ports = Object.keys(levels)
    .filter((p) => /^\d+$/.test(p))
    .sort((a, b) => Number(a) - Number(b))
  for (const port of ports) {
    const portMode = modeOf(levels[port])
    if (portMode === 'STRICT') {
      // Go precedence: #1 || (#2) || #3, where #3 does not look at the workload mode.
      const parentStrict =
        mode === 'STRICT' ||
        (mode === 'UNSET' && nsMode === 'STRICT') ||
        ((nsMode === undefined || nsMode === 'UNSET') && rootMode === 'STRICT')
      if (parentStrict) continue
      groups.push([[plaintext({destinationPorts: [Number(port)]})]])
    } else if (portMode === 'PERMISSIVE' || portMode === 'DISABLE') {
      if (mode === 'PERMISSIVE' || mode === 'DISABLE') continue
      if (
        mode === 'UNSET' &&
        ((nsMode !== undefined && nsMode !== 'STRICT') || (nsMode === undefined && rootMode !== undefined && rootMode !== 'STRICT') || (nsMode === undefined && rootMode === undefined))
      ) {
        continue
      }
      foundNonStrict = true
      clauses.push([{...emptyMatch(), notDestinationPorts: [Number(port)]}])
    }
  }
  if (mode === 'STRICT' && !foundNonStrict) return undefined
  if (clauses.length === 0 && groups.length === 0) return undefined
  const mergeStrict =
    (rootMode === 'STRICT' && (nsMode === undefined || nsMode === 'UNSET' || nsMode === 'STRICT')) || nsMode === 'STRICT'
  if (mergeStrict && foundNonStrict) clauses.push([plaintext()])
  if (clauses.length > 0) groups.push(clauses)
  return groups
}

/** Oldest by creationTimestamp; ties keep the first listed (istiod's strict Before). */
function oldest(list: KubeObject[]): KubeObject | undefined {
  let best: KubeObject | undefined
  for (const o of list) {
    if (!best || String(o.metadata.creationTimestamp ?? '') < String(best.metadata.creationTimestamp ?? '')) best = o
  }
  return best
}
