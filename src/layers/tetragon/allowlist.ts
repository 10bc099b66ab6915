// Binary allowlist construction (LATTICE-SPEC §7.3–§7.5): what `allow-binaries-<svc>`
// lists, or why the service gets no such policy (explicit or implicit wildcard).

import type {LatticeService, Probe} from '../../spec/model.js'
import {allContainers} from '../../spec/security.js'

export interface Allowlist {
  /** De-duplicated, sorted allowlist (empty when `wildcard`). */
  values: string[]
  /** True when no allow-binaries policy is generated (§7.4, §7.5). */
  wildcard: boolean
  /** Why the allowlist is what it is, in one line. */
  reason: string
  /** Entries that can never match what the kernel reports (relative paths, §7.3). */
  warnings: string[]
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const

/** command[0] of every container and sidecar (init included): the serving binaries. */
export function entrypointsOf(svc: LatticeService): string[] {
  const out: string[] = []
  for (const c of allContainers(svc)) {
    const first = c.spec.command?.[0]
    if (first) pushUnique(out, first)
  }
  return out
}

export function allowlistOf(svc: LatticeService): Allowlist {
  const values = new Set<string>()
  const warnings: string[] = []
  const where = (kind: string, name: string) => `${kind} '${name}'`
  let explicitWildcard: string | undefined
  let unknownEntrypoint: string | undefined

  for (const c of allContainers(svc)) {
    const label = where(c.kind, c.name)
    const allowed = c.spec.security?.allowedBinaries ?? []
    const first = c.spec.command?.[0]
    if (allowed.includes('*')) explicitWildcard ??= label
    if (!first && allowed.length === 0) unknownEntrypoint ??= label
    for (const b of allowed) if (b !== '*') add(b, `${label} allowedBinaries entry`)
    if (first) add(first, `${label} command[0]`)
    for (const p of PROBES) {
      const probe: Probe | undefined = c.spec[p]
      const exec0 = probe?.exec?.command?.[0]
      if (exec0) add(exec0, `${label} ${p} exec command`)
    }
  }
  for (const cmd of backupHookCommands(svc.spec.backup?.hooks)) add(cmd, 'backup hook command')

  if (explicitWildcard) {
    return {values: [], wildcard: true, reason: `allowedBinaries of ${explicitWildcard} contains '*' (explicit wildcard): no allow-binaries policy`, warnings: []}
  }
  if (unknownEntrypoint) {
    return {values: [], wildcard: true, reason: `${unknownEntrypoint} has no command and no allowedBinaries (unknown image entrypoint, implicit wildcard): no allow-binaries policy`, warnings: []}
  }
  return {values: [...values].sort(), wildcard: false, reason: 'allowedBinaries of every container and sidecar plus auto-detected entrypoints', warnings}

  function add(path: string, what: string): void {
    values.add(path)
    if (!path.startsWith('/')) {
      const w = `${what} '${path}' is relative: Tetragon sees absolute paths, so it never matches and the exec will be killed`
      if (!warnings.includes(w)) warnings.push(w)
    }
  }
}

/**
 * Backup hooks are free-form in the model (upstream nests `{pre|post: [{command: [...]}]}`);
 * any object with a string `command` list under `spec.backup.hooks` contributes command[0].
 */
function backupHookCommands(hooks: unknown): string[] {
  const out: string[] = []
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) visit(item)
      return
    }
    if (!v || typeof v !== 'object') return
    const command = (v as {command?: unknown}).command
    if (Array.isArray(command) && typeof command[0] === 'string' && command[0]) pushUnique(out, command[0])
    for (const [k, child] of Object.entries(v)) if (k !== 'command') visit(child)
  }
  visit(hooks)
  return out
}

function pushUnique(list: string[], v: string): void {
  if (!list.includes(v)) list.push(v)
}
