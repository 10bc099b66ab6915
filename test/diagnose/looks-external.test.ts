// ipVersion (src/core/ip.ts) skips node:net's isIP for text that cannot be an address (the
// README pair's `ns/name`, an endpoint's DNS host): the guard must never change an answer.
// References: isIP itself, and looksExternal's check without the guard.
import {isIP} from 'node:net'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {looksExternal} from '../../src/diagnose/external-target.js'
import {ipVersion} from '../../src/core/ip.js'

function unguarded(text: string): boolean | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined // decided before the guard
  const hostPart = text.replace(/\/(\d{1,3})(?=$|:)/, '').replace(/:\d+(\/(tcp|udp))?$/i, '')
  return isIP(hostPart) !== 0 || isIP(text.replace(/^\[|\](:\d+)?$/g, '')) === 6 ? true : undefined
}

const addressLike = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4Extended(),
  fc.tuple(fc.ipV6(), fc.stringMatching(/^[a-z0-9]{1,6}$/)).map(([ip, zone]) => `${ip}%${zone}`),
  fc.stringMatching(/^[0-9a-fA-F:.%\[\]a-z\/-]{0,40}$/),
  fc.string(),
)

describe('ipVersion', () => {
  it('equals isIP on addresses, near-addresses and arbitrary text', () => {
    fc.assert(fc.property(addressLike, (t) => {
      expect(ipVersion(t)).toBe(isIP(t))
    }), {numRuns: 5000, seed: 11})
  })
})

describe('looksExternal', () => {
  it('every address form isIP accepts is still external', () => {
    const text = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.tuple(fc.ipV4(), fc.integer({min: 1, max: 65535})).map(([ip, p]) => `${ip}:${p}`),
      fc.tuple(fc.ipV6(), fc.integer({min: 1, max: 65535})).map(([ip, p]) => `[${ip}]:${p}`),
      fc.tuple(fc.ipV4(), fc.integer({min: 0, max: 32})).map(([ip, b]) => `${ip}/${b}`),
      fc.stringMatching(/^[0-9a-f:.\/\[\]a-z%-]{1,24}$/),
    )
    fc.assert(fc.property(text, (t) => {
      if (unguarded(t)) expect(looksExternal(t)).toBe(true)
    }), {numRuns: 2000, seed: 11})
  })

  it('Lattice names are not external', () => {
    expect(looksExternal('commerce/payments')).toBe(false)
    expect(looksExternal('payments')).toBe(false)
    expect(looksExternal('10.0.0.1')).toBe(true)
    expect(looksExternal('[::1]:443')).toBe(true)
  })
})
