// The diagnosis: a stream of typed events while it runs, and one result object at the end.
// Text, JSON/YAML and (later) the TUI are views of these; none of them computes anything.

import type {Profile} from '../core/constants.js'
import type {LayerId, LayerResult} from '../core/result.js'
import type {EvidenceSourceState} from '../core/evidence.js'

export type ResultStatus = 'ALLOWED' | 'BLOCKED' | 'UNKNOWN'

export interface DriftEntry {
  layer: 'l4' | 'l7' | 'runtime'
  change: 'missing' | 'unexpected' | 'different'
  kind: string
  namespace?: string
  name: string
  /** For `different`: the live object that differs; for `unexpected`: why it matters. */
  detail?: string
}

export interface SpecChange {
  /** The object to change. */
  kind: 'LatticeService' | 'CedarPolicy' | 'Cluster'
  namespace?: string
  name: string
  /** File it was loaded from, when known. */
  file?: string
  /** Where to add, e.g. `spec.workload.resources`. */
  path: string
  /** The YAML to add at `path`. */
  yaml: string
}

export interface Fix {
  summary: string
  changes: SpecChange[]
  /** The diagnosis was re-run on the fixed specs in memory and the pair was ALLOWED. */
  verified: boolean
  /** What the re-run said when it was not ALLOWED. */
  verification?: string
  /** The blocked ports this fix was computed for, when B has several ports. */
  ports?: string[]
}

export interface EndpointRef {
  namespace: string
  name: string
  kind: string
}

/** A port of the target as the report names it (servicePort → targetPort, wire port on the network). */
export interface DiagnosisPort {name: string; servicePort: number; targetPort: number; wirePort: number}

/** One port's verdict through every layer (LATTICE-SPEC §10.13): all its layer lines speak of this port. */
export interface PortVerdict {
  port: DiagnosisPort
  layers: LayerResult[]
  result: Diagnosis['result']
}

export interface Diagnosis {
  source: EndpointRef
  target: EndpointRef & {port?: {name: string; servicePort: number; targetPort: number; wirePort: number}}
  profile: Profile
  trustDomain: string
  /** Where the evaluated policies came from. */
  policySource: 'compiled' | 'dump' | 'cluster'
  layers: LayerResult[]
  result: {status: ResultStatus; blockedAt: Exclude<LayerId, 'declarations'> | null; explanation: string}
  drift: DriftEntry[]
  warnings: string[]
  fix: Fix | null
  /** State of each live evidence source (Hubble, ztunnel, waypoint, Tetragon), §10.14. */
  evidenceSources?: EvidenceSourceState[]
  /**
   * One verdict per evaluated port of the target (one entry when B has one port or --port
   * was given; absent when B exposes none). The top-level `result` combines them; the
   * top-level `layers` and `target.port` are those of the first blocked (else first
   * unknown, else first) port.
   */
  ports?: PortVerdict[]
}

export type DiagnosisEvent =
  | {type: 'source-started'; source: string}
  | {type: 'source-finished'; source: string; ms: number; count?: number}
  | {type: 'source-failed'; source: string; ms: number; reason: string}
  | {type: 'layer-decided'; result: LayerResult}
  | {type: 'diagnosis'; diagnosis: Diagnosis}

export type EventSink = (event: DiagnosisEvent) => void
