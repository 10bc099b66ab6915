// A or B written as kubectl names a workload (issue 9.3): `deploy/NAME`, `sts/NAME`,
// `ds/NAME`, `pod/NAME`, `svc/NAME` (with -n), or `NAMESPACE/KIND/NAME` when the two ends
// are in different namespaces (`kube-system/svc/kube-dns`). A Lattice name stays
// `NAMESPACE/NAME` or `NAME`.

import {InputError} from '../core/errors.js'

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Pod' | 'Service'

/** kubectl's names for each kind: singular, plural and short names. */
const KINDS: Record<string, WorkloadKind> = {
  deploy: 'Deployment', deployment: 'Deployment', deployments: 'Deployment',
  sts: 'StatefulSet', statefulset: 'StatefulSet', statefulsets: 'StatefulSet',
  ds: 'DaemonSet', daemonset: 'DaemonSet', daemonsets: 'DaemonSet',
  po: 'Pod', pod: 'Pod', pods: 'Pod',
  svc: 'Service', service: 'Service', services: 'Service',
}

export interface WorkloadRef {
  namespace: string
  kind: WorkloadKind
  name: string
}

const kindOf = (word: string) => KINDS[word.toLowerCase().replace(/\.(apps|v1)$/, '')]

/** True when `text` names a Kubernetes workload by kind (`deploy/x`, `ns/svc/x`), not a Lattice service. */
export function isWorkloadRef(text: string): boolean {
  const parts = text.split('/')
  if (parts.length === 2) return kindOf(parts[0]!) !== undefined
  return parts.length === 3 && kindOf(parts[1]!) !== undefined
}

/** Parses a workload reference; `defaultNs` is -n (else the context's namespace). */
export function parseWorkloadRef(text: string, defaultNs: string, role: string): WorkloadRef {
  const parts = text.split('/')
  const bad = (why: string) => new InputError(`${role} '${text}': ${why}`)
  const dns = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/
  let namespace = defaultNs
  let kindWord: string
  let name: string
  if (parts.length === 2) [kindWord, name] = parts as [string, string]
  else if (parts.length === 3) [namespace, kindWord, name] = parts as [string, string, string]
  else throw bad('expected KIND/NAME (deploy, sts, ds, pod, svc) or NAMESPACE/KIND/NAME')
  const kind = kindOf(kindWord)
  if (!kind) throw bad(`unknown kind '${kindWord}': expected deploy, sts, ds, pod or svc`)
  if (!namespace || !dns.test(namespace)) throw bad(`'${namespace}' is not a namespace name`)
  if (!name || !dns.test(name)) throw bad(`'${name}' is not a ${kind} name`)
  return {namespace, kind, name}
}
