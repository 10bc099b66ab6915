// Effective PeerAuthentication mode for one workload port, as ztunnel applies it:
// mesh (root namespace, no selector) < namespace (no selector) < workload (selector, not in
// the root namespace) < the workload policy's portLevelMtls entry for the target port.
// UNSET (or absent) inherits. With several candidates at one level the oldest wins (by
// creationTimestamp, then name). No policy at all = PERMISSIVE (Istio's default).
// In ambient, DISABLE cannot turn HBONE off; istiod treats it like PERMISSIVE for plaintext.

import type {KubeObject, ObjectRef} from '../../core/kube.js'
import {refOf} from '../../core/kube.js'

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

export function effectiveMtls(
  objects: KubeObject[],
  workload: {namespace: string; podLabels: Record<string, string>},
  targetPort: number,
  rootNamespace: string,
): MtlsDecision {
  const pas = objects.filter(isPeerAuthentication)
  const hasSelector = (o: KubeObject) => Object.keys(o.spec?.selector?.matchLabels ?? {}).length > 0
  const mesh = oldest(pas.filter((o) => o.metadata.namespace === rootNamespace && !hasSelector(o)))
  const namespace =
    workload.namespace === rootNamespace
      ? undefined
      : oldest(pas.filter((o) => o.metadata.namespace === workload.namespace && !hasSelector(o)))
  const wl = oldest(
    pas.filter(
      (o) =>
        o.metadata.namespace === workload.namespace &&
        o.metadata.namespace !== rootNamespace &&
        hasSelector(o) &&
        Object.entries(o.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => workload.podLabels[k] === v),
    ),
  )
  let result: MtlsDecision = {mode: 'PERMISSIVE', acceptsPlaintext: true, portLevel: false}
  for (const pa of [mesh, namespace, wl]) {
    const mode = modeOf(pa?.spec?.mtls)
    if (pa && mode) result = decision(mode, pa, false)
  }
  const portMode = wl ? modeOf(wl.spec?.portLevelMtls?.[String(targetPort)]) : undefined
  if (wl && portMode) result = decision(portMode, wl, true)
  return result
}

function decision(mode: MtlsMode, pa: KubeObject, portLevel: boolean): MtlsDecision {
  return {mode, acceptsPlaintext: mode !== 'STRICT', ref: refOf(pa), portLevel}
}

function modeOf(mtls: any): MtlsMode | undefined {
  const m = mtls?.mode
  return m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? m : undefined
}

function oldest(list: KubeObject[]): KubeObject | undefined {
  return [...list].sort((a, b) => {
    const ta = String(a.metadata.creationTimestamp ?? '')
    const tb = String(b.metadata.creationTimestamp ?? '')
    return ta !== tb ? (ta < tb ? -1 : 1) : a.metadata.name.localeCompare(b.metadata.name)
  })[0]
}
