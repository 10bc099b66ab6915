// The Admission line of a diagnosis (LATTICE-SPEC §9.2 step 2): spec files that fail are
// FAIL (the result is BLOCKED at admission); live objects that fail today's rules are WARN,
// because the webhook admitted them earlier and they are running.

import type {Evidence, LayerResult} from '../../core/result.js'
import {layerResult} from '../../core/result.js'
import {formatIssue, type AdmissionIssue, type AdmissionReport} from './issues.js'

export function admissionLayer(reports: AdmissionReport[], mode: 'file' | 'live'): LayerResult {
  const warnings = reports.flatMap((r) => r.warnings.map(formatIssue))
  const invalid = reports.filter((r) => r.errors.length > 0)
  if (invalid.length === 0) return layerResult('admission', 'PASS', 'spec valid', {warnings})
  const first = invalid[0].errors[0]
  const errors = invalid.flatMap((r) => r.errors.map((issue) => ({report: r, issue})))
  return layerResult('admission', mode === 'file' ? 'FAIL' : 'WARN', mode === 'file' ? first.message : `${first.message}; admitted earlier, fails today's rules`, {
    reasons: errors.map(({issue}) => formatIssue(issue)),
    evidence: errors.map(({report, issue}) => evidenceOf(report, issue)),
    warnings,
  })
}

function evidenceOf(report: AdmissionReport, issue: AdmissionIssue): Evidence {
  const slash = report.object.indexOf('/')
  return {
    kind: report.kind,
    namespace: report.object.slice(0, slash),
    name: report.object.slice(slash + 1),
    detail: issue.path,
    source: 'admission',
  }
}
