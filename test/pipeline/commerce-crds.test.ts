// Every resource `platform compile` emits for examples/commerce validates against the real
// CRD schema of its served version (issue 2). The one kind without a CRD in ../shared
// (the waypoint Gateway) is named so nothing is skipped silently.
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {loadSpecs} from '../../src/spec/load.js'
import {crdValidators} from '../helpers/crds.js'
import {PROJECT_ROOT, SKIP_REASON, hasShared} from '../helpers/shared.js'

describe.skipIf(!hasShared)(`compile output of examples/commerce vs upstream CRDs ${hasShared ? '' : `(${SKIP_REASON})`}`, () => {
  for (const profile of ['seed', 'upstream'] as const) {
    it(`${profile} profile: every object with a known CRD validates`, async () => {
      const specs = await loadSpecs([path.join(PROJECT_ROOT, 'examples', 'commerce')])
      const fleet = await compileFleet(specs, defaultCompileOptions({profile}))
      expect([...fleet.outcomes.values()].every((o) => o.emitted)).toBe(true)
      const objects = [...fleet.resources.l4, ...fleet.resources.l7, ...fleet.resources.runtime, ...fleet.baseline.l4, ...fleet.baseline.l7, ...fleet.baseline.runtime]
      const validators = crdValidators()
      const failures: string[] = []
      const checked = new Map<string, number>()
      const withoutCrd = new Set<string>()
      for (const obj of objects) {
        const v = validators.get(obj.kind)
        if (!v) {
          withoutCrd.add(obj.kind)
          continue
        }
        const r = v.validate(obj, obj.apiVersion)
        if (!r.ok) failures.push(`${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}: ${r.errors}`)
        checked.set(obj.kind, (checked.get(obj.kind) ?? 0) + 1)
      }
      expect(failures).toEqual([])
      // Every kind the compilers emit for this fleet was checked, except the two with no CRD here.
      expect([...withoutCrd].sort()).toEqual(['Gateway'])
      expect([...checked.keys()].sort()).toEqual(['AuthorizationPolicy', 'CiliumClusterwideNetworkPolicy', 'CiliumNetworkPolicy', 'PeerAuthentication', 'ServiceEntry', 'TracingPolicy', 'TracingPolicyNamespaced'])
    })
  }

  it('the validators reject a broken object (the check can fail)', () => {
    const v = crdValidators().get('CiliumNetworkPolicy')!
    const bad = {apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name: 'x'}, spec: {endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: 80, protocol: 'TCP'}]}]}]}}
    expect(v.validate(bad, 'cilium.io/v2').ok).toBe(false)
  })
})
