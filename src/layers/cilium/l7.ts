// The L7 part of a toPorts entry (`rules`, `serverNames`, `listener`) against one flow.
// Cilium sends a port with L7 rules to its proxy, which admits only matching requests
// (HTTP: 403 for the rest, cilium-cli builder/client_egress_l7.go expects
// ResultDropCurlHTTPError), so the port match alone is not an allow:
// - pkg/policy/api/l4.go L7Rules.IsEmpty: empty `http`/`kafka`/`dns`/`l7` lists are no L7;
// - pkg/policy/api/http.go PortRuleHTTP: path and method are regexes over the whole `:path`
//   / `:method` (Envoy safe_regex, full match); an omitted one matches everything; host,
//   headers and headerMatches further restrict (a headerMatch with a `mismatch` action only
//   logs or rewrites, it does not reject);
// - the rules of one port are alternatives, and an L3/L4 rule without L7 for the same peer
//   wildcards L7 for that peer (pkg/policy wildcardL3L4Rules, cilium/cilium#3634, #3698):
//   callers union rules, so that falls out of "any matching rule allows".
// What the CLI cannot see (a Kafka topic, an SNI, a header, a request when none was given)
// leaves the match undetermined, never allowed. DNS rules are checked against the name being
// resolved (external queries); a lookup with no name known reaches the proxy (noted).

import {dnsNameMatches} from './peer-match.js'
import type {Tri} from './tri.js'

/** The HTTP request being diagnosed (`--method`/`--path`); absent = not known. */
export interface HttpRequest {
  method?: string
  path?: string
}

interface PortRuleHTTP {
  method?: string
  path?: string
  host?: string
  headers?: unknown[]
  headerMatches?: Array<{mismatch?: string}>
}

/** Does the entry's L7 part admit the flow's request? `'yes'` when the entry has no L7 part. */
export function l7Match(entry: Record<string, any>, request: HttpRequest | undefined, port: string, notes: string[], where: string, dnsName?: string): Tri {
  const l7 = entry.rules && typeof entry.rules === 'object' ? (entry.rules as Record<string, unknown>) : {}
  const list = (k: string): Array<Record<string, any>> => (Array.isArray(l7[k]) ? (l7[k] as Array<Record<string, any>>) : [])
  const undecided = (why: string): Tri => {
    notes.push(`${where}: ${why}`)
    return 'unknown'
  }
  if (list('http').length > 0) return httpMatch(list('http'), request, port, notes, where)
  if (list('dns').length > 0) {
    if (list('dns').some((d) => d?.matchPattern === '*')) return 'yes'
    // Without a name (a pair query to the DNS server itself) the server is reachable: the DNS
    // proxy answers, REFUSED for names it does not list; the name is checked when one is known.
    if (dnsName === undefined) {
      notes.push(`${where}: port ${port} has DNS rules: Cilium's DNS proxy answers only ${list('dns').map((d) => d?.matchName ?? d?.matchPattern).join(', ')} (other names get REFUSED)`)
      return 'yes'
    }
    if (list('dns').some((d) => dnsNameMatches(d ?? {}, dnsName))) return 'yes'
    notes.push(`${where}: port ${port} has DNS rules that do not list ${dnsName}, so Cilium's DNS proxy refuses the lookup`)
    return 'no'
  }
  if (list('kafka').length > 0) return undecided(`port ${port} has Kafka rules: Cilium's proxy admits only the listed API keys/topics, which this flow does not say`)
  if (list('l7').length > 0) return undecided(`port ${port} has ${String(l7.l7proto ?? 'generic')} L7 rules, which are not evaluated here`)
  const sni = Array.isArray(entry.serverNames) ? entry.serverNames.length : 0
  if (sni > 0) return undecided(`port ${port} admits only TLS connections whose SNI is one of serverNames, which this flow does not say`)
  if (entry.listener) return undecided(`port ${port} is redirected to the Envoy listener ${String(entry.listener?.name ?? '')}, whose filters are not evaluated here`)
  return 'yes'
}

function httpMatch(rules: PortRuleHTTP[], request: HttpRequest | undefined, port: string, notes: string[], where: string): Tri {
  let result: Tri = 'no'
  const why: string[] = []
  for (const r of rules) {
    const m = httpRuleMatch(r ?? {}, request, why)
    if (m === 'yes') return 'yes'
    if (m === 'unknown') result = 'unknown'
  }
  const asked = request?.method || request?.path ? `${request.method ?? '(any method)'} ${request.path ?? '(any path)'}` : undefined
  if (result === 'unknown') {
    notes.push(`${where}: port ${port} has HTTP rules (${rules.map(describeHttp).join(', ')}): Cilium's proxy admits only matching requests, and ${[...new Set(why)].join('; ')}`)
  } else {
    notes.push(`${where}: port ${port} has HTTP rules (${rules.map(describeHttp).join(', ')}): ${asked ?? 'the request'} matches none, so Cilium's HTTP proxy answers 403`)
  }
  return result
}

function httpRuleMatch(r: PortRuleHTTP, request: HttpRequest | undefined, why: string[]): Tri {
  let out: Tri = 'yes'
  const and = (t: Tri) => {
    if (t === 'no' || out === 'no') out = 'no'
    else if (t === 'unknown') out = 'unknown'
  }
  and(fieldMatch(r.method, request?.method?.toUpperCase(), 'method', why))
  and(fieldMatch(r.path, request?.path, 'path', why))
  if (typeof r.host === 'string' && r.host !== '') {
    why.push(`the Host header is not known (host "${r.host}")`)
    and('unknown')
  }
  const headers = (Array.isArray(r.headers) ? r.headers.length : 0) + (Array.isArray(r.headerMatches) ? r.headerMatches.filter((h) => !h?.mismatch).length : 0)
  if (headers > 0) {
    why.push('the request headers are not known')
    and('unknown')
  }
  return out
}

function fieldMatch(pattern: string | undefined, value: string | undefined, what: string, why: string[]): Tri {
  if (typeof pattern !== 'string' || pattern === '') return 'yes'
  if (value === undefined) {
    why.push(`no request ${what} was given (--${what})`)
    return 'unknown'
  }
  let re: RegExp
  try {
    // Envoy's safe_regex matches the whole value (RE2); JS syntax covers the common subset.
    re = new RegExp(`^(?:${pattern})$`)
  } catch {
    why.push(`the ${what} regex "${pattern}" is not evaluated here`)
    return 'unknown'
  }
  return re.test(value) ? 'yes' : 'no'
}

function describeHttp(r: PortRuleHTTP): string {
  const parts = [r?.method || '*', r?.path || '*']
  if (r?.host) parts.push(`host ${r.host}`)
  if (Array.isArray(r?.headers) && r.headers.length > 0) parts.push(`headers ${r.headers.map(String).join(', ')}`)
  return parts.join(' ')
}
