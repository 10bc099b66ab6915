// node:net's isIP, without its cost for text that cannot be an address. isIP tries IPv6
// with a pattern that takes ~3 ms to compile on first use; a pair whose names and hosts
// are DNS names (`ns/name`, `api.stripe.com`) would pay it at start for nothing.

import {isIP} from 'node:net'

/** Only digits and dots (IPv4) or text with a colon (IPv6) can be an address. */
export function couldBeIp(text: string): boolean {
  return text.includes(':') || /^[\d.]+$/.test(text)
}

/** isIP(text): 4, 6, or 0 when `text` is not an address. */
export function ipVersion(text: string): 0 | 4 | 6 {
  return couldBeIp(text) ? (isIP(text) as 0 | 4 | 6) : 0
}
