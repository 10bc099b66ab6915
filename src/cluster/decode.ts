// API responses → plain KubeObjects. List items come without apiVersion/kind; they are
// filled in from the list so every object can be described and evaluated on its own.
import type {KubeObject} from '../core/kube.js'
import {failure, ok, type ReadResult} from './read-result.js'
import {apiVersionOf, type ResourceDef} from './resources.js'

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasName(value: unknown): boolean {
  return isObject(value) && isObject(value.metadata) && typeof value.metadata.name === 'string'
}

function complete(item: Record<string, unknown>, r: ResourceDef): KubeObject {
  return {...item, apiVersion: (item.apiVersion as string) || apiVersionOf(r), kind: (item.kind as string) || r.kind} as KubeObject
}

export function decodeList(body: string, r: ResourceDef, describe: string): ReadResult<KubeObject> {
  const parsed = parseJson(body)
  if (parsed === undefined) return failure('malformed', `malformed: ${describe}: response is not valid JSON`)
  if (!isObject(parsed) || !(Array.isArray(parsed.items) || parsed.items === null)) {
    return failure('malformed', `malformed: ${describe}: expected a ${r.kind}List`)
  }
  const items = (parsed.items ?? []) as unknown[]
  const bad = items.findIndex((item) => !hasName(item))
  if (bad >= 0) return failure('malformed', `malformed: ${describe}: item ${bad} has no metadata.name`)
  return ok(items.map((item) => complete(item as Record<string, unknown>, r)))
}

export function decodeObject(body: string, r: ResourceDef, describe: string): ReadResult<KubeObject> {
  const parsed = parseJson(body)
  if (parsed === undefined) return failure('malformed', `malformed: ${describe}: response is not valid JSON`)
  if (!hasName(parsed)) return failure('malformed', `malformed: ${describe}: expected a ${r.kind}`)
  return ok([complete(parsed as Record<string, unknown>, r)])
}
