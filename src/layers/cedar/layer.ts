// The Cedar line of the connectivity report (LATTICE-SPEC §3.7, §9.2 step 3): DENY when
// any enforced gate of the services involved denies, naming the failure and the policy.

import {CEDAR_POLICY_NAMESPACE} from '../../core/constants.js'
import {type Evidence, type LayerResult, layerResult} from '../../core/result.js'
import {GATE_ORDER, INFORMATIONAL_GATES} from './gates.js'
import {denialPhrase} from './messages.js'
import {type CedarPolicySet, schemaWarnings} from './policy-set.js'
import type {CedarDecision, CedarServiceReport} from './service.js'

export function cedarLayer(reports: CedarServiceReport[], set: CedarPolicySet): LayerResult {
  const many = reports.length > 1
  const tag = (r: CedarServiceReport, text: string) => (many ? `${r.service}: ${text}` : text)
  const objectOf = new Map(set.policies.map((p) => [p.id, p.object]))

  const warnings: string[] = [
    ...set.skipped.map((s) => `CedarPolicy ${s.name} skipped: it does not parse (${s.reason}); none of its policies apply`),
    ...set.notes,
    // The schema lint costs ~0.4 s of WASM; it matters when a permit did not apply (a
    // mistyped attribute), so it runs only when something is denied. `compile` always shows it.
    ...(reports.some((r) => !r.permitted) ? schemaWarnings(set) : []),
    ...reports.flatMap((r) => r.warnings.map((w) => tag(r, w))),
  ]

  const evidence: Evidence[] = []
  const seenEvidence = new Set<string>()
  for (const r of reports) {
    for (const d of r.decisions) {
      if (!d.enforced) continue
      for (const id of d.policies) {
        const detail = `${id} ${d.allowed ? 'permits' : 'forbids'} ${d.gate} on ${d.resource}`
        if (seenEvidence.has(detail)) continue
        seenEvidence.add(detail)
        evidence.push({kind: 'CedarPolicy', namespace: CEDAR_POLICY_NAMESPACE, name: objectOf.get(id) ?? id, detail, source: 'policy'})
      }
    }
  }

  const reasons: string[] = []
  const denied = reports.filter((r) => !r.permitted)
  for (const r of denied) {
    for (const f of r.failures) reasons.push(tag(r, f.gate === r.firstFailingGate ? `${f.message} (reported first by upstream)` : f.message))
    for (const d of r.denials) if (d.policies.length > 0) reasons.push(tag(r, `${d.gate} on ${d.resource} forbidden by ${d.policies.map((p) => `policy ${p}`).join(', ')}`))
  }
  if (denied.length > 0) for (const s of set.skipped) reasons.push(`CedarPolicy ${s.name} was skipped (parse error), so its permits do not apply`)
  for (const r of reports) {
    for (const d of r.decisions) if (INFORMATIONAL_GATES.has(d.gate) && !d.allowed) reasons.push(tag(r, `informational, not enforced: ${phrase(d)}`))
  }

  if (denied.length > 0) {
    const summary = denied.flatMap((r) => r.denials.map((d) => tag(r, phrase(d)))).join('; ')
    return layerResult('cedar', 'DENY', summary, {reasons, evidence, warnings})
  }
  const gates = GATE_ORDER.filter((g) => !INFORMATIONAL_GATES.has(g) && reports.some((r) => r.decisions.some((d) => d.gate === g)))
  const permitted = gates.length > 0 ? gates.map((g) => `${g} permitted`).join(', ') : 'no gated requests'
  const serviceWarnings = reports.flatMap((r) => r.warnings.map((w) => tag(r, w)))
  if (serviceWarnings.length > 0) return layerResult('cedar', 'WARN', `${permitted}; ${serviceWarnings[0]}`, {reasons, evidence, warnings})
  return layerResult('cedar', 'PASS', permitted, {reasons, evidence, warnings})
}

function phrase(d: CedarDecision): string {
  return denialPhrase(d.gate, d.resourceId, d.reason, d.container)
}
