// The ztunnel pre-filter's needles are reduced before the log is scanned (fewestNeedles in
// src/diagnose/live-evidence.ts): a line must be kept exactly when it held one of the needles.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {fewestNeedles} from '../../src/diagnose/live-evidence.js'

const contains = (line: string, needles: string[]) => needles.some((n) => n.length > 0 && line.includes(n))

describe('fewestNeedles', () => {
  it('keeps the same lines as the full list (property)', () => {
    const piece = fc.constantFrom('10.244.4.2', 'svc-00526', 'team-006', '.', '/', 'a', 'sa/', 'ns/')
    const needle = fc.array(piece, {minLength: 0, maxLength: 4}).map((xs) => xs.join(''))
    fc.assert(fc.property(fc.array(needle, {maxLength: 8}), fc.array(piece, {maxLength: 12}).map((xs) => xs.join(' ')), (needles, line) => {
      expect(contains(line, fewestNeedles(needles))).toBe(contains(line, needles))
    }), {numRuns: 2000})
  })

  it('drops duplicates (an IPv4 address is its own upper case) and needles that contain another', () => {
    expect(fewestNeedles(['10.244.4.2', '10.244.4.2', 'cluster.local/ns/team-006/sa/svc-00526', 'svc-00526.team-006.svc.cluster.local', 'svc-00526-7c9f8d6b5-01112', 'svc-00526']))
      .toEqual(['10.244.4.2', 'svc-00526'])
    expect(fewestNeedles(['fd00::1', 'FD00::1', ''])).toEqual(['fd00::1', 'FD00::1'])
  })
})
