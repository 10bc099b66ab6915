import {describe, expect, it} from 'vitest'
import {h8, names} from '../../src/core/names.js'
import {compileCilium} from '../../src/layers/cilium/index.js'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {graph, node} from '../helpers/graph.js'

// LATTICE-SPEC Appendix B test vectors, for the names this layer emits.
describe('Appendix B names', () => {
  it.each([
    ['commerce', 'checkout', 'e79249a6'],
    ['commerce', 'payments', '3d68c7ca'],
    ['media', 'sonarr', 'f3b53655'],
    ['prod-ns', 'api', 'dd29d773'],
  ])('h8(%s/%s) = %s', (ns, name, hash) => {
    expect(h8(ns, name)).toBe(hash)
    expect(names.cnp(ns, name)).toBe(`cnp-mesh-${hash}`)
  })

  it('names each compiled CNP cnp-mesh-<h8(ns/name)> with its own name as app.kubernetes.io/name', () => {
    const g = graph([node({ns: 'media', name: 'sonarr'}), node({ns: 'prod-ns', name: 'api'})], [])
    const objs = compileCilium(g, defaultCompileOptions())
    expect(objs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['media/cnp-mesh-f3b53655', 'prod-ns/cnp-mesh-dd29d773'])
    expect(objs[1].metadata.labels).toEqual({'app.kubernetes.io/name': 'cnp-mesh-dd29d773', 'app.kubernetes.io/managed-by': 'lattice'})
  })
})
