// The result line names at most three drifted objects, the missing Lattice object first:
// a namespace full of foreign policies must not bury the cause (the drift section lists all).
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import {diagnoseOffline} from '../../src/diagnose/offline.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {OUTPUT_GROUPS, renderJsonList, sections} from '../../src/render/compile-output.js'
import {loadSpecs} from '../../src/spec/load.js'
import {SEED_POLICIES, seedPair, writeSpecs} from '../helpers/specs.js'

const foreignCnp = (i: number): KubeObject => ({
  apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy',
  metadata: {name: `team-extra-${i}`, namespace: 'commerce'},
  spec: {endpointSelector: {matchLabels: {'k8s:app.kubernetes.io/name': `other-${i}`}}, ingress: [{fromEntities: ['cluster']}]},
} as KubeObject)

describe('drift in the result line', () => {
  it('a missing CNP among many foreign policies: the missing one is named, the rest counted', async () => {
    const specDir = writeSpecs([...seedPair(), SEED_POLICIES])
    const fleet = await compileFleet(await loadSpecs([specDir]), defaultCompileOptions())
    const dump = (JSON.parse(renderJsonList(sections(fleet, new Set(OUTPUT_GROUPS)))).items as KubeObject[]).filter((o) => o.metadata.name !== 'cnp-mesh-3d68c7ca')
    const objects = [...Array.from({length: 10}, (_, i) => foreignCnp(i)), ...dump]
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'platform-dump-')), 'live.yaml')
    writeFileSync(file, stringify({apiVersion: 'v1', kind: 'List', items: objects}))
    const d = await diagnoseOffline({specPaths: [specDir], policyPaths: [file], source: 'commerce/checkout', target: 'commerce/payments', options: defaultCompileOptions()})
    expect(d.result.blockedAt).toBe('l4')
    expect(d.drift.filter((x) => x.layer === 'l4')).toHaveLength(11)
    expect(d.result.explanation).toMatch(/Live policies drifted from the specs: missing CiliumNetworkPolicy commerce\/cnp-mesh-3d68c7ca, unexpected CiliumNetworkPolicy commerce\/team-extra-\d, unexpected CiliumNetworkPolicy commerce\/team-extra-\d and 8 more \(see drift\)\.$/)
  })
})
