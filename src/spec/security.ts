// Effective security settings (LATTICE-SPEC §1.4 compiled defaults). Cedar asks what was
// *set*; Tetragon and the diagnosis need what is *in force*. Both read the spec, so the
// defaults live here once.

import type {ContainerSpec, LatticeService, SidecarSpec} from './model.js'

export interface EffectiveSecurity {
  privileged: boolean
  readOnlyRootFilesystem: boolean
  runAsNonRoot: boolean
  /** True when the container effectively runs as root. */
  root: boolean
  allowPrivilegeEscalation: boolean
  addedCapabilities: string[]
  droppedCapabilities: string[]
  seccompProfile: string
  apparmorProfile: string
}

export function effectiveSecurity(c: ContainerSpec): EffectiveSecurity {
  const s = c.security ?? {}
  const privileged = s.privileged === true
  const runAsNonRoot = s.runAsNonRoot ?? (s.runAsUser === 0 ? false : true)
  return {
    privileged,
    readOnlyRootFilesystem: s.readOnlyRootFilesystem ?? true,
    runAsNonRoot,
    root: s.runAsUser === 0 || s.runAsNonRoot === false,
    allowPrivilegeEscalation: s.allowPrivilegeEscalation ?? privileged,
    addedCapabilities: [...(s.capabilities ?? [])],
    droppedCapabilities: s.dropCapabilities ? [...s.dropCapabilities] : ['ALL'],
    seccompProfile: s.seccompProfile ?? 'RuntimeDefault',
    apparmorProfile: s.apparmorProfile ?? 'RuntimeDefault',
  }
}

export interface NamedContainer {
  name: string
  kind: 'container' | 'sidecar'
  spec: ContainerSpec | SidecarSpec
}

/** Containers then sidecars, in the order written. */
export function allContainers(svc: LatticeService): NamedContainer[] {
  const out: NamedContainer[] = []
  for (const [name, spec] of Object.entries(svc.spec.workload.containers)) out.push({name, kind: 'container', spec})
  for (const [name, spec] of Object.entries(svc.spec.sidecars)) out.push({name, kind: 'sidecar', spec})
  return out
}

/** The target identity of a service/external-service resource (§1.7). */
export function targetOf(ownerNamespace: string, key: string, r: {namespace?: string; id?: string}): {namespace: string; name: string} {
  return {namespace: r.namespace ?? ownerNamespace, name: r.id ?? key}
}
