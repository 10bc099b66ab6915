// The result line keeps to the cause: it names the missing Lattice object, not the foreign
// policies that decide nothing; a namespace full of them must not bury the result line.
// The Drift section counts them (issue 10.2), and -v lists them.
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
import {renderDiagnosisText} from '../../src/render/diagnosis-text.js'
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
    expect(d.result.explanation).toMatch(/Live policies drifted from the specs: missing CiliumNetworkPolicy commerce\/cnp-mesh-3d68c7ca\.$/)
    expect(d.result.explanation).not.toContain('team-extra')
    const text = renderDiagnosisText(d, {width: 80})
    const drift = text.slice(text.indexOf('\nDrift:\n'), text.indexOf('\nFix'))
    expect(drift).toContain('  l4: missing CiliumNetworkPolicy commerce/cnp-mesh-3d68c7ca')
    expect(drift).toContain('  l4: 10 foreign objects not derived from the specs (-v lists')
    expect(drift).not.toContain('team-extra')
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80)
    const verbose = renderDiagnosisText(d, {width: 80, verbose: true})
    for (let i = 0; i < 10; i++) expect(verbose).toContain(`unexpected CiliumNetworkPolicy commerce/team-extra-${i}`)
  })
})
