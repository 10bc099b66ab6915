// Builders for every TracingPolicy(Namespaced) Lattice emits (LATTICE-SPEC §7.1, §7.2,
// §7.6). Plain objects in the CRD's own shape, so the evaluator reads them exactly as it
// reads live ones.

import {MANAGED_BY_LABEL, MANAGED_BY_LATTICE, NAME_LABEL, type KubeObject} from '../../core/kube.js'
import {GATEWAY_NAME_LABEL} from '../../core/constants.js'
import {names} from '../../core/names.js'
import {
  BASELINE_POLICY_NAME, FMODE_WRITE, HOOKS, SENSITIVE_FILES, TETRAGON_API_VERSION, TRACING_POLICY,
  TRACING_POLICY_NAMESPACED, WAYPOINT_BINARIES,
} from './constants.js'

type Kprobe = Record<string, unknown>

const SIGKILL = [{action: 'Sigkill'}]

function labels(name: string): Record<string, string> {
  return {[MANAGED_BY_LABEL]: MANAGED_BY_LATTICE, [NAME_LABEL]: name}
}

function namespaced(name: string, namespace: string, podLabels: Record<string, string>, kprobes: Kprobe[]): KubeObject {
  return {
    apiVersion: TETRAGON_API_VERSION,
    kind: TRACING_POLICY_NAMESPACED,
    metadata: {name, namespace, labels: labels(name)},
    spec: {podSelector: {matchLabels: {...podLabels}}, kprobes},
  }
}

/** Kill every exec whose binary is not in `allowed` (an empty list kills every exec). */
function bprmAllowlist(allowed: string[], argType: 'linux_binprm' | 'file', label: string): Kprobe {
  const selector: Record<string, unknown> = {}
  if (allowed.length > 0) selector.matchArgs = [{index: 0, operator: 'NotEqual', values: [...allowed]}]
  selector.matchActions = SIGKILL
  return {call: HOOKS.bprmCheck, syscall: false, args: [{index: 0, type: argType, label}], selectors: [selector]}
}

/**
 * security_file_open only receives the file; its open mode is read from the same argument
 * (`resolve: f_mode`). Both specs read function argument 0, so the mode filter addresses its
 * spec position through `args: [1]` rather than the ambiguous `index`.
 */
function fileOpenWrites(pathFilter: {operator: string; values: string[]}): Kprobe {
  return {
    call: HOOKS.fileOpen,
    syscall: false,
    args: [
      {index: 0, type: 'file', label: 'path'},
      {index: 0, type: 'uint32', resolve: 'f_mode', label: 'f_mode'},
    ],
    selectors: [{
      matchArgs: [
        {index: 0, operator: pathFilter.operator, values: [...pathFilter.values]},
        {args: [1], operator: 'Mask', values: [FMODE_WRITE]},
      ],
      matchActions: SIGKILL,
    }],
  }
}

function killAll(call: string): Kprobe {
  return {call, syscall: false, selectors: [{matchActions: SIGKILL}]}
}

export function allowBinariesPolicy(svc: string, namespace: string, allowed: string[]): KubeObject {
  return namespaced(`allow-binaries-${svc}`, namespace, {[NAME_LABEL]: svc}, [bprmAllowlist(allowed, 'linux_binprm', 'filename')])
}

/** `writable`: path prefixes (with trailing `/`) that are not the root filesystem. */
export function blockRootfsWritePolicy(svc: string, namespace: string, writable: string[]): KubeObject {
  return namespaced(`block-rootfs-write-${svc}`, namespace, {[NAME_LABEL]: svc}, [fileOpenWrites({operator: 'NotPrefix', values: writable})])
}

export function blockSetuidPolicy(svc: string, namespace: string): KubeObject {
  return namespaced(`block-setuid-${svc}`, namespace, {[NAME_LABEL]: svc}, [killAll(HOOKS.fixSetuid)])
}

export function blockCapsetPolicy(svc: string, namespace: string): KubeObject {
  return namespaced(`block-capset-${svc}`, namespace, {[NAME_LABEL]: svc}, [killAll(HOOKS.capset)])
}

export function waypointRuntimePolicy(namespace: string): KubeObject {
  const name = names.waypointRuntime(namespace)
  return namespaced(name, namespace, {[GATEWAY_NAME_LABEL]: names.waypoint(namespace)}, [bprmAllowlist(WAYPOINT_BINARIES, 'file', 'binary')])
}

export function baselinePolicy(withSensitiveFiles: boolean): KubeObject {
  const kprobes: Kprobe[] = [
    killAll(HOOKS.ptrace),
    killAll(HOOKS.moduleRequest),
    killAll(HOOKS.mount),
    killAll(HOOKS.umount),
  ]
  if (withSensitiveFiles) kprobes.push(fileOpenWrites({operator: 'Equal', values: SENSITIVE_FILES}))
  return {
    apiVersion: TETRAGON_API_VERSION,
    kind: TRACING_POLICY,
    metadata: {name: BASELINE_POLICY_NAME, labels: labels(BASELINE_POLICY_NAME)},
    spec: {podSelector: {matchLabels: {[MANAGED_BY_LABEL]: MANAGED_BY_LATTICE}}, kprobes},
  }
}
