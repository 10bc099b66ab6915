// A shared volume the owner has not opened to the consumer (owner consent, §3.3) blocks at
// Cedar, but no Cedar policy can cure it: the fix adds the consumer to the owner's
// allowedConsumers, and the re-run verifies it.
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {diagnoseOffline} from '../../src/diagnose/offline.js'
import {SEED_POLICIES, inb, out, service, writeSpecs} from '../helpers/specs.js'

const owner = (consumers: string[]) => service('media', 'library', {media: {type: 'volume', id: 'media-share', params: {size: '10Gi', allowedConsumers: consumers}}})

describe('fix: shared-volume owner consent', () => {
  it('names the owner and the allowedConsumers entry, verified', async () => {
    const player = service('media', 'player', {media: {type: 'volume', id: 'media-share'}, api: out()})
    const api = service('media', 'api', {player: inb()})
    const d = await diagnoseOffline({
      specPaths: [writeSpecs([owner(['indexer']), player, api, SEED_POLICIES])], policyPaths: [],
      source: 'media/player', target: 'media/api', options: defaultCompileOptions(),
    })
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'cedar'})
    expect(d.fix?.changes).toEqual([expect.objectContaining({kind: 'LatticeService', namespace: 'media', name: 'library', path: 'spec.workload.resources.media.params.allowedConsumers', yaml: '[indexer, player]'})])
    expect(d.fix?.verified).toBe(true)
  })

  it('a volume nobody owns: a manual edit on the consumer, not a Cedar permit', async () => {
    const player = service('media', 'player', {media: {type: 'volume', id: 'missing-share'}, api: out()})
    const api = service('media', 'api', {player: inb()})
    const d = await diagnoseOffline({
      specPaths: [writeSpecs([player, api, SEED_POLICIES])], policyPaths: [],
      source: 'media/player', target: 'media/api', options: defaultCompileOptions(),
    })
    expect(d.result.blockedAt).toBe('cedar')
    expect(d.fix?.changes.map((c) => c.kind)).toEqual(['LatticeService'])
    expect(d.fix?.changes[0].yaml).toMatch(/no owner found for volume 'missing-share'/)
    expect(d.fix?.verified).toBe(false)
  })
})
