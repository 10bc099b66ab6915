// Semantic rules on containers and sidecars: A12–A22 and A27 (LATTICE-SPEC §2.2).
// Values with the wrong JSON type were already reported by the typed parse and are skipped.

import {isRecord, type Json} from '../../spec/coerce.js'
import type {PathPart} from '../../spec/fieldPath.js'
import {DNS_LABEL_HINT, fileModeProblem, isDnsLabel, isQuantity} from './grammar.js'
import type {IssueSink} from './issues.js'

const CONTROL_OR_SPACE = /[\s\p{Cc}]/u
const SHELL_METACHARACTERS = /[`|;&$><(){}]/

export function containerRules(spec: Json, sink: IssueSink): void {
  const workload = isRecord(spec.workload) ? spec.workload : {}
  const containersPath = ['spec', 'workload', 'containers']
  const containers = workload.containers
  if (containers === undefined || containers === null || (isRecord(containers) && Object.keys(containers).length === 0)) {
    sink.add('A12', containersPath, 'service must have at least one container')
  }
  if (isRecord(containers)) {
    for (const [name, c] of Object.entries(containers)) checkContainer(name, c, 'container', [...containersPath, name], sink)
  }
  if (isRecord(spec.sidecars)) {
    for (const [name, c] of Object.entries(spec.sidecars)) checkContainer(name, c, 'sidecar', ['spec', 'sidecars', name], sink)
  }
}

function checkContainer(name: string, c: unknown, kind: 'container' | 'sidecar', path: PathPart[], sink: IssueSink): void {
  if (!isDnsLabel(name)) sink.add('A13', path, `${kind} name '${name}' is not a valid DNS label (${DNS_LABEL_HINT})`)
  if (!isRecord(c)) return
  const image = c.image
  if (image === '') sink.add('A14', [...path, 'image'], `container '${name}': image cannot be empty`)
  if (typeof image === 'string' && CONTROL_OR_SPACE.test(image)) {
    sink.add('A15', [...path, 'image'], `container '${name}': image '${image}' contains invalid characters`)
  }
  if (typeof image === 'string' && SHELL_METACHARACTERS.test(image)) {
    sink.add('A16', [...path, 'image'], `container '${name}': image '${image}' contains shell metacharacters`)
  }
  const command = c.command
  if (Array.isArray(command) && typeof command[0] === 'string' && !command[0].startsWith('/')) {
    sink.add('A17', [...path, 'command', 0], `'${name}': command[0] '${command[0]}' must be an absolute path (start with '/')`)
  }
  const resources = isRecord(c.resources) ? c.resources : undefined
  // Limits are mandatory for containers only; sidecars may omit them (§1.5).
  if (kind === 'container' && (resources?.limits === undefined || resources.limits === null)) {
    sink.add('A18', [...path, 'resources', 'limits'], `container '${name}' must have resource limits`)
  }
  for (const group of ['requests', 'limits'] as const) {
    const q = resources?.[group]
    if (!isRecord(q)) continue
    checkQuantity(name, group, 'cpu', q.cpu, [...path, 'resources', group, 'cpu'], sink)
    checkQuantity(name, group, 'memory', q.memory, [...path, 'resources', group, 'memory'], sink)
  }
  if (isRecord(c.files)) {
    for (const [filePath, f] of Object.entries(c.files)) {
      if (!isRecord(f)) continue
      const prefix = `container '${name}' file '${filePath}':`
      const hasContent = ['content', 'binaryContent', 'source'].some((k) => f[k] !== undefined && f[k] !== null)
      if (!hasContent) sink.add('A21', [...path, 'files', filePath], `${prefix} must specify content, binary_content, or source`)
      if (typeof f.mode === 'string') {
        const problem = fileModeProblem(f.mode)
        if (problem) sink.add('A22', [...path, 'files', filePath, 'mode'], `${prefix} ${problem}`)
      }
    }
  }
  if (kind === 'sidecar' && c.init === true && !(Array.isArray(command) && command.length > 0)) {
    sink.add('A27', [...path, 'command'], `sidecar '${name}': init containers must specify a command`)
  }
}

function checkQuantity(container: string, group: string, resource: 'cpu' | 'memory', value: unknown, path: PathPart[], sink: IssueSink): void {
  if ((typeof value !== 'string' && typeof value !== 'number') || isQuantity(value)) return
  if (resource === 'cpu') {
    sink.add('A19', path, `container '${container}' ${group}.cpu: invalid quantity '${value}' (expected e.g., '100m', '1', '0.5')`)
  } else {
    sink.add('A20', path, `container '${container}' ${group}.memory: invalid quantity '${value}' (expected e.g., '128Mi', '1Gi')`)
  }
}
