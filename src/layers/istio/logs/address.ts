// Socket-address helpers for log records: "10.0.0.1:80", "[fd00::1]:80", bare IPs.

/** The IP part of an address as logged, lower-cased (IPv6 without brackets). */
export function ipOf(addr: string | undefined): string | undefined {
  if (!addr) return undefined
  if (addr.charCodeAt(0) === 91 /* [ */) {
    const close = addr.indexOf(']')
    return (close < 0 ? addr.slice(1) : addr.slice(1, close)).toLowerCase()
  }
  const colon = addr.indexOf(':')
  if (colon < 0) return addr
  // More than one colon without brackets: a bare IPv6 address, no port.
  if (addr.indexOf(':', colon + 1) >= 0) return addr.toLowerCase()
  return addr.slice(0, colon)
}

/** The port of an address as logged, or undefined. */
export function portOf(addr: string | undefined): number | undefined {
  if (!addr) return undefined
  const close = addr.lastIndexOf(']')
  const colon = addr.lastIndexOf(':')
  if (colon < 0 || colon < close) return undefined
  if (close < 0 && addr.indexOf(':') !== colon) return undefined
  const port = Number(addr.slice(colon + 1))
  return Number.isInteger(port) && port > 0 ? port : undefined
}
