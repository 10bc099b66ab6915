// The single list of API permissions the CLI uses. deploy/rbac.yaml is tested against it
// (no more, no less) and `platform debug permissions` checks it with SelfSubjectAccessReviews.
import {CEDAR_POLICY_NAMESPACE, MESH_ROOT_NAMESPACE} from '../core/constants.js'
import type {Cluster} from './cluster.js'
import {CILIUM_CONFIG_NAMESPACES} from './cluster.js'
import {RESOURCES, type ResourceDef} from './resources.js'

/** Where a permission is needed: the pair's namespaces, fixed platform namespaces, or cluster-wide. */
export type PermissionScope = 'pair' | 'cluster' | {namespaces: string[]} | {pairAnd: string[]}

export interface Permission {
  verb: 'get' | 'list' | 'create'
  group: string
  resource: string
  subresource?: string
  /** RBAC resourceNames: the permission covers only these objects. */
  resourceNames?: string[]
  scope: PermissionScope
  why: string
}

const HUBBLE_NAMESPACE = 'kube-system'
const TETRAGON_NAMESPACE = 'kube-system'

function on(r: ResourceDef, verb: Permission['verb'], scope: PermissionScope, why: string, extra: Partial<Permission> = {}): Permission {
  return {verb, group: r.group, resource: r.resource, scope, why, ...extra}
}

export const PERMISSIONS: Permission[] = [
  on(RESOURCES.latticeServices, 'list', 'pair', 'LatticeServices of both namespaces (wildcards, implicit callers)'),
  on(RESOURCES.latticeMeshMembers, 'list', 'pair', 'LatticeMeshMembers of both namespaces'),
  on(RESOURCES.cedarPolicies, 'list', {namespaces: [CEDAR_POLICY_NAMESPACE]}, 'Cedar policy set'),
  on(RESOURCES.namespaces, 'get', 'cluster', 'namespace labels (ambient, Cilium selectors)'),
  on(RESOURCES.pods, 'list', {pairAnd: [MESH_ROOT_NAMESPACE, TETRAGON_NAMESPACE]}, 'workload, ztunnel, waypoint, Tetragon and hubble-relay pods'),
  on(RESOURCES.services, 'list', 'pair', 'Services of the callee'),
  on(RESOURCES.services, 'get', {pairAnd: [HUBBLE_NAMESPACE]}, 'the callee Service by name, hubble-relay'),
  on(RESOURCES.configMaps, 'get', {namespaces: CILIUM_CONFIG_NAMESPACES}, 'Cilium settings', {resourceNames: ['cilium-config']}),
  on(RESOURCES.configMaps, 'get', {namespaces: [MESH_ROOT_NAMESPACE]}, 'Istio mesh config (trust domain)', {resourceNames: ['istio']}),
  on(RESOURCES.pods, 'get', {pairAnd: [MESH_ROOT_NAMESPACE, TETRAGON_NAMESPACE]}, 'ztunnel, waypoint and Tetragon logs', {subresource: 'log'}),
  // Port-forward is a WebSocket upgrade (HTTP GET): API servers authorize it as `get`; since
  // Kubernetes 1.35 (AuthorizePodWebsocketUpgradeCreatePermission) also as `create`.
  on(RESOURCES.pods, 'get', {namespaces: [HUBBLE_NAMESPACE]}, 'port-forward to hubble-relay (WebSocket GET)', {subresource: 'portforward'}),
  on(RESOURCES.pods, 'create', {namespaces: [HUBBLE_NAMESPACE]}, 'port-forward to hubble-relay (Kubernetes >= 1.35)', {subresource: 'portforward'}),
  on(RESOURCES.ciliumEndpoints, 'list', 'pair', 'realized Cilium endpoint state'),
  on(RESOURCES.ciliumNetworkPolicies, 'list', 'pair', 'L4 policies'),
  on(RESOURCES.ciliumClusterwideNetworkPolicies, 'list', 'cluster', 'cluster default-deny and supporting policies'),
  on(RESOURCES.authorizationPolicies, 'list', {pairAnd: [MESH_ROOT_NAMESPACE]}, 'L7 policies (namespace and mesh-wide)'),
  on(RESOURCES.peerAuthentications, 'list', {pairAnd: [MESH_ROOT_NAMESPACE]}, 'mTLS mode'),
  on(RESOURCES.serviceEntries, 'list', 'pair', 'external endpoints'),
  on(RESOURCES.gateways, 'list', 'pair', 'waypoints'),
  on(RESOURCES.tracingPolicies, 'list', 'cluster', 'runtime policies'),
  on(RESOURCES.tracingPoliciesNamespaced, 'list', 'pair', 'namespaced runtime policies'),
  on(RESOURCES.networkPolicies, 'list', 'pair', 'Kubernetes NetworkPolicies (enforced by Cilium at L4)'),
  on(RESOURCES.deployments, 'list', 'pair', 'plain workloads named deploy/NAME'),
  on(RESOURCES.statefulSets, 'list', 'pair', 'plain workloads named sts/NAME'),
  on(RESOURCES.daemonSets, 'list', 'pair', 'plain workloads named ds/NAME'),
  {verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', scope: 'cluster', why: 'platform debug permissions'},
]

export interface PermissionCheck {
  permission: Permission
  namespace?: string
  name?: string
  /** undefined when the review itself could not be made (see reason). */
  allowed: boolean | undefined
  reason?: string
}

export function namespacesFor(scope: PermissionScope, pairNamespaces: string[]): Array<string | undefined> {
  if (scope === 'cluster') return [undefined]
  if (scope === 'pair') return unique(pairNamespaces)
  if ('namespaces' in scope) return unique(scope.namespaces)
  return unique([...pairNamespaces, ...scope.pairAnd])
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}

/** `list ciliumnetworkpolicies.cilium.io (commerce)`, `get configmaps cilium-config (kube-system)`. */
export function describeCheck(check: Pick<PermissionCheck, 'permission' | 'namespace' | 'name'>): string {
  const p = check.permission
  const resource = `${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}`
  return `${p.verb} ${resource}${check.name ? ` ${check.name}` : ''}${check.namespace ? ` (${check.namespace})` : ''}`
}

export interface PermissionReport {
  checks: PermissionCheck[]
  /** Denied or not determinable: either way the CLI may not work. */
  missing: PermissionCheck[]
}

/** One SelfSubjectAccessReview per (permission, namespace, name), all in parallel. */
export async function checkPermissions(cluster: Cluster, pairNamespaces: string[], permissions: Permission[] = PERMISSIONS): Promise<PermissionReport> {
  const wanted = permissions.flatMap((permission) =>
    namespacesFor(permission.scope, pairNamespaces).flatMap((namespace) =>
      (permission.resourceNames ?? [undefined]).map((name) => ({permission, namespace, name}))))
  const checks = await Promise.all(wanted.map(async ({permission, namespace, name}): Promise<PermissionCheck> => {
    const review = await cluster.accessReview({
      verb: permission.verb, group: permission.group, resource: permission.resource,
      subresource: permission.subresource, namespace, name,
    })
    const base = {permission, ...(namespace ? {namespace} : {}), ...(name ? {name} : {})}
    if (!review.ok) return {...base, allowed: undefined, reason: review.reason}
    return {...base, allowed: review.allowed, ...(review.reason ? {reason: review.reason} : {})}
  }))
  return {checks, missing: checks.filter((c) => c.allowed !== true)}
}

/** The permissions command's lines: `OK   <check>` / `MISSING <check>` / `ERROR <check>: reason`. */
export function formatPermissionReport(report: PermissionReport): string[] {
  return report.checks.map((c) => {
    if (c.allowed === true) return `OK   ${describeCheck(c)}`
    if (c.allowed === false) return `MISSING ${describeCheck(c)}`
    return `ERROR ${describeCheck(c)}: ${c.reason ?? 'review failed'}`
  })
}

/** `debug permissions -o json|yaml` (schema/permissions.schema.json). */
export function permissionReportDocument(report: PermissionReport, context: string) {
  const status = (c: PermissionCheck) => (c.allowed === true ? 'granted' : c.allowed === false ? 'missing' : 'unknown')
  return {
    apiVersion: 'platform.lattice.dev/v1alpha1',
    kind: 'PermissionReport',
    context,
    allGranted: report.missing.length === 0,
    checks: report.checks.map((c) => ({
      verb: c.permission.verb,
      group: c.permission.group,
      resource: c.permission.resource,
      ...(c.permission.subresource ? {subresource: c.permission.subresource} : {}),
      ...(c.name ? {name: c.name} : {}),
      ...(c.namespace ? {namespace: c.namespace} : {}),
      status: status(c),
      why: c.permission.why,
      ...(c.reason ? {reason: c.reason} : {}),
    })),
  }
}
