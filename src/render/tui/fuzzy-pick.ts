// Picker logic: fuzzy search over `namespace/name` (fuzzysort), recently used first when
// the query is empty. Pure, so the filtering is tested without a terminal.
import fuzzysort from 'fuzzysort'
import type {Endpoint} from './session.js'

export const keyOfEndpoint = (e: Endpoint) => `${e.namespace}/${e.name}`

export function filterEndpoints(all: Endpoint[], query: string, recents: string[], exclude?: string): Endpoint[] {
  const list = exclude ? all.filter((e) => keyOfEndpoint(e) !== exclude) : all
  if (query.trim() === '') {
    const rank = (e: Endpoint) => {
      const i = recents.indexOf(keyOfEndpoint(e))
      return i === -1 ? recents.length : i
    }
    return [...list].sort((a, b) => rank(a) - rank(b) || keyOfEndpoint(a).localeCompare(keyOfEndpoint(b)))
  }
  return fuzzysort.go(query, list, {key: keyOfEndpoint}).map((r) => r.obj)
}
