// Tetragon API constants the runtime compiler and evaluator agree on (LATTICE-SPEC §7).

export const TETRAGON_API_VERSION = 'cilium.io/v1alpha1'
export const TRACING_POLICY = 'TracingPolicy'
export const TRACING_POLICY_NAMESPACED = 'TracingPolicyNamespaced'
export const TETRAGON_KINDS: readonly string[] = [TRACING_POLICY, TRACING_POLICY_NAMESPACED]

export const BASELINE_POLICY_NAME = 'lattice-baseline-runtime'

/** LSM hooks the compiler emits (all `syscall: false`). */
export const HOOKS = {
  bprmCheck: 'security_bprm_check',
  fileOpen: 'security_file_open',
  fixSetuid: 'security_task_fix_setuid',
  capset: 'security_capset',
  ptrace: 'security_ptrace_access_check',
  moduleRequest: 'security_kernel_module_request',
  mount: 'security_sb_mount',
  umount: 'security_sb_umount',
} as const

/** `struct file.f_mode` bit set when a file is opened for writing (include/linux/fs.h). */
export const FMODE_WRITE = '2'

/** Files whose write opens the seed baseline kills (§7.1). */
export const SENSITIVE_FILES = ['/etc/passwd', '/etc/shadow', '/etc/sudoers']

/** Binaries allowed in waypoint pods (§7.6). */
export const WAYPOINT_BINARIES = ['/usr/local/bin/envoy', '/usr/local/bin/pilot-agent']

/**
 * Kernel pseudo filesystems are always writable (e.g. /dev/null, /proc/self/...), so a
 * read-only-rootfs guard must not kill writes there.
 */
export const PSEUDO_FS_PREFIXES = ['/dev/', '/proc/', '/sys/']
