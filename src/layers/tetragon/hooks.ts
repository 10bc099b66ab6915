// Every hook of a TracingPolicy spec, classified by what a connectivity check can say about
// it: does it see the exec of a binary, a TCP connect of the client, the serving side of B,
// or something every process does. Hooks of `kprobes`, `fentries` (same KProbeSpec),
// `lsmhooks`, `tracepoints`, `uprobes` and `usdts` are listed; `call: "list:<name>"` expands
// to the functions of `spec.lists` (upstream examples/tracingpolicy/list-syscalls.yaml) and
// selector `macros` are appended from `spec.selectorsMacros` (upstream types.go:
// "Filters specified in macros will be appended to corresponding filters of the selector").

import {execHooksOf, type ArgSpec, type Selector} from './exec-hooks.js'

export type HookSection = 'kprobes' | 'fentries' | 'lsmhooks' | 'tracepoints' | 'uprobes' | 'usdts'

/**
 * exec: sees the exec of a binary (binaryPositions say where the path is, if anywhere);
 * connect: fires on a TCP connect / send / receive of the calling process (the client);
 * serve: fires when a server binds, listens, accepts, sends or receives;
 * always: fires for (nearly) every process (file opens, mmap, any syscall);
 * other: fires only for specific behaviour the check cannot predict (ptrace, mount, ...).
 */
export type HookClass = 'exec' | 'connect' | 'serve' | 'always' | 'other'

export interface Hook {
  section: HookSection
  index: number
  call: string
  classes: HookClass[]
  args: ArgSpec[]
  binaryPositions: number[]
  selectors: Selector[]
  /** uprobes/usdts: the binary they are attached to. */
  path?: string
  /** Reasons Tetragon would refuse this hook (the policy does not load). */
  invalid: string[]
}

const SYSCALL = /^(?:__(?:x64|arm64|ia32|x32|se|do)_)?(?:__)?sys_(\w+)$/
const CONNECT_SYSCALLS = new Set(['connect', 'sendto', 'sendmsg', 'sendmmsg', 'recvfrom', 'recvmsg', 'recvmmsg'])
const SERVE_SYSCALLS = new Set(['bind', 'listen', 'accept', 'accept4', 'sendto', 'sendmsg', 'sendmmsg', 'recvfrom', 'recvmsg', 'recvmmsg'])
const ALWAYS_SYSCALLS = new Set(['openat', 'openat2', 'open', 'read', 'write', 'mmap', 'close', 'fstat', 'newfstatat', 'brk', 'rt_sigaction'])
const CONNECT_FUNCS = new Set([
  'tcp_connect', 'tcp_v4_connect', 'tcp_v6_connect', 'security_socket_connect', 'inet_stream_connect', '__inet_stream_connect',
  'tcp_sendmsg', 'tcp_sendmsg_locked', 'security_socket_sendmsg', 'sock_sendmsg', 'inet_sendmsg', 'tcp_recvmsg', 'security_socket_recvmsg', 'sock_recvmsg',
  // lsmhooks spell the LSM hook without the security_ prefix
  'socket_connect', 'socket_sendmsg', 'socket_recvmsg',
])
const SERVE_FUNCS = new Set([
  'inet_bind', 'inet6_bind', 'security_socket_bind', 'security_socket_listen', 'inet_listen', 'inet_csk_listen_start',
  'inet_csk_accept', 'security_socket_accept', 'inet_accept', 'do_accept',
  'tcp_sendmsg', 'tcp_sendmsg_locked', 'security_socket_sendmsg', 'sock_sendmsg', 'inet_sendmsg', 'tcp_recvmsg', 'security_socket_recvmsg', 'sock_recvmsg',
  'socket_bind', 'socket_listen', 'socket_accept', 'socket_sendmsg', 'socket_recvmsg',
])
const ALWAYS_FUNCS = new Set(['security_file_open', 'file_open', 'security_mmap_file', 'mmap_file', 'fd_install', 'do_sys_openat2', 'do_sys_open', 'vfs_open', 'security_file_permission', 'file_permission'])
/** Exec-path functions other than security_bprm_check / execve: argument 0 is the linux_binprm where typed so. */
const EXEC_BPRM_FUNCS = new Set([
  'security_bprm_check', 'bprm_check_security', 'bprm_execve', 'security_bprm_creds_for_exec', 'security_bprm_creds_from_file', 'security_bprm_committing_creds', 'security_bprm_committed_creds',
  'bprm_creds_for_exec', 'bprm_creds_from_file', 'bprm_committing_creds', 'bprm_committed_creds', 'begin_new_exec', 'setup_new_exec',
])
const EXEC_OTHER_FUNCS = new Set(['do_execve', 'do_execveat', 'do_execveat_common', 'kernel_execve'])

export function classify(call: string): HookClass[] {
  const sys = SYSCALL.exec(call)?.[1]
  const out: HookClass[] = []
  if (sys === 'execve' || sys === 'execveat' || EXEC_BPRM_FUNCS.has(call) || EXEC_OTHER_FUNCS.has(call) || call === 'security_bprm_check' || call === 'bprm_check_security') out.push('exec')
  if ((sys && CONNECT_SYSCALLS.has(sys)) || CONNECT_FUNCS.has(call)) out.push('connect')
  if ((sys && SERVE_SYSCALLS.has(sys)) || SERVE_FUNCS.has(call)) out.push('serve')
  if ((sys && ALWAYS_SYSCALLS.has(sys)) || ALWAYS_FUNCS.has(call)) out.push('always')
  return out.length > 0 ? out : ['other']
}

const TRACEPOINT_CLASSES: Record<string, HookClass[]> = {
  'syscalls/sys_enter_execve': ['exec'],
  'syscalls/sys_enter_execveat': ['exec'],
  'sched/sched_process_exec': ['exec'],
  'raw_syscalls/sys_enter': ['always'],
  'raw_syscalls/sys_exit': ['always'],
}

function tracepointClasses(subsystem: string, event: string): HookClass[] {
  const known = TRACEPOINT_CLASSES[`${subsystem}/${event}`]
  if (known) return known
  const sys = /^sys_(?:enter|exit)_(\w+)$/.exec(event)?.[1]
  return subsystem === 'syscalls' && sys ? classify(`sys_${sys}`) : ['other']
}

type Raw = Record<string, unknown>

function list(v: unknown): Raw[] {
  return Array.isArray(v) ? (v as Raw[]) : []
}

export function hooksOf(spec: Raw | undefined): Hook[] {
  const out: Hook[] = []
  if (!spec) return out
  const macros = (spec.selectorsMacros && typeof spec.selectorsMacros === 'object' ? spec.selectorsMacros : {}) as Record<string, Selector>
  const lists = new Map(list(spec.lists).map((l) => [String(l.name), l]))
  const execPositions = new Map(execHooksOf(spec).map((h) => [`${h.section}:${h.index}`, h.binaryPositions]))

  const push = (section: HookSection, index: number, call: string, classes: HookClass[], raw: Raw, extra: Partial<Hook> = {}) => {
    const invalid: string[] = []
    const selectors = list(raw.selectors).map((s) => expandMacros(s as Selector, macros, invalid))
    const args = Array.isArray(raw.args) ? (raw.args as ArgSpec[]) : []
    let binaryPositions = execPositions.get(`${section === 'fentries' ? 'kprobes' : section}:${index}`) ?? []
    if (section === 'fentries') binaryPositions = []
    if (classes.includes('exec') && binaryPositions.length === 0) binaryPositions = execBinaryPositions(call, args)
    // pkg/sensors/tracing/generickprobe.go validateOverride: "override action can be used only
    // with syscalls and security_ hooks" — otherwise the policy does not load.
    // pkg/selectors/kernel.go: at most 5 selectors (MaxSelectors), 5 argument filters
    // (large programs) and 3 actions per selector, else the policy does not load.
    if (selectors.length > 5) invalid.push(`${call}: ${selectors.length} selectors, Tetragon supports at most 5`)
    selectors.forEach((s, i) => {
      const filters = (Array.isArray(s.matchArgs) ? s.matchArgs.length : 0) + (Array.isArray(s.matchData) ? (s.matchData as unknown[]).length : 0)
      if (filters > 5) invalid.push(`${call} selector #${i}: ${filters} argument filters, Tetragon supports at most 5`)
      if ((s.matchActions ?? []).length > 3) invalid.push(`${call} selector #${i}: more than 3 actions`)
    })
    const overrides = selectors.some((s) => (s.matchActions ?? []).some((a) => String(a.action ?? '').toLowerCase() === 'override'))
    if (section === 'kprobes' && overrides && !call.startsWith('security_') && raw.syscall !== true) {
      invalid.push(`${call}: override action can be used only with syscalls (syscall: true) and security_ hooks`)
    }
    out.push({section, index, call, classes, args, binaryPositions, selectors, invalid, ...extra})
  }

  for (const section of ['kprobes', 'fentries'] as const) {
    list(spec[section]).forEach((k, index) => {
      const call = String(k?.call ?? '')
      if (call.startsWith('list:')) {
        const l = lists.get(call.slice(5))
        const values = l && Array.isArray(l.values) ? (l.values as unknown[]).map(String) : []
        const type = String(l?.type ?? '')
        if (!l) push(section, index, call, ['other'], k, {invalid: [`${call}: no such list in spec.lists`]})
        else if (type === 'syscalls' || type === '') for (const v of values) push(section, index, v.startsWith('sys_') || v.includes('_sys_') ? v : `sys_${v}`, classify(v.startsWith('sys_') || v.includes('_sys_') ? v : `sys_${v}`), k)
        else if (values.length > 0) for (const v of values) push(section, index, v, classify(v), k)
        // generated lists (generated_syscalls, generated_ftrace) cover functions chosen at load time
        else push(section, index, call, ['connect', 'serve', 'always'], k)
        return
      }
      const classes = section === 'kprobes' && k?.syscall === true && !SYSCALL.test(call) ? classify(`sys_${call}`) : classify(call)
      push(section, index, call, classes, k)
    })
  }
  list(spec.lsmhooks).forEach((h, index) => {
    const call = String(h?.hook ?? '')
    push('lsmhooks', index, call, classify(call), h)
  })
  list(spec.tracepoints).forEach((t, index) => {
    const call = `${String(t?.subsystem ?? '')}/${String(t?.event ?? '')}`
    push('tracepoints', index, call, tracepointClasses(String(t?.subsystem ?? ''), String(t?.event ?? '')), t)
  })
  for (const section of ['uprobes', 'usdts'] as const) {
    list(spec[section]).forEach((u, index) => {
      const path = String(u?.path ?? '')
      const symbols = Array.isArray(u?.symbols) ? (u.symbols as unknown[]).join(',') : String(u?.name ?? u?.symbol ?? '')
      push(section, index, `${path}:${symbols}`, ['other'], u, {path})
    })
  }
  return out
}

/** Argument positions holding the executed path for exec hooks other than the ones exec-hooks.ts knows. */
function execBinaryPositions(call: string, args: ArgSpec[]): number[] {
  const sys = SYSCALL.exec(call)?.[1]
  const wantIndex = sys === 'execveat' ? 1 : 0
  const types = sys === 'execve' || sys === 'execveat' ? ['string', 'filename', 'char_buf'] : EXEC_BPRM_FUNCS.has(call) ? ['linux_binprm', 'file'] : []
  const out: number[] = []
  args.forEach((a, pos) => {
    if ((a.index ?? 0) === wantIndex && !a.resolve && types.includes(String(a.type))) out.push(pos)
  })
  return out
}

const ARRAY_FILTERS = [
  'matchArgs', 'matchData', 'matchReturnArgs', 'matchBinaries', 'matchParentBinaries', 'matchNamespaces', 'matchNamespaceChanges',
  'matchCapabilities', 'matchCapabilityChanges', 'matchPIDs', 'matchActions', 'matchReturnActions',
]

function expandMacros(sel: Selector, macros: Record<string, Selector>, invalid: string[]): Selector {
  const names = Array.isArray(sel?.macros) ? (sel.macros as unknown[]).map(String) : []
  if (names.length === 0) return sel
  const out: Selector = {...sel}
  delete out.macros
  for (const name of names) {
    const m = macros[name]
    if (!m || typeof m !== 'object') {
      invalid.push(`selector macro '${name}' is not defined in spec.selectorsMacros`)
      continue
    }
    for (const [k, v] of Object.entries(m)) {
      if (ARRAY_FILTERS.includes(k) && Array.isArray(v)) out[k] = [...(Array.isArray(out[k]) ? (out[k] as unknown[]) : []), ...v]
      else if (out[k] === undefined) out[k] = v
      else invalid.push(`selector macro '${name}' sets ${k} twice`)
    }
  }
  return out
}
