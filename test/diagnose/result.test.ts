import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {layerResult, type LayerId, type LayerStatus} from '../../src/core/result.js'
import {combine, EXIT_CODES} from '../../src/diagnose/result.js'

const ids: LayerId[] = ['admission', 'cedar', 'declarations', 'l4', 'l7', 'runtime']
const make = (statuses: LayerStatus[]) => statuses.map((s, i) => layerResult(ids[i], s, 'x'))

describe('result combination (§9.2 step 10, §10.5)', () => {
  it('first blocking enforcing layer wins; declarations never blocks by itself', () => {
    expect(combine(make(['PASS', 'PASS', 'DENY', 'PASS', 'PASS', 'PASS']))).toEqual({status: 'ALLOWED', blockedAt: null})
    expect(combine(make(['PASS', 'PASS', 'DENY', 'DENY', 'DENY', 'PASS']))).toEqual({status: 'BLOCKED', blockedAt: 'l4'})
    expect(combine(make(['FAIL', 'DENY', 'PASS', 'DENY', 'PASS', 'PASS']))).toEqual({status: 'BLOCKED', blockedAt: 'admission'})
    expect(combine(make(['PASS', 'PASS', 'PASS', 'UNKNOWN', 'PASS', 'DENY']))).toEqual({status: 'BLOCKED', blockedAt: 'runtime'})
  })

  it('SKIP and WARN do not block; UNKNOWN is never ALLOWED', () => {
    expect(combine(make(['PASS', 'PASS', 'PASS', 'SKIP', 'WARN', 'SKIP']))).toEqual({status: 'ALLOWED', blockedAt: null})
    expect(combine(make(['PASS', 'PASS', 'PASS', 'PASS', 'UNKNOWN', 'PASS']))).toEqual({status: 'UNKNOWN', blockedAt: null})
    expect(EXIT_CODES).toEqual({ALLOWED: 0, BLOCKED: 1, UNKNOWN: 3})
  })

  it('property: ALLOWED iff no enforcing layer blocks and no layer at all is UNKNOWN', () => {
    const status = fc.constantFrom<LayerStatus>('PASS', 'DENY', 'WARN', 'FAIL', 'SKIP', 'UNKNOWN')
    fc.assert(fc.property(fc.array(status, {minLength: 6, maxLength: 6}), (s) => {
      const r = combine(make(s))
      const enforcing = s.filter((_, i) => ids[i] !== 'declarations')
      const blocks = enforcing.some((x) => x === 'DENY' || x === 'FAIL')
      const ok = !blocks && !s.includes('UNKNOWN')
      return (r.status === 'ALLOWED') === ok && (r.status === 'BLOCKED') === blocks
    }))
  })
})
