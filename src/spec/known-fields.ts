// Strict field validation of LatticeService / LatticeMeshMember / CedarPolicy files, as
// `kubectl apply --validate=strict` does against the CRD schema: a field the schema does not
// know is an input error naming its path and the closest valid name. Without it a typo
// (`namespce:`) is silently dropped, the object means something else than the user wrote,
// and the fix proposes an edit next to the typo.
//
// The tree follows LATTICE-SPEC §1.2–§1.9 and §3.6 (and the typed shape admission reads,
// src/layers/admission/schema.ts: test/spec/known-fields.test.ts holds them together). Only
// field names are checked here; values and types stay admission's job. Maps keyed by user
// names (containers, resources, ports, variables, …) accept any key and check the values.

import {closest, distance} from 'fastest-levenshtein'
import {isRecord} from './coerce.js'
import {joinPath, type PathPart} from './fieldPath.js'

/** `null`: anything goes below (free-form or type-specific objects). */
export type FieldTree = null | {fields: Record<string, FieldTree>} | {mapOf: FieldTree} | {listOf: FieldTree}

const FREE: FieldTree = null
const struct = (fields: Record<string, FieldTree>): FieldTree => ({fields})
const mapOf = (of: FieldTree): FieldTree => ({mapOf: of})
const listOf = (of: FieldTree): FieldTree => ({listOf: of})
const leaves = (...names: string[]): Record<string, FieldTree> => Object.fromEntries(names.map((n) => [n, FREE]))

/** ObjectMeta as the API server accepts it (labels and annotations are user maps). */
const OBJECT_META = struct(leaves(
  'name', 'namespace', 'labels', 'annotations', 'generateName', 'uid', 'resourceVersion', 'generation',
  'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences', 'finalizers',
  'managedFields', 'selfLink',
))

const quantities = struct(leaves('cpu', 'memory'))
const probe = struct({
  httpGet: struct({...leaves('path', 'port', 'scheme', 'host'), httpHeaders: listOf(struct(leaves('name', 'value')))}),
  exec: struct(leaves('command')),
  ...leaves('initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold'),
})
const security = struct(leaves(
  'capabilities', 'dropCapabilities', 'privileged', 'readOnlyRootFilesystem', 'runAsNonRoot', 'runAsUser',
  'runAsGroup', 'allowPrivilegeEscalation', 'seccompProfile', 'seccompLocalhostProfile', 'apparmorProfile',
  'apparmorLocalhostProfile', 'allowedBinaries',
))
const containerFields: Record<string, FieldTree> = {
  ...leaves('image', 'command', 'args', 'workingDir', 'variables', 'envFrom'),
  resources: struct({requests: quantities, limits: quantities}),
  files: mapOf(struct(leaves('content', 'binaryContent', 'source', 'mode', 'noExpand', 'reverseExpand'))),
  volumes: mapOf(struct(leaves('source', 'path', 'readOnly', 'medium', 'sizeLimit'))),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  security,
}

const resource = struct({
  ...leaves('type', 'direction', 'namespace', 'id', 'class'),
  metadata: struct(leaves('annotations', 'labels')),
  // Type-specific (§1.7), and `service` params are the §6.3.2 extension: admission warns.
  params: FREE,
})

const servicePorts = struct({
  ports: mapOf(struct(leaves('port', 'targetPort', 'protocol'))),
  ...leaves('serviceType', 'hostnames', 'publishDns', 'tls'),
})

export const LATTICE_SERVICE_FIELDS: FieldTree = struct({
  ...leaves('apiVersion', 'kind', 'status'),
  metadata: OBJECT_META,
  spec: struct({
    workload: struct({containers: mapOf(struct(containerFields)), service: servicePorts, resources: mapOf(resource)}),
    replicas: FREE,
    autoscaling: struct({max: FREE, metrics: listOf(struct(leaves('metric', 'target')))}),
    deploy: struct({strategy: FREE, canary: struct(leaves('interval', 'threshold', 'maxWeight', 'stepWeight'))}),
    ingress: struct({gatewayClass: FREE, routes: mapOf(struct(leaves('kind', 'hosts', 'port', 'listenPort', 'tls', 'rules')))}),
    advertise: struct(leaves('allowedServices')),
    sidecars: mapOf(struct({...containerFields, init: FREE})),
    ...leaves('sysctls', 'hostNetwork', 'shareProcessNamespace', 'automountServiceAccountToken', 'imagePullSecrets',
      'backup', 'topology', 'observability'),
  }),
})

const l7 = struct(leaves('methods', 'paths', 'ports'))

export const MESH_MEMBER_FIELDS: FieldTree = struct({
  ...leaves('apiVersion', 'kind', 'status'),
  metadata: OBJECT_META,
  spec: struct({
    target: struct(leaves('selector', 'namespace')),
    ports: listOf(struct(leaves('name', 'port', 'servicePort', 'peerAuth', 'protocol'))),
    allowedCallers: listOf(struct({...leaves('name', 'namespace'), l7})),
    dependencies: listOf(struct(leaves('name', 'namespace'))),
    egress: listOf(struct({target: struct(leaves('fqdn', 'cidr', 'entity')), ...leaves('ports', 'protocol')})),
    ...leaves('allowPeerTraffic', 'dependsAll', 'ambient', 'serviceAccount', 'ingress', 'advertise'),
  }),
})

export const CEDAR_POLICY_FIELDS: FieldTree = struct({
  ...leaves('apiVersion', 'kind', 'status'),
  metadata: OBJECT_META,
  spec: struct(leaves('description', 'priority', 'enabled', 'propagate', 'policies')),
})

export interface UnknownField {
  /** Dotted path as kubectl prints it: `spec.workload.resources.checkout.namespce`, list items as `[i]`. */
  path: string
  /** The closest valid name at that place, when one is close enough to be a typo. */
  suggestion?: string
}

/** Every field of `value` the tree does not know, in document order. */
export function unknownFields(value: unknown, tree: FieldTree, path: PathPart[] = []): UnknownField[] {
  const out: UnknownField[] = []
  walk(value, tree, path, out)
  return out
}

function walk(value: unknown, tree: FieldTree, path: PathPart[], out: UnknownField[]): void {
  if (tree === null) return
  if ('listOf' in tree) {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, tree.listOf, [...path, i], out))
    return
  }
  if (!isRecord(value)) return // a wrong type is admission's message
  if ('mapOf' in tree) {
    for (const key of Object.keys(value)) walk(value[key], tree.mapOf, [...path, key], out)
    return
  }
  const names = Object.keys(tree.fields)
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(tree.fields, key)) walk(value[key], tree.fields[key], [...path, key], out)
    else out.push({path: joinPath([...path, key]), ...suggest(key, names)})
  }
}

/** A suggestion only when it is plausibly the same word: at most a third of it differs. */
function suggest(key: string, names: string[]): {suggestion?: string} {
  if (names.length === 0) return {}
  const lower = key.toLowerCase()
  const caseOnly = names.find((n) => n.toLowerCase() === lower)
  if (caseOnly) return {suggestion: caseOnly}
  // `securityContxt`: a valid name with something appended is that name.
  const prefix = names.filter((n) => n.length >= 5 && lower.startsWith(n.toLowerCase())).sort((a, b) => b.length - a.length)[0]
  if (prefix) return {suggestion: prefix}
  const best = closest(key, names)
  return distance(key, best) <= Math.max(2, Math.floor(best.length / 3)) ? {suggestion: best} : {}
}

/** `unknown field spec.x (did you mean y?)`: the wording of kubectl's strict decoding error, plus the hint. */
export function formatUnknownField(u: UnknownField): string {
  return `unknown field ${u.path}${u.suggestion ? ` (did you mean ${u.suggestion}?)` : ''}`
}
