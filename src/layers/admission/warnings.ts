// LATTICE-SPEC §2.4: accepted-but-suspicious specs. The webhook admits them; the CLI warns
// because each one silently changes what the platform enforces.

import {isRecord, type Json} from '../../spec/coerce.js'
import {parseEndpoint} from '../../spec/endpoints.js'
import type {IssueSink} from './issues.js'

/** The CLI's methods/paths/ports extension (§6.3.2): read on inbound `service` resources only. */
const L7_PARAM_KEYS = ['methods', 'paths', 'ports']
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const

export function serviceWarnings(spec: Json, sink: IssueSink): void {
  const workload = isRecord(spec.workload) ? spec.workload : {}
  if (isRecord(workload.resources)) {
    for (const [name, r] of Object.entries(workload.resources)) {
      if (isRecord(r)) resourceWarnings(name, r, sink)
    }
  }
  if (binaryAllowlistApplies(spec)) probeWarnings(spec, sink)
}

function resourceWarnings(name: string, r: Json, sink: IssueSink): void {
  const path = ['spec', 'workload', 'resources', name]
  const type = r.type === undefined || r.type === null ? 'service' : r.type
  const direction = typeof r.direction === 'string' ? r.direction : 'outbound'
  if (type === 'service') {
    if (isRecord(r.params) && Object.keys(r.params).length > 0) {
      const unknown = Object.keys(r.params).filter((k) => !L7_PARAM_KEYS.includes(k))
      if (unknown.length > 0) {
        sink.add('W1', [...path, 'params'], `resource '${name}': params on a 'service' resource are ignored (${unknown.join(', ')}; only the methods/paths/ports extension is read)`)
      } else if (direction === 'outbound') {
        sink.add('W1', [...path, 'params'], `resource '${name}': params methods/paths/ports only apply to inbound declarations; ignored on an outbound 'service' resource`)
      }
    }
    if (r.direction === undefined || r.direction === null) {
      sink.add('W2', [...path, 'direction'], `resource '${name}': no direction set; it defaults to 'outbound' (write it explicitly)`)
    }
  }
  if (type === 'external-service' && isRecord(r.params) && isRecord(r.params.endpoints)) {
    for (const [endpoint, url] of Object.entries(r.params.endpoints)) {
      if (typeof url !== 'string') continue
      const epPath = [...path, 'params', 'endpoints', endpoint]
      if (/^entity:/i.test(url.trim())) {
        const host = parseEndpoint(url)?.host
        const reading = host ? `parses as a DNS host named '${host}'` : 'is not an endpoint URL'
        sink.add('W5', epPath, `resource '${name}' endpoint '${endpoint}': '${url}' ${reading}; to select a Cilium entity set 'id: ${url.trim()}' on the resource instead`)
        continue
      }
      const host = parseEndpoint(url)?.host
      if (host?.startsWith('*.')) {
        sink.add('W4', epPath, `resource '${name}' endpoint '${endpoint}': wildcard host '${host}' needs a toFQDNs matchPattern; upstream Lattice emits it as matchName, which Cilium never matches`)
      }
    }
  }
}

/**
 * §7.4: Tetragon enforces an allowlist unless some container or sidecar allows `*`, or has
 * neither a command nor allowedBinaries (unknown entrypoint ⇒ implicit wildcard).
 */
function binaryAllowlistApplies(spec: Json): boolean {
  const all = containersOf(spec)
  if (all.length === 0) return false
  return all.every(({c}) => {
    const security = isRecord(c.security) ? c.security : {}
    const allowed = Array.isArray(security.allowedBinaries) ? security.allowedBinaries : []
    if (allowed.includes('*')) return false
    const hasCommand = Array.isArray(c.command) && c.command.length > 0
    return hasCommand || allowed.length > 0
  })
}

function probeWarnings(spec: Json, sink: IssueSink): void {
  for (const {name, c, path} of containersOf(spec)) {
    for (const probe of PROBES) {
      const p = c[probe]
      const exec = isRecord(p) && isRecord(p.exec) ? p.exec : undefined
      const cmd = exec && Array.isArray(exec.command) ? exec.command[0] : undefined
      if (typeof cmd === 'string' && !cmd.startsWith('/')) {
        sink.add('W3', [...path, probe, 'exec', 'command', 0], `container '${name}' ${probe}: exec command[0] '${cmd}' is not an absolute path; Tetragon matches absolute paths, so the binary allowlist will kill this probe`)
      }
    }
  }
}

function containersOf(spec: Json): Array<{name: string; c: Json; path: string[]}> {
  const out: Array<{name: string; c: Json; path: string[]}> = []
  const workload = isRecord(spec.workload) ? spec.workload : {}
  const groups: Array<[unknown, string[]]> = [[workload.containers, ['spec', 'workload', 'containers']], [spec.sidecars, ['spec', 'sidecars']]]
  for (const [group, base] of groups) {
    if (!isRecord(group)) continue
    for (const [name, c] of Object.entries(group)) if (isRecord(c)) out.push({name, c, path: [...base, name]})
  }
  return out
}
