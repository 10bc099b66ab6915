// Which API resources the server serves, learned once per run so a missing CRD
// (Tetragon, Istio, Gateway API not installed) costs one discovery round-trip, not one 404
// per namespace. Uses aggregated discovery (one request, Kubernetes >= 1.26) and falls back
// to the legacy per-group-version documents for the groups the CLI reads.
import {failure, ok, type ReadFailure, type ReadResult} from './read-result.js'
import {isObject, parseJson} from './decode.js'
import {RESOURCES, type ResourceDef} from './resources.js'
import type {Transport} from './request.js'

export interface InstalledApis {
  /** `group/version/resource` for every served resource of the groups the CLI reads. */
  resources: string[]
  /** Group-versions whose document could not be read: their resources are neither present nor absent. */
  indeterminate: string[]
}

const AGGREGATED_ACCEPT = [
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
  'application/json',
].join(',')

function key(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`
}

/** true/false when discovery knows, undefined when it cannot tell (then the read itself decides). */
export function isServed(installed: InstalledApis, r: ResourceDef): boolean | undefined {
  if (!r.group) return true
  if (installed.resources.includes(key(r.group, r.version, r.resource))) return true
  if (installed.indeterminate.includes(`${r.group}/${r.version}`)) return undefined
  return false
}

export async function discoverApis(transport: Transport, timeoutMs?: number): Promise<ReadResult<InstalledApis>> {
  const describe = 'discover API groups (GET /apis)'
  const got = await transport.json({path: '/apis', accept: AGGREGATED_ACCEPT, describe, on404: 'not-found', timeoutMs})
  if (!got.ok) return got
  const doc = parseJson(got.body)
  if (!isObject(doc)) return failure('malformed', `malformed: ${describe}: response is not valid JSON`)
  if (doc.kind === 'APIGroupDiscoveryList' && Array.isArray(doc.items)) return ok([fromAggregated(doc.items)])
  if (doc.kind === 'APIGroupList' && Array.isArray(doc.groups)) return fromLegacy(transport, doc.groups, timeoutMs)
  return failure('malformed', `malformed: ${describe}: expected APIGroupDiscoveryList or APIGroupList`)
}

function fromAggregated(items: unknown[]): InstalledApis {
  const resources: string[] = []
  for (const group of items) {
    if (!isObject(group) || !isObject(group.metadata)) continue
    const name = String(group.metadata.name ?? '')
    for (const version of Array.isArray(group.versions) ? group.versions : []) {
      if (!isObject(version) || !Array.isArray(version.resources)) continue
      for (const res of version.resources) {
        if (isObject(res) && typeof res.resource === 'string') resources.push(key(name, String(version.version), res.resource))
      }
    }
  }
  return {resources: resources.sort(), indeterminate: []}
}

const WANTED_GROUP_VERSIONS = [...new Set(Object.values(RESOURCES).filter((r) => r.group && r.crd).map((r) => `${r.group}/${r.version}`))]

async function fromLegacy(transport: Transport, groups: unknown[], timeoutMs?: number): Promise<ReadResult<InstalledApis>> {
  const served = new Set<string>()
  for (const group of groups) {
    if (!isObject(group) || !Array.isArray(group.versions)) continue
    for (const v of group.versions) if (isObject(v) && typeof v.groupVersion === 'string') served.add(v.groupVersion)
  }
  const wanted = WANTED_GROUP_VERSIONS.filter((gv) => served.has(gv))
  const docs = await Promise.all(wanted.map(async (gv) => {
    const describe = `discover resources of ${gv}`
    const got = await transport.json({path: `/apis/${gv}`, describe, on404: 'not-installed', timeoutMs})
    return {gv, got: got.ok ? resourceNames(got.body, describe) : got}
  }))
  const resources: string[] = []
  const indeterminate: string[] = []
  for (const {gv, got} of docs) {
    if (Array.isArray(got)) resources.push(...got.map((name) => `${gv}/${name}`))
    else if (got.status !== 'not-installed') indeterminate.push(gv)
  }
  return ok([{resources: resources.sort(), indeterminate: indeterminate.sort()}])
}

function resourceNames(body: string, describe: string): string[] | ReadFailure {
  const doc = parseJson(body)
  if (!isObject(doc) || !Array.isArray(doc.resources)) return failure('malformed', `malformed: ${describe}`)
  return doc.resources
    .filter((r): r is Record<string, unknown> => isObject(r) && typeof r.name === 'string')
    .map((r) => String(r.name))
    .filter((name) => !name.includes('/')) // subresources (status, log, ...)
}
