// The OverrideSecurity catalogue (LATTICE-SPEC §3.4, §7.5): every deviation from the
// restricted defaults that needs a Cedar permit. Cedar asks about what was *set*, so the
// raw `security` fields are read; `effectiveSecurity` only decides "runs as root".

import type {LatticeService} from '../../spec/model.js'
import {allContainers, effectiveSecurity} from '../../spec/security.js'

export type OverrideCategory = 'pod' | 'capability' | 'container' | 'profile' | 'binary'

export interface OverrideRequest {
  id: string
  category: OverrideCategory
  /** Absent for pod-level overrides (hostNetwork, ...), which belong to no container. */
  container?: string
}

/** Capabilities a container runtime grants by default (what a partial drop leaves). */
export const DEFAULT_CAPABILITIES = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]

// `net_raw` and `CAP_NET_RAW` name the same capability as `NET_RAW`.
const normCap = (c: string) => c.toUpperCase().replace(/^CAP_/, '')

export function securityOverrides(svc: LatticeService): OverrideRequest[] {
  const out: OverrideRequest[] = []
  const spec = svc.spec
  if (spec.hostNetwork === true) out.push({id: 'hostNetwork', category: 'pod'})
  if (spec.shareProcessNamespace === true) out.push({id: 'shareProcessNamespace', category: 'pod'})
  if (spec.automountServiceAccountToken === true) out.push({id: 'automountServiceAccountToken', category: 'pod'})
  for (const {name, spec: c} of allContainers(svc)) {
    const s = c.security ?? {}
    const seen = new Set<string>()
    const add = (id: string, category: OverrideCategory) => {
      if (seen.has(id)) return
      seen.add(id)
      out.push({id, category, container: name})
    }
    const added = s.capabilities ?? []
    for (const cap of added) add(`capability:${cap}`, 'capability')
    if (s.dropCapabilities !== undefined && s.privileged !== true) {
      const dropped = new Set(s.dropCapabilities.map(normCap))
      if (!dropped.has('ALL')) {
        const explicit = new Set(added.map(normCap))
        for (const cap of DEFAULT_CAPABILITIES) if (!dropped.has(cap) && !explicit.has(cap)) add(`capability:${cap}`, 'capability')
      }
    }
    if (s.privileged === true) add('privileged', 'container')
    if (effectiveSecurity(c).root) add('runAsRoot', 'container')
    if (s.runAsGroup === 0) add('runAsRootGroup', 'container')
    if (s.readOnlyRootFilesystem === false) add('readWriteRootFilesystem', 'container')
    if (s.allowPrivilegeEscalation === true) add('allowPrivilegeEscalation', 'container')
    if (s.seccompProfile === 'Unconfined' || s.seccompProfile === 'Localhost') add(`seccomp:${s.seccompProfile}`, 'profile')
    if (s.apparmorProfile === 'Unconfined' || s.apparmorProfile === 'Localhost') add(`apparmor:${s.apparmorProfile}`, 'profile')
    const binaries = s.allowedBinaries ?? []
    for (const path of binaries) add(`allowedBinary:${path}`, 'binary')
    // Unknown entrypoint: Tetragon cannot build an allowlist, so the pod runs unrestricted.
    if ((c.command?.length ?? 0) === 0 && binaries.length === 0) add('allowedBinary:*', 'binary')
  }
  return out
}
