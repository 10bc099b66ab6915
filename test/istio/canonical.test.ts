import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {canonicalIstio, compileIstio, istioBaseline, ISTIO_KINDS} from '../../src/layers/istio/index.js'
import {ap, opts, seedPair} from './fixtures.js'

const clone = <T>(v: T): T => structuredClone(v)

describe('canonicalIstio', () => {
  const {graph: g} = seedPair({ports: [{name: 'a', port: 8080, peerAuth: 'Strict'}, {name: 'b', port: 9443, peerAuth: 'Permissive'}], egress: [{target: {fqdn: 'api.stripe.com'}, ports: [443, 80], protocol: 'TCP'}]})
  const objs = [...istioBaseline(opts), ...compileIstio(g, opts)]

  it('keys every Istio kind we emit and nothing else', () => {
    for (const o of objs) expect(canonicalIstio(o)).toBeTypeOf('string')
    expect(canonicalIstio({apiVersion: 'v1', kind: 'Service', metadata: {name: 's'}})).toBeUndefined()
    expect(canonicalIstio({apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: {name: 'g'}})).toBeUndefined()
    expect(ISTIO_KINDS).toEqual(['AuthorizationPolicy', 'PeerAuthentication', 'ServiceEntry', 'Gateway'])
  })

  it('ignores name, labels, ownerReferences, status and set order', () => {
    for (const o of objs) {
      const live: KubeObject = clone(o)
      live.metadata.name = 'renamed'
      live.metadata.labels = {other: 'x', ...(o.metadata.labels?.['istio.io/use-waypoint'] ? {'istio.io/use-waypoint': o.metadata.labels['istio.io/use-waypoint']} : {})}
      delete live.metadata.ownerReferences
      live.metadata.uid = 'abc'
      live.status = {conditions: []}
      if (live.kind === 'Gateway') live.metadata.name = o.metadata.name
      if (live.kind === 'Gateway') live.metadata.labels!['istio.io/waypoint-for'] = 'service'
      if (live.kind === 'ServiceEntry') live.spec.ports.reverse()
      expect(canonicalIstio(live)).toBe(canonicalIstio(o))
    }
    const a = ap('ns', 'p', {action: 'ALLOW', rules: [{from: [{source: {principals: ['x', 'y']}}], to: [{operation: {ports: ['1', '2']}}]}, {}]})
    const b = ap('ns', 'q', {rules: [{}, {to: [{operation: {ports: ['2', '1']}}], from: [{source: {principals: ['y', 'x', 'x']}}]}]})
    expect(canonicalIstio(a)).toBe(canonicalIstio(b))
  })

  it('distinguishes semantic differences', () => {
    const base = ap('ns', 'p', {selector: {matchLabels: {a: 'b'}}, rules: [{from: [{source: {principals: ['x']}}]}]})
    const variants = [
      ap('other', 'p', base.spec),
      ap('ns', 'p', {...base.spec, action: 'DENY'}),
      ap('ns', 'p', {...base.spec, selector: {matchLabels: {a: 'c'}}}),
      ap('ns', 'p', {...base.spec, rules: [{from: [{source: {principals: ['z']}}]}]}),
      ap('ns', 'p', {...base.spec, rules: []}),
      ap('ns', 'p', {targetRefs: [{group: '', kind: 'Service', name: 'a'}], rules: base.spec.rules}),
    ]
    for (const v of variants) expect(canonicalIstio(v)).not.toBe(canonicalIstio(base))
    // `spec: {}` ≡ explicit ALLOW without rules.
    expect(canonicalIstio(ap('ns', 'p', {}))).toBe(canonicalIstio(ap('ns', 'q', {action: 'ALLOW', rules: []})))
    const se = objs.find((o) => o.kind === 'ServiceEntry')!
    const noWaypoint = clone(se)
    delete noWaypoint.metadata.labels!['istio.io/use-waypoint']
    expect(canonicalIstio(noWaypoint)).not.toBe(canonicalIstio(se))
    const pa = objs.find((o) => o.kind === 'PeerAuthentication' && o.metadata.namespace === 'commerce')!
    const strict = clone(pa)
    strict.spec.portLevelMtls['9443'].mode = 'STRICT'
    expect(canonicalIstio(strict)).not.toBe(canonicalIstio(pa))
  })
})
