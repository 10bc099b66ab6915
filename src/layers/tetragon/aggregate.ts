// Pod-level aggregation of container security settings (LATTICE-SPEC §7.4): Tetragon
// selects pods, not containers, so the most permissive container decides.

import type {LatticeService} from '../../spec/model.js'
import {allContainers, effectiveSecurity} from '../../spec/security.js'
import {PSEUDO_FS_PREFIXES} from './constants.js'

export interface PodRuntimeProfile {
  /** Every container and sidecar has an effectively read-only root filesystem. */
  readOnlyRootfs: boolean
  /** Every container and sidecar is effectively non-root. */
  nonRoot: boolean
  /** No container adds a capability and none is privileged. */
  noAddedCapabilities: boolean
  /** Paths (trailing `/`) where writes are legitimate: volume mounts and pseudo filesystems. */
  writablePrefixes: string[]
}

export function podRuntimeProfile(svc: LatticeService): PodRuntimeProfile {
  const containers = allContainers(svc)
  const eff = containers.map((c) => effectiveSecurity(c.spec))
  const writable = new Set(PSEUDO_FS_PREFIXES)
  for (const c of containers) {
    for (const mountPath of Object.keys(c.spec.volumes ?? {})) writable.add(asDirPrefix(mountPath))
  }
  return {
    readOnlyRootfs: eff.every((e) => e.readOnlyRootFilesystem),
    nonRoot: eff.every((e) => e.runAsNonRoot && !e.root),
    noAddedCapabilities: eff.every((e) => !e.privileged && e.addedCapabilities.length === 0),
    writablePrefixes: [...writable].sort(),
  }
}

/** `/data` and `/data/` both become `/data/`, so `/database` is not excluded by `/data`. */
function asDirPrefix(p: string): string {
  const trimmed = p.replace(/\/+$/, '')
  return `${trimmed}/`
}
