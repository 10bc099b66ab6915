// Live evidence records, normalized from their sources (Hubble flows, ztunnel and waypoint
// logs, Tetragon events). Parsers produce them; layer evaluators and the diagnosis read them.

export interface PolicyRef {
  kind?: string
  namespace?: string
  name: string
  revision?: string
}

export interface FlowEndpoint {
  namespace?: string
  pod?: string
  labels?: string[] // Cilium form, e.g. "k8s:app.kubernetes.io/name=payments"
  ip?: string
  identity?: number
  workloads?: string[]
}

/** One Hubble flow (only what the diagnosis needs). */
export interface FlowRecord {
  time: string
  node?: string
  verdict: string // FORWARDED | DROPPED | AUDIT | REDIRECTED | ERROR | TRACED | TRANSLATED
  dropReason?: string // e.g. POLICY_DENIED, POLICY_DENY
  eventType?: number // 1 drop, 4 trace, 5 policy verdict, 129 L7
  trafficDirection?: string // INGRESS | EGRESS
  source: FlowEndpoint
  destination: FlowEndpoint
  protocol?: 'TCP' | 'UDP' | 'ICMPv4' | 'ICMPv6' | string
  sourcePort?: number
  destinationPort?: number
  isReply?: boolean
  egressAllowedBy?: PolicyRef[]
  ingressAllowedBy?: PolicyRef[]
  egressDeniedBy?: PolicyRef[]
  ingressDeniedBy?: PolicyRef[]
  summary?: string
}

/** A ztunnel access/policy record or a waypoint (Envoy) access-log record. */
export interface MeshAccessRecord {
  time: string
  source: 'ztunnel' | 'waypoint'
  /** allowed: connection completed / 2xx-4xx not RBAC; denied: authorization rejected; error: other failure. */
  outcome: 'allowed' | 'denied' | 'error'
  level?: string
  message?: string
  direction?: string // inbound | outbound
  srcAddr?: string
  dstAddr?: string
  srcWorkload?: string
  srcNamespace?: string
  dstWorkload?: string
  dstNamespace?: string
  dstService?: string
  /** SPIFFE ids as logged (spiffe://td/ns/x/sa/y). */
  srcIdentity?: string
  dstIdentity?: string
  error?: string
  /** Waypoint: matched policy from rbac_access_denied_matched_policy[...] ("none" = no ALLOW matched). */
  policy?: string
  responseCode?: number
  method?: string
  path?: string
  /** The raw line, truncated, for display. */
  line?: string
}

/** A Tetragon process_kprobe event with a Sigkill action (or an exec/exit for context). */
export interface ProcessEventRecord {
  time: string
  type: 'kprobe' | 'exec' | 'exit'
  node?: string
  namespace?: string
  pod?: string
  container?: string
  /** Binary of the process (for bprm_check: the binary it tried to execute, from args). */
  binary: string
  /** The process that performed the call (e.g. /bin/sh running execve). */
  processBinary?: string
  policy?: string
  function?: string // e.g. security_bprm_check
  action?: string // KPROBE_ACTION_SIGKILL ...
  podLabels?: Record<string, string>
}
