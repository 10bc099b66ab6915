// LATTICE-SPEC §1.11: the older seed shape of container specs, tolerated in local files only.
// The live CRD accepts only the map form, so the rewrite produces exactly that form and
// reports every change; normalization and admission both validate the rewritten object.

import {cloneJson, isRecord, type Json} from './coerce.js'
import type {PathPart} from './fieldPath.js'

export interface ShapeNote {
  path: PathPart[]
  message: string
}

export interface CanonicalSpec {
  /** The spec in map form (a copy when anything changed, else the input itself). */
  spec: unknown
  notes: ShapeNote[]
}

/** Rewrites the seed shape of `spec` into the CRD shape; never throws, never mutates `spec`. */
export function canonicalizeSeedShape(spec: unknown): CanonicalSpec {
  // Most specs are already in CRD shape: look before copying (the copy is the costly part).
  if (!isRecord(spec) || !hasSeedShape(spec)) return {spec, notes: []}
  const notes: ShapeNote[] = []
  const copy = cloneJson(spec)
  const workload = copy.workload
  if (isRecord(workload)) rewriteContainerMap(workload, 'containers', ['spec', 'workload', 'containers'], notes)
  rewriteContainerMap(copy, 'sidecars', ['spec', 'sidecars'], notes)
  return notes.length === 0 ? {spec, notes} : {spec: copy, notes}
}

/** True when rewriteContainerMap could change anything (a list, `securityContext`, `capabilities: {...}`). */
function hasSeedShape(spec: Json): boolean {
  const workload = spec.workload
  return (isRecord(workload) && containerMapHasSeedShape(workload.containers)) || containerMapHasSeedShape(spec.sidecars)
}

function containerMapHasSeedShape(value: unknown): boolean {
  if (Array.isArray(value)) return true
  if (!isRecord(value)) return false
  for (const name in value) {
    if (!Object.hasOwn(value, name)) continue
    const container = value[name]
    if (!isRecord(container)) continue
    if ('securityContext' in container) return true
    const security = container.security
    if (isRecord(security) && isRecord(security.capabilities)) return true
  }
  return false
}

function rewriteContainerMap(parent: Json, key: string, path: PathPart[], notes: ShapeNote[]): void {
  const value = parent[key]
  if (Array.isArray(value)) {
    // A Map, not an object literal: a container named `__proto__` must stay a plain entry.
    const byName = new Map<string, Json>()
    value.forEach((item, i) => {
      const name = isRecord(item) ? item.name : undefined
      if (!isRecord(item) || typeof name !== 'string' || name === '') {
        notes.push({path: [...path, i], message: `${key} list item has no name; it was dropped (the CRD form is a map keyed by name)`})
        return
      }
      if (byName.has(name)) notes.push({path: [...path, i], message: `${key} list repeats the name '${name}'; the last item wins`})
      const rest = {...item}
      delete rest.name
      byName.set(name, rest)
    })
    notes.push({path, message: `${key} written as a list of {name: ...} items (seed shape); read as a map keyed by name`})
    parent[key] = Object.fromEntries(byName)
  }
  const current = parent[key]
  if (!isRecord(current)) return
  for (const [name, container] of Object.entries(current)) {
    if (isRecord(container)) rewriteSecurity(container, [...path, name], notes)
  }
}

function rewriteSecurity(container: Json, path: PathPart[], notes: ShapeNote[]): void {
  if ('securityContext' in container) {
    if (container.security === undefined || container.security === null) {
      container.security = container.securityContext
      notes.push({path: [...path, 'securityContext'], message: `'securityContext' read as 'security' (seed shape)`})
    } else {
      notes.push({path: [...path, 'securityContext'], message: `'securityContext' ignored because 'security' is also set`})
    }
    delete container.securityContext
  }
  const security = container.security
  if (!isRecord(security) || !isRecord(security.capabilities)) return
  const caps = security.capabilities
  const capsPath = [...path, 'security', 'capabilities']
  if (caps.drop !== undefined) {
    if (security.dropCapabilities === undefined) {
      security.dropCapabilities = caps.drop
      notes.push({path: [...capsPath, 'drop'], message: `'capabilities.drop' read as 'dropCapabilities' (seed shape)`})
    } else {
      notes.push({path: [...capsPath, 'drop'], message: `'capabilities.drop' ignored because 'dropCapabilities' is also set`})
    }
  }
  if (caps.add !== undefined) {
    notes.push({path: [...capsPath, 'add'], message: `'capabilities.add' read as 'capabilities' (seed shape)`})
    security.capabilities = caps.add
  } else {
    delete security.capabilities
  }
}
