// The fix for a declared callee that does not exist (LATTICE-SPEC §10.16, §4.7 third
// finding): either A's dependency names the wrong service (a typo: correct it to the
// closest known name), or B is meant to exist (create it, allowing A). Two alternatives,
// so neither is applied for the user or verified in memory.

import type {CompiledFleet} from '../pipeline/fleet.js'
import {keyOf} from '../spec/model.js'
import {targetOf} from '../spec/security.js'
import type {SpecChange} from './model.js'
import {closestKeys, knownMemberKeys} from './names.js'

export function missingTargetChanges(fleet: CompiledFleet, source: string, target: string): SpecChange[] {
  const [bNs, bName] = split(target)
  const [aNs, aName] = split(source)
  const changes: SpecChange[] = []
  const known = [...knownMemberKeys(fleet.specs)].filter((k) => k !== source)
  const closest = closestKeys(target, known)[0]
  if (closest) {
    const rename = renameChange(fleet, source, target, closest)
    if (rename) changes.push(rename)
  }
  const caller = aNs === bNs ? `${aName}: {type: service, direction: inbound}` : `${aName}: {type: service, direction: inbound, namespace: ${aNs}}`
  changes.push({
    kind: 'Cluster',
    namespace: bNs,
    name: `LatticeService ${bName}`,
    path: `create (${closest ? `if ${bName} is not a typo for ${display(closest, aNs)}; ` : ''}${display(target, aNs)} does not exist yet)`,
    yaml: [
      'apiVersion: lattice.dev/v1alpha1',
      'kind: LatticeService',
      `metadata: {name: ${bName}, namespace: ${bNs}}`,
      'spec:',
      '  workload:',
      '    containers:',
      '      main: {image: <image>, command: [<entrypoint>]}',
      '    service:',
      '      ports:',
      '        http: {port: 8080}   # the port the container listens on',
      '    resources:',
      `      ${caller}`,
    ].join('\n'),
  })
  return changes
}

/** A's declaration of `target`, pointed at `closest` instead (keeping its resource key when it has an `id`). */
function renameChange(fleet: CompiledFleet, source: string, target: string, closest: string): SpecChange | undefined {
  const [aNs] = split(source)
  const [cNs, cName] = split(closest)
  const note = `# instead of ${display(target, aNs)}, which does not exist; closest known service: ${closest}`
  const svc = fleet.specs.services.find((s) => keyOf(s) === source)
  if (svc) {
    const entry = Object.entries(svc.spec.workload.resources).find(([key, r]) => {
      const t = targetOf(aNs, key, r)
      return r.type === 'service' && (r.direction === 'outbound' || r.direction === 'both') && `${t.namespace}/${t.name}` === target
    })
    if (!entry) return undefined
    const [key, r] = entry
    const body = [`type: service`, `direction: ${r.direction}`, ...(cNs !== aNs ? [`namespace: ${cNs}`] : [])]
    // A resource key that is only the target's name is renamed; one with an `id` keeps its key.
    const yaml = r.id === undefined ? `${cName}: {${body.join(', ')}}   ${note} (replaces ${key})` : `${key}: {${[...body, `id: ${cName}`].join(', ')}}   ${note}`
    return {kind: 'LatticeService', namespace: aNs, name: split(source)[1], file: svc.origin.file, path: 'spec.workload.resources', yaml}
  }
  const [, aName] = split(source)
  return {kind: 'Cluster', namespace: aNs, name: aName, path: 'LatticeMeshMember spec.dependencies', yaml: `- {name: ${cName}, namespace: ${cNs}}   ${note}`}
}

const split = (key: string): [string, string] => [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)]
const display = (key: string, otherNs: string) => (key.startsWith(`${otherNs}/`) ? key.slice(otherNs.length + 1) : key)
