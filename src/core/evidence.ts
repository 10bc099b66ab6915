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
  /** A DNS record (Hubble L7 flow of Cilium's DNS proxy): the lookup and its answer. */
  dns?: DnsRecord
}

export interface DnsRecord {
  /** Queried name as sent, usually with the trailing dot. */
  query: string
  /** REQUEST or RESPONSE. */
  type?: string
  /** DNS response code (0 NOERROR, 3 NXDOMAIN, 5 REFUSED: Cilium's answer to a lookup its DNS rules deny). */
  rcode?: number
  ips?: string[]
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

// ---- Evidence readers: one shape for every source (LATTICE-SPEC §9.5, §10.14) ----

/** The four live evidence sources, each reported on its own in the diagnosis. */
export type EvidenceSourceName = 'hubble' | 'ztunnel' | 'waypoint' | 'tetragon'

/**
 * What a source said about itself: read (all of it), partial (some agents answered, some
 * did not), unavailable (nothing could be read: the reason says why) or not-asked
 * (`--no-evidence`, offline, no waypoint on the path).
 */
export interface EvidenceSourceState {
  source: EvidenceSourceName
  state: 'read' | 'partial' | 'unavailable' | 'not-asked'
  /** Why it is unavailable, partial or not asked. */
  reason?: string
  /** The time actually covered (RFC 3339): the window start, or later when the source holds less history. */
  window?: {from: string; to: string}
  /** Records the reader parsed (log lines naming neither side are skipped unparsed). */
  recordsRead?: number
  /** Records of this pair, in its direction (and on its wire port once that is known). */
  recordsMatched?: number
  /** Events the source itself says it lost (Hubble LostEvents). */
  lostEvents?: number
  /** Agents answered / agents asked (ztunnel or Tetragon per node, waypoint pods, Relay). */
  agents?: {read: number; asked: number}
}

/** The window a reader is asked for. */
export interface EvidenceWindow {
  since: Date
  /** Defaults to the end of the read. */
  until?: Date
}

/**
 * A reader's answer: the matching records as they arrive, and the source's state once the
 * records are consumed. A reader never throws: a failure ends the records and shows in state().
 * Pair diagnosis, a namespace-wide triage and a follower all consume this shape.
 */
export interface EvidenceRead<T> {
  records: AsyncIterable<T>
  state(): EvidenceSourceState
}

/** Counts what a reader saw, per agent, and turns it into an EvidenceSourceState. */
export class EvidenceTally {
  recordsRead = 0
  recordsMatched = 0
  lostEvents = 0
  private asked = 0
  private answered = 0
  private cut = 0
  private failures: string[] = []
  private from: number
  private to: number | undefined

  constructor(readonly source: EvidenceSourceName, window: EvidenceWindow) {
    this.from = window.since.getTime()
    this.to = window.until?.getTime()
  }

  /** An agent (log stream, gRPC stream) is about to be read. */
  agentAsked(): void {
    this.asked++
  }

  agentRead(): void {
    this.answered++
  }

  /** The agent could not be read; `afterRecords`: it failed midway, what it sent is kept (partial). */
  agentFailed(reason: string, afterRecords = false): void {
    if (!this.failures.includes(reason)) this.failures.push(reason)
    if (afterRecords) this.cut++
  }

  /** The source holds nothing older than `time` (buffer start, log start): coverage begins there. */
  coveredFrom(time: string | Date | undefined): void {
    const t = time instanceof Date ? time.getTime() : time ? Date.parse(time) : NaN
    if (Number.isFinite(t) && t > this.from) this.from = t
  }

  state(): EvidenceSourceState {
    const base: EvidenceSourceState = {source: this.source, state: 'read'}
    if (this.asked > 0 && this.answered === 0 && this.cut === 0) {
      return {...base, state: 'unavailable', reason: this.failures.join('; ') || 'no agent answered', agents: {read: 0, asked: this.asked}}
    }
    const to = this.to ?? Date.now()
    const out: EvidenceSourceState = {
      ...base,
      window: {from: new Date(Math.min(this.from, to)).toISOString(), to: new Date(to).toISOString()},
      recordsRead: this.recordsRead,
      recordsMatched: this.recordsMatched,
    }
    if (this.lostEvents > 0) out.lostEvents = this.lostEvents
    if (this.asked > 0) out.agents = {read: this.answered, asked: this.asked}
    if (this.failures.length > 0) return {...out, state: 'partial', reason: this.failures.join('; ')}
    return out
  }
}

export function notAsked(source: EvidenceSourceName, reason: string): EvidenceSourceState {
  return {source, state: 'not-asked', reason}
}

export function unavailable(source: EvidenceSourceName, reason: string): EvidenceSourceState {
  return {source, state: 'unavailable', reason}
}

/**
 * Records of several agents (one log stream per node), interleaved as they arrive. Each
 * stream runs on its own, so a slow or failing agent holds back none of the others.
 */
export async function* mergeStreams<T>(streams: Array<AsyncIterable<T>>): AsyncGenerator<T> {
  const queue: T[] = []
  let wake: (() => void) | undefined
  let running = streams.length
  let failure: unknown
  for (const s of streams) {
    void (async () => {
      try {
        for await (const item of s) {
          queue.push(item)
          wake?.()
        }
      } catch (err) {
        failure ??= err
      } finally {
        running--
        wake?.()
      }
    })()
  }
  while (running > 0 || queue.length > 0) {
    if (queue.length === 0) {
      await new Promise<void>((resolve) => (wake = resolve))
      wake = undefined
      continue
    }
    yield queue.shift()!
  }
  if (failure !== undefined) throw failure
}

/** Every source not asked, for one reason (`--no-evidence`, offline). */
export function notAskedSources(reason: string): EvidenceSourceState[] {
  return (['hubble', 'ztunnel', 'waypoint', 'tetragon'] as const).map((s) => notAsked(s, reason))
}
