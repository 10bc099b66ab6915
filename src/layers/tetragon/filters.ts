// One Tetragon selector against one process activity, three-valued: true (the selector
// matches), false (it does not), unknown (it depends on something the check cannot see).
// Semantics from upstream pkg/selectors/kernel.go (InitKernelSelectorState: the match*
// filters of one selector are ANDed; ParseMatchBinary: one matchBinaries entry, In/NotIn/
// Prefix/NotPrefix/Postfix/NotPostfix only, an entry with no values is ignored,
// followChildren only with In/NotIn; parseMatchArg: sock operators only on sock/skb/
// socket/sockaddr arguments) and bpf/process/generic_calls.h (do_action).

import {BlockList, isIP} from 'node:net'
import type {Hook} from './hooks.js'
import type {Selector} from './exec-hooks.js'
import {filteredPositions} from './exec-hooks.js'
import {and, canonicalOperator, matchPath, type Tri} from './operators.js'

export interface ProcessContext {
  activity: 'exec' | 'connect' | 'serve'
  /** exec: the binary being executed. */
  target?: string
  /** Binary of the process the hook fires in (what matchBinaries checks); undefined = unknown. */
  process?: string
  /** connect: destination ports the client may use; serve: the port B listens on. */
  ports?: number[]
  /** connect: every address the client may dial for B (Service IPs, pod IPs), when known. */
  addresses?: string[]
}

export interface SelectorMatch {
  match: Tri
  /** What matched, for the reason line. */
  why: string[]
  /** Why the match is unknown, or what it rests on. */
  notes: string[]
}

/** Actions a selector runs (lower-cased, as ParseMatchAction reads them). */
export type SelectorAct = {kind: 'block'; action: 'Sigkill' | 'Override'} | {kind: 'observe'} | {kind: 'unknown'; why: string}

const KNOWN_KEYS = new Set([
  'matchArgs', 'matchData', 'matchReturnArgs', 'matchBinaries', 'matchParentBinaries', 'matchNamespaces', 'matchNamespaceChanges',
  'matchCapabilities', 'matchCapabilityChanges', 'matchPIDs', 'matchActions', 'matchReturnActions', 'matchWorkloads', 'macros',
])
/** Filters the check cannot evaluate: a non-empty one makes the selector's match unknown. */
const OPAQUE = ['matchData', 'matchNamespaceChanges', 'matchCapabilities', 'matchCapabilityChanges', 'matchPIDs', 'matchWorkloads', 'matchParentBinaries']

const SOCK_TYPES = new Set(['sock', 'socket', 'skb', 'sockaddr'])
const HOST_NS_KINDS = new Set(['Mnt', 'Pid', 'Uts', 'Ipc', 'Net'])

export function evaluateSelector(sel: Selector, hook: Hook, ctx: ProcessContext): SelectorMatch {
  const why: string[] = []
  const notes: string[] = []
  let match: Tri = true
  for (const key of Object.keys(sel)) {
    const v = sel[key]
    const present = Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null
    if (!present) continue
    if (!KNOWN_KEYS.has(key)) {
      notes.push(`selector field ${key} is not a Tetragon selector field`)
      match = and(match, 'unknown')
    } else if (OPAQUE.includes(key) && !(key === 'matchParentBinaries' && emptyBinaryFilter(v))) {
      notes.push(`${key} cannot be evaluated offline`)
      match = and(match, 'unknown')
    }
  }
  for (const m of sel.matchArgs ?? []) {
    const r = matchArg(m, hook, ctx)
    if (r.note) notes.push(r.note)
    if (r.why) why.push(r.why)
    match = and(match, r.match)
    if (match === false) return {match, why, notes}
  }
  if (Array.isArray(sel.matchReturnArgs) && sel.matchReturnArgs.length > 0) {
    notes.push('matchReturnArgs depend on the return value')
    match = and(match, 'unknown')
  }
  const mb = matchBinaries(sel.matchBinaries, ctx)
  if (mb.note) notes.push(mb.note)
  if (mb.why) why.push(mb.why)
  match = and(match, mb.match)
  for (const ns of (sel.matchNamespaces ?? []) as Array<{namespace?: string; operator?: string; values?: unknown[]}>) {
    const values = (ns.values ?? []).map(String)
    if (HOST_NS_KINDS.has(String(ns.namespace)) && values.length > 0 && values.every((x) => x === 'host_ns') && (ns.operator === 'In' || ns.operator === 'NotIn')) {
      // A pod's containers get their own mount/pid/uts/ipc/net namespaces (Lattice pods never set host*).
      match = and(match, ns.operator === 'NotIn')
      notes.push(`matchNamespaces ${ns.namespace} ${ns.operator} host_ns: the pod has its own ${ns.namespace} namespace (no hostPID/hostNetwork/hostIPC)`)
    } else {
      notes.push(`matchNamespaces ${ns.namespace} ${ns.operator} [${values.join(', ')}] cannot be evaluated offline`)
      match = and(match, 'unknown')
    }
  }
  return {match, why, notes}
}

function emptyBinaryFilter(v: unknown): boolean {
  return Array.isArray(v) && v.every((b) => !Array.isArray((b as {values?: unknown}).values) || ((b as {values: unknown[]}).values.length === 0))
}

function matchArg(m: NonNullable<Selector['matchArgs']>[number], hook: Hook, ctx: ProcessContext): {match: Tri; why?: string; note?: string} {
  const op = canonicalOperator(m.operator)
  const values = (m.values ?? []).map(String)
  const positions = filteredPositions(m, hook.args)
  const label = `matchArgs ${String(m.operator)} [${values.join(', ')}]`
  if (ctx.activity === 'exec' && hook.classes.includes('exec') && positions.some((p) => hook.binaryPositions.includes(p)) && ctx.target !== undefined) {
    // parseMatchArg: In/NotIn fall through to writeMatchValues, which rejects string types.
    if (op === 'In' || op === 'NotIn') return {match: 'unknown', note: `${label}: In/NotIn are not string operators for matchArgs (use Equal/NotEqual); Tetragon refuses the policy`}
    const r = matchPath(String(op ?? m.operator), values, ctx.target)
    if (r === 'unknown') return {match: r, note: `${label} on the binary cannot be evaluated`}
    return {match: r, why: r ? `${ctx.target} ${describeOp(String(op), values)}` : undefined}
  }
  const types = positions.map((p) => String(hook.args[p]?.type ?? ''))
  if (op && ctx.activity !== 'exec' && types.length > 0 && types.every((t) => SOCK_TYPES.has(t))) {
    const r = sockOperator(op, values, types, ctx)
    if (r !== 'unknown') return {match: r, why: r ? `${label} on the ${ctx.activity === 'connect' ? 'client' : 'server'} socket` : undefined}
  }
  return {match: 'unknown', note: `${label} on argument ${positions.join(',') || m.index} cannot be evaluated offline`}
}

/**
 * The socket of A's TCP connect to B (or of B's listening/accepted socket): TCP, port known
 * (connect: B's service and target port, the client may dial either; serve: B's target port
 * is the local port). Addresses, the address family and ephemeral ports are unknown. A
 * `sockaddr` argument is the address the call names (connect: the destination, bind: the
 * local address) and only takes the S* operators (upstream parseMatchArg).
 */
function sockOperator(op: string, values: string[], types: string[], ctx: ProcessContext): Tri {
  const ports = ctx.ports ?? []
  const sockaddr = types.every((t) => t === 'sockaddr')
  switch (op) {
    case 'Protocol':
      return values.some((v) => v === 'IPPROTO_TCP' || v === '6')
    case 'Family': {
      const inet = values.some((v) => v === 'AF_INET' || v === '2')
      const inet6 = values.some((v) => v === 'AF_INET6' || v === '10')
      return inet && inet6 ? true : !inet && !inet6 ? false : 'unknown'
    }
    case 'DPort':
    case 'NotDPort':
    case 'DPortPriv':
    case 'NotDPortPriv':
      if (sockaddr || ctx.activity !== 'connect' || ports.length === 0) return 'unknown'
      return anyAll(ports.map((p) => portOp(op.replace('D', ''), values, p)))
    case 'DAddr':
    case 'NotDAddr':
      if (sockaddr || ctx.activity !== 'connect') return 'unknown'
      return addrOp(op === 'DAddr', values, ctx.addresses)
    case 'SAddr':
    case 'NotSAddr':
      // a connect's sockaddr is the destination; a sock's saddr is A's own pod IP (unknown)
      if (!sockaddr || ctx.activity !== 'connect') return 'unknown'
      return addrOp(op === 'SAddr', values, ctx.addresses)
    case 'SPort':
    case 'NotSPort':
    case 'SPortPriv':
    case 'NotSPortPriv':
      if (!(sockaddr || ctx.activity === 'serve') || ports.length === 0) return 'unknown'
      return anyAll(ports.map((p) => portOp(op.replace('S', ''), values, p)))
    default:
      return 'unknown'
  }
}

/**
 * [Not]DAddr against every address B may be dialled at: decided only when all agree.
 * Values are addresses or CIDRs (upstream parseAddr; a bare address is a /32 or /128);
 * one Tetragon cannot parse makes it refuse the policy.
 */
function addrOp(positive: boolean, values: string[], addresses: string[] | undefined): Tri {
  if (!addresses || addresses.length === 0) return 'unknown'
  const list = new BlockList()
  for (const v of values) {
    const [ip, bits] = v.split('/')
    const family = isIP(ip)
    if (family === 0) return 'unknown'
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits)
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return 'unknown'
    list.addSubnet(ip, prefix, family === 4 ? 'ipv4' : 'ipv6')
  }
  const hits = addresses.map((a) => {
    const family = isIP(a)
    return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6')
  })
  return anyAll(hits.map((h) => (positive ? h : !h)))
}

/** op is Port / NotPort / PortPriv / NotPortPriv after dropping the S/D. */
function portOp(op: string, values: string[], port: number): boolean {
  if (op === 'PortPriv') return port < 1024
  if (op === 'NotPortPriv') return port >= 1024
  const hit = values.some((v) => {
    const [lo, hi] = v.split(':').map((x) => Number(x))
    return hi === undefined ? port === lo : port >= lo && port <= hi
  })
  return op === 'Port' ? hit : !hit
}

function anyAll(rs: boolean[]): Tri {
  return rs.every(Boolean) ? true : rs.some(Boolean) ? 'unknown' : false
}

function matchBinaries(list: Selector['matchBinaries'], ctx: ProcessContext): {match: Tri; why?: string; note?: string} {
  const entries = (list ?? []).filter((b) => Array.isArray(b.values) && b.values.length > 0) // no values: ignored upstream
  if (entries.length === 0) return {match: true}
  if (entries.length > 1) return {match: 'unknown', note: 'more than one matchBinaries entry: Tetragon refuses the policy'}
  const b = entries[0] as {operator?: string; values: string[]; followChildren?: boolean}
  const op = canonicalOperator(b.operator)
  const label = `matchBinaries ${String(b.operator)} [${b.values.join(', ')}]${b.followChildren ? ' followChildren' : ''}`
  if (!op || !['In', 'NotIn', 'Prefix', 'NotPrefix', 'Postfix', 'NotPostfix'].includes(op)) return {match: 'unknown', note: `${label}: operator not supported for matchBinaries, Tetragon refuses the policy`}
  if (b.followChildren && op !== 'In' && op !== 'NotIn') return {match: 'unknown', note: `${label}: followChildren only works with In/NotIn, Tetragon refuses the policy`}
  if (ctx.process === undefined) return {match: 'unknown', note: `${label}: the process performing the ${ctx.activity} is not known`}
  const direct = matchPath(op, b.values, ctx.process)
  if (b.followChildren) {
    // followChildren: the process also matches when an ancestor was one of the binaries.
    const listed = matchPath('In', b.values, ctx.process) === true
    if (!listed) return {match: 'unknown', note: `${label}: ${ctx.process} matches if an ancestor process is one of the binaries (ancestry unknown)`}
  }
  return {match: direct, why: direct === true ? `process ${ctx.process} ${describeOp(op, b.values)}` : undefined}
}

/** What the selector's actions do (upstream do_action: Sigkill, Signal, Override, NotifyEnforcer enforce; the rest observe). */
export function selectorAct(sel: Selector): SelectorAct {
  let override = false
  let unknown: string | undefined
  const all = [...(sel.matchActions ?? []), ...((sel.matchReturnActions ?? []) as NonNullable<Selector['matchActions']>)]
  for (const a of all) {
    const action = String(a.action ?? '').toLowerCase()
    const inReturn = !(sel.matchActions ?? []).includes(a)
    if (!ACTIONS.has(action)) unknown ??= `unknown action '${String(a.action)}': Tetragon refuses the policy`
    let act: SelectorAct = {kind: 'observe'}
    if (action === 'sigkill' || ((action === 'signal' || action === 'notifyenforcer') && Number(a.argSig) === 9)) act = {kind: 'block', action: 'Sigkill'}
    else if (action === 'signal' && a.argSig !== undefined && Number(a.argSig) !== 0) act = {kind: 'unknown', why: `Signal ${String(a.argSig)} may end the process`}
    else if (action === 'override' || (action === 'notifyenforcer' && a.argError !== undefined && Number(a.argError) !== 0)) {
      act = Number(a.argError ?? 0) !== 0 ? {kind: 'block', action: 'Override'} : {kind: 'unknown', why: 'Override with argError 0 skips the function'}
    } else if (action === 'set') act = {kind: 'unknown', why: 'Set rewrites an argument'}
    if (act.kind === 'block' && inReturn) act = {kind: 'unknown', why: `${String(a.action)} in matchReturnActions depends on the return value`}
    if (act.kind === 'block' && act.action === 'Sigkill') return act
    if (act.kind === 'block') override = true
    if (act.kind === 'unknown') unknown ??= act.why
  }
  if (override) return {kind: 'block', action: 'Override'}
  return unknown ? {kind: 'unknown', why: unknown} : {kind: 'observe'}
}

/** Upstream actionTypeTable (pkg/selectors/kernel.go), lower-cased. */
const ACTIONS = new Set([
  'post', 'followfd', 'sigkill', 'unfollowfd', 'override', 'copyfd', 'geturl', 'dnslookup', 'nopost', 'signal', 'tracksock', 'untracksock',
  'notifyenforcer', 'cleanupenforcernotification', 'set',
])

export function describeOp(op: string, values: string[]): string {
  const list = `[${values.join(', ')}]`
  switch (op) {
    case 'NotEqual':
    case 'NotIn':
      return `is not in ${list}`
    case 'Equal':
    case 'In':
      return `is in ${list}`
    default:
      return `${op} ${list}`
  }
}
