// One normalizer for Tetragon events from both sources:
// - export-stdout JSON (protojson, proto field names, RFC 3339 times, zero values omitted);
// - gRPC messages from @grpc/proto-loader (camelCase names, Timestamp {seconds, nanos},
//   oneof virtual fields, zero values present).
import type {ProcessEventRecord} from '../../../core/evidence.js'
import {timestampToRfc3339, type ProtoTimestamp} from '../../../core/io/timestamp.js'

type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function field(o: Obj, protoName: string, camelName: string): unknown {
  const v = o[protoName]
  return v === undefined || v === null ? o[camelName] : v
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined
}

function time(v: unknown): string | undefined {
  return typeof v === 'string' ? text(v) : isObj(v) ? timestampToRfc3339(v as ProtoTimestamp) : undefined
}

const ARG_PATHS: Array<[string, string]> = [['linux_binprm_arg', 'linuxBinprmArg'], ['file_arg', 'fileArg'], ['path_arg', 'pathArg']]

/**
 * For exec-check hooks (security_bprm_check & co.) `process` is the task calling execve (often
 * /bin/sh); the binary it tried to run is the linux_binprm (or file) argument.
 */
function binaryFromArgs(args: unknown): string | undefined {
  if (!Array.isArray(args)) return undefined
  for (const arg of args) {
    if (!isObj(arg)) continue
    for (const [proto, camel] of ARG_PATHS) {
      const a = field(arg, proto, camel)
      if (isObj(a)) {
        const p = text(a.path)
        if (p) return p
      }
    }
  }
  return undefined
}

function applyProcess(rec: ProcessEventRecord, process: unknown): void {
  if (!isObj(process)) return
  const pod = process.pod
  if (!isObj(pod)) return
  const ns = text(pod.namespace)
  if (ns) rec.namespace = ns
  const name = text(pod.name)
  if (name) rec.pod = name
  const container = pod.container
  if (isObj(container)) {
    const c = text(container.name)
    if (c) rec.container = c
  }
  const labels = field(pod, 'pod_labels', 'podLabels')
  if (isObj(labels) && Object.keys(labels).length > 0) {
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v
    rec.podLabels = out
  }
}

const KINDS: Array<[string, string, ProcessEventRecord['type']]> = [
  ['process_kprobe', 'processKprobe', 'kprobe'],
  // upstream tetragon.proto ProcessLsm / ProcessTracepoint: same process, args, action, policy_name
  ['process_lsm', 'processLsm', 'kprobe'],
  ['process_tracepoint', 'processTracepoint', 'kprobe'],
  ['process_exec', 'processExec', 'exec'],
  ['process_exit', 'processExit', 'exit'],
]

/** Converts a GetEventsResponse (JSON line object or gRPC message); undefined for other event kinds. */
export function eventFromJson(obj: unknown): ProcessEventRecord | undefined {
  if (!isObj(obj)) return undefined
  for (const [proto, camel, type] of KINDS) {
    const ev = field(obj, proto, camel)
    if (!isObj(ev)) continue
    const process = isObj(ev.process) ? ev.process : undefined
    const processBinary = process ? text(process.binary) : undefined
    const rec: ProcessEventRecord = {
      time: time(obj.time) ?? time(ev.time) ?? '',
      type,
      binary: processBinary ?? '',
    }
    const node = text(field(obj, 'node_name', 'nodeName'))
    if (node) rec.node = node
    applyProcess(rec, process)
    if (type === 'kprobe') {
      const tracepoint = text(ev.subsys) && text(ev.event) ? `${text(ev.subsys)}/${text(ev.event)}` : undefined
      const fn = text(field(ev, 'function_name', 'functionName')) ?? tracepoint
      if (fn) rec.function = fn
      const target = binaryFromArgs(ev.args)
      if (target && fn && (fn.includes('bprm') || fn.includes('exec'))) rec.binary = target
      if (processBinary) rec.processBinary = processBinary
      const action = text(ev.action)
      if (action && action !== 'KPROBE_ACTION_UNKNOWN') rec.action = action
      const policy = text(field(ev, 'policy_name', 'policyName'))
      if (policy) rec.policy = policy
      // LSM and tracepoint events are read only for what they enforced.
      if (proto !== 'process_kprobe' && !rec.action) return undefined
    }
    return rec
  }
  return undefined
}

export function isSigkill(rec: ProcessEventRecord): boolean {
  return rec.type === 'kprobe' && rec.action === 'KPROBE_ACTION_SIGKILL'
}
