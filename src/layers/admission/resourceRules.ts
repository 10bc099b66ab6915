// Semantic rules on spec.workload.resources: A13 (resource names), per-type params A5–A11,
// and shared-volume ids A26 (LATTICE-SPEC §1.7, §2.2).

import {isRecord, type Json} from '../../spec/coerce.js'
import {parseEndpoint} from '../../spec/endpoints.js'
import type {PathPart} from '../../spec/fieldPath.js'
import {DNS_LABEL_HINT, durationProblem, isDnsLabel, isQuantity, SECRET_TYPES} from './grammar.js'
import type {IssueSink} from './issues.js'

export function resourceRules(spec: Json, sink: IssueSink): void {
  const workload = isRecord(spec.workload) ? spec.workload : {}
  if (!isRecord(workload.resources)) return
  for (const [name, r] of Object.entries(workload.resources)) {
    const path = ['spec', 'workload', 'resources', name]
    if (!isDnsLabel(name)) sink.add('A13', path, `resource name '${name}' is not a valid DNS label (${DNS_LABEL_HINT})`)
    if (!isRecord(r)) continue
    const type = r.type === undefined || r.type === null ? 'service' : r.type
    if (type === 'secret') secretRules(r.params, [...path, 'params'], sink)
    else if (type === 'external-service') externalRules(r.params, [...path, 'params'], sink)
    else if (type === 'gpu') gpuRules(r.params, [...path, 'params'], sink)
    else if (type === 'volume') volumeRules(name, r.id, [...path, 'id'], sink)
  }
}

const absent = (v: unknown) => v === undefined || v === null

function scalarText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)
}

function secretRules(params: unknown, path: PathPart[], sink: IssueSink): void {
  if (absent(params)) return sink.add('A5', path, "secret resource requires 'params' with 'provider'")
  if (!isRecord(params)) return
  if (typeof params.provider !== 'string' || params.provider.trim() === '') {
    sink.add('A6', [...path, 'provider'], "secret resource requires 'provider' in params")
  }
  if (!absent(params.refreshInterval)) {
    const text = scalarText(params.refreshInterval)
    const why = durationProblem(text)
    if (why) sink.add('A7', [...path, 'refreshInterval'], `secret resource refresh_interval '${text}': ${why}`)
  }
  if (!absent(params.secretType)) {
    const text = scalarText(params.secretType)
    if (!(SECRET_TYPES as readonly string[]).includes(text)) {
      sink.add('A8', [...path, 'secretType'], `secret resource secret_type '${text}' is not a recognized K8s secret type (valid: ${SECRET_TYPES.join(', ')})`)
    }
  }
}

function externalRules(params: unknown, path: PathPart[], sink: IssueSink): void {
  const endpoints = isRecord(params) ? params.endpoints : undefined
  if (!isRecord(endpoints) || Object.keys(endpoints).length === 0) {
    return sink.add('A9', [...path, 'endpoints'], 'external service resource requires at least one endpoint in params')
  }
  for (const [endpoint, url] of Object.entries(endpoints)) {
    if (typeof url !== 'string' || parseEndpoint(url) === undefined) {
      sink.add('A10', [...path, 'endpoints', endpoint], `invalid endpoint URL for '${endpoint}': ${scalarText(url)}`)
    }
  }
}

function gpuRules(params: unknown, path: PathPart[], sink: IssueSink): void {
  if (!isRecord(params) || absent(params.count)) {
    return sink.add('A11', isRecord(params) ? [...path, 'count'] : path, "gpu resource requires 'params' with 'count'")
  }
  const count = params.count
  if (typeof count === 'number' && Number.isInteger(count)) {
    if (count <= 0) sink.add('A11', [...path, 'count'], 'gpu count must be greater than 0')
  } else {
    sink.add('A11', [...path, 'count'], `gpu count '${scalarText(count)}' must be a positive integer`)
  }
  if (!absent(params.compute)) {
    const c = params.compute
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 100) {
      sink.add('A11', [...path, 'compute'], `gpu compute '${scalarText(c)}' must be between 1 and 100 (percent of the device)`)
    }
  }
  if (!absent(params.memory) && !isQuantity(params.memory)) {
    sink.add('A11', [...path, 'memory'], `gpu memory '${scalarText(params.memory)}': invalid quantity (expected e.g., '20Gi', '512Mi')`)
  }
}

function volumeRules(name: string, id: unknown, path: PathPart[], sink: IssueSink): void {
  // `*` is exempt; non-string ids were reported by the typed parse.
  if (typeof id !== 'string' || id === '*') return
  if (id.length > 50) {
    sink.add('A26', path, `resource '${name}': id '${id}' exceeds 50 character limit (it names the shared PVC 'vol-<id>' and the pod label 'lattice.io/vol-<id>')`)
  } else if (!isDnsLabel(id)) {
    sink.add('A26', path, `resource '${name}': id '${id}' is not a valid DNS label (${DNS_LABEL_HINT})`)
  }
}
