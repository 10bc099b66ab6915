// What the TUI needs from a diagnosis backend. The command builds one (offline from spec
// files, or live against a cluster); tests build scripted ones. The TUI only renders what a
// session returns: no verdict is computed in a component.

import type {KubeObject} from '../../core/kube.js'
import type {Diagnosis, EventSink} from '../../diagnose/model.js'
import type {WatchRecord} from '../../diagnose/watch.js'

export interface Endpoint {
  namespace: string
  name: string
  kind: 'LatticeService' | 'LatticeMeshMember'
  /** Port names of its Service (empty when unknown). */
  ports: string[]
}

export interface PairChoice {
  source: string
  target: string
  port?: string
}

/** One diagnosis run and what it evaluated (for the drill-down and the what-if). */
export interface RunOutcome {
  diagnosis: Diagnosis
  /** The objects the specs compile to. */
  expected: KubeObject[]
  /** The live (or dumped) objects that were evaluated, when not the compiled ones. */
  live?: KubeObject[]
  /** The diagnosis re-run with the proposed fix applied in memory (the fix verification). */
  afterFix?: Diagnosis
}

/** A proposed edit of one file: its text before and after. */
export interface FileEdit {
  file: string
  before: string
  after: string
  /** False: shown only (a live spec, or a change the CLI cannot place). */
  writable: boolean
  note?: string
}

export interface WatchHandle {
  stop(): void
}

export interface TuiSession {
  mode: 'offline' | 'live'
  /** Every service and mesh member to pick from. */
  endpoints(): Promise<Endpoint[]>
  diagnose(pair: PairChoice, emit: EventSink): Promise<RunOutcome>
  /** The fix as file edits (diffs); never writes. */
  fixEdits(outcome: RunOutcome): Promise<FileEdit[]>
  /** Writes the edits to disk (offline only); returns the files written. */
  writeEdits?(edits: FileEdit[]): Promise<string[]>
  /** Follows new denials for the pair (live only). */
  watch?(pair: PairChoice, onRecord: (r: WatchRecord) => void, onError: (source: string, reason: string) => void): WatchHandle
}
