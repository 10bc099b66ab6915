// Admission findings: one per violated rule, located by file, object and field path.

import {joinPath, type PathPart} from '../../spec/fieldPath.js'

export interface AdmissionIssue {
  /** `A1`..`A30`, `parse` (other deserialization errors), `M1`/`M2` (mesh-member target), `W1`..`W5` (§2.4 warnings). */
  rule: string
  message: string
  file: string
  /** `ns/name` */
  object: string
  /** e.g. `spec.workload.containers.main.command[0]` */
  path: string
}

export interface AdmissionReport {
  object: string
  kind: 'LatticeService' | 'LatticeMeshMember'
  /** Every violation, in the order the webhook finds them: the first one is its rejection. */
  errors: AdmissionIssue[]
  /** §2.4 accepted-but-suspicious findings. */
  warnings: AdmissionIssue[]
}

/** `<file>: <ns/name>: <path>: <message>` */
export function formatIssue(i: AdmissionIssue): string {
  return [i.file, i.object, i.path, i.message].filter((p) => p !== '').join(': ')
}

/** Collects issues for one object. */
export class IssueSink {
  readonly issues: AdmissionIssue[] = []
  constructor(private readonly file: string, private readonly object: string) {}

  add(rule: string, path: readonly PathPart[], message: string): void {
    this.issues.push({rule, message, file: this.file, object: this.object, path: joinPath(path)})
  }
}

/** Numeric part of a rule id, for ordering semantic rules as numbered in §2.2. */
export function ruleNumber(rule: string): number {
  const n = Number(rule.replace(/^[A-Z]+/, ''))
  return Number.isFinite(n) ? n : 0
}
