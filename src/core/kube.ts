// Plain Kubernetes objects as they come from YAML files, policy dumps or the API server.
// Evaluators take these (never compiler internals) so the same code judges expected and
// live state.

export interface ObjectMeta {
  name: string
  namespace?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  uid?: string
  resourceVersion?: string
  generation?: number
  ownerReferences?: Array<Record<string, unknown>>
  [key: string]: unknown
}

export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  spec?: any
  status?: any
  [key: string]: unknown
}

/** Stable reference to an object, used in evidence and drift. */
export interface ObjectRef {
  kind: string
  namespace?: string
  name: string
}

export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = {kind: obj.kind, name: obj.metadata.name}
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace
  return ref
}

/** `kind ns/name` or `kind name` for cluster-scoped objects. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`
}

export function labelsOf(obj: KubeObject): Record<string, string> {
  return obj.metadata.labels ?? {}
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'
export const NAME_LABEL = 'app.kubernetes.io/name'
export const MANAGED_BY_LATTICE = 'lattice'

export function isManagedByLattice(obj: KubeObject): boolean {
  const labels = labelsOf(obj)
  return labels[MANAGED_BY_LABEL] === MANAGED_BY_LATTICE || labels['lattice.dev/managed-by'] === MANAGED_BY_LATTICE
}
