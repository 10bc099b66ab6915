// Reading a workload that is not a Lattice service (issue 9.3): a Deployment, StatefulSet,
// DaemonSet, Pod or Service, with its pods and the Services that select them. Lists with a
// field selector (the `list` permission the pair reads already need), never a write.
import type {KubeObject} from '../core/kube.js'
import type {Cluster} from './cluster.js'
import {failure, type ReadFailure, type ReadResult} from './read-result.js'
import {RESOURCES} from './resources.js'

export type PlainKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Pod' | 'Service'

export interface LiveWorkload {
  namespace: string
  kind: PlainKind
  name: string
  /** The object itself (the controller, the pod or the Service). */
  object: KubeObject
  /** Label selector of its pods (`k=v,...`), from the controller's or Service's selector. */
  podSelector: string
  /** Pod template labels (controllers), or the pod's labels. */
  templateLabels: Record<string, string>
  /** spec.serviceAccountName of the template/pod, when set. */
  serviceAccountName?: string
  /** Its pods (the pod itself for `pod/NAME`). */
  pods: ReadResult<KubeObject>
  /** Services of its namespace whose selector matches its pods' labels (or the Service itself). */
  services: KubeObject[]
}

const CONTROLLERS = {Deployment: RESOURCES.deployments, StatefulSet: RESOURCES.statefulSets, DaemonSet: RESOURCES.daemonSets} as const

/** `k=v,k2 in (a,b),!k3`: a LabelSelector as the API's labelSelector parameter. */
export function selectorString(sel: {matchLabels?: Record<string, string>; matchExpressions?: Array<{key: string; operator: string; values?: string[]}>} | undefined): string {
  const terms = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`)
  for (const e of sel?.matchExpressions ?? []) {
    if (e.operator === 'In') terms.push(`${e.key} in (${(e.values ?? []).join(',')})`)
    else if (e.operator === 'NotIn') terms.push(`${e.key} notin (${(e.values ?? []).join(',')})`)
    else if (e.operator === 'Exists') terms.push(e.key)
    else if (e.operator === 'DoesNotExist') terms.push(`!${e.key}`)
  }
  return terms.join(',')
}

/** Does a Service's selector (plain key/values) select pods with these labels? */
export function serviceSelects(svc: KubeObject, labels: Record<string, string>): boolean {
  const sel = svc.spec?.selector as Record<string, string> | undefined
  if (!sel || Object.keys(sel).length === 0) return false
  return Object.entries(sel).every(([k, v]) => labels[k] === v)
}

/**
 * Reads one workload; `not-found` when it does not exist (the caller names it). A Service
 * without a selector has no pods to evaluate: `malformed` with the reason.
 */
export async function readWorkload(cluster: Cluster, ref: {namespace: string; kind: PlainKind; name: string}): Promise<{ok: true; workload: LiveWorkload} | ReadFailure> {
  const byName = {fieldSelector: `metadata.name=${ref.name}`}
  const def = ref.kind === 'Pod' ? RESOURCES.pods : ref.kind === 'Service' ? RESOURCES.services : CONTROLLERS[ref.kind]
  const got = await cluster.list(def, ref.namespace, byName)
  if (!got.ok) return got
  const object = got.items.find((o) => o.metadata.name === ref.name)
  if (!object) return failure('not-found', `no ${ref.kind} ${ref.name} in namespace ${ref.namespace}`)
  let podSelector: string
  let templateLabels: Record<string, string>
  let serviceAccountName: string | undefined
  let pods: ReadResult<KubeObject>
  if (ref.kind === 'Pod') {
    templateLabels = {...(object.metadata.labels ?? {})}
    podSelector = selectorString({matchLabels: templateLabels})
    serviceAccountName = object.spec?.serviceAccountName
    pods = {ok: true, items: [object]}
  } else if (ref.kind === 'Service') {
    const sel = object.spec?.selector as Record<string, string> | undefined
    if (!sel || Object.keys(sel).length === 0) return failure('malformed', `Service ${ref.namespace}/${ref.name} has no selector: it selects no pods to evaluate (name the workload behind it instead)`)
    podSelector = selectorString({matchLabels: sel})
    pods = await cluster.pods(ref.namespace, {labelSelector: podSelector})
    const first = pods.ok ? pods.items[0] : undefined
    templateLabels = {...(first?.metadata.labels ?? sel)}
    serviceAccountName = first?.spec?.serviceAccountName
  } else {
    podSelector = selectorString(object.spec?.selector)
    templateLabels = {...(object.spec?.template?.metadata?.labels ?? {})}
    serviceAccountName = object.spec?.template?.spec?.serviceAccountName
    pods = await cluster.pods(ref.namespace, {labelSelector: podSelector})
  }
  let services: KubeObject[] = []
  if (ref.kind === 'Service') services = [object]
  else {
    const all = await cluster.services(ref.namespace)
    if (all.ok) services = all.items.filter((s) => serviceSelects(s, templateLabels))
  }
  return {ok: true, workload: {...ref, object, podSelector, templateLabels, ...(serviceAccountName ? {serviceAccountName} : {}), pods, services}}
}
