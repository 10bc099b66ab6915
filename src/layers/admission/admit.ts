// The admission webhook, re-run by the CLI (LATTICE-SPEC §2.1): system-namespace check,
// typed parse, semantic validation; on the RAW object, because that is what the webhook
// sees. All violations are collected (for `platform validate`); the first is the rejection.

import {isRecord, type Json} from '../../spec/coerce.js'
import type {LatticeMeshMember, LatticeService, SpecSet} from '../../spec/model.js'
import {canonicalizeSeedShape} from '../../spec/seedShape.js'
import {containerRules} from './containerRules.js'
import {DNS_LABEL_HINT, isDnsLabel} from './grammar.js'
import {IssueSink, ruleNumber, type AdmissionIssue, type AdmissionReport} from './issues.js'
import {resourceRules} from './resourceRules.js'
import {LATTICE_SERVICE_SHAPE, MESH_MEMBER_SHAPE} from './schema.js'
import {checkShape} from './serde.js'
import {serviceRules} from './serviceRules.js'
import {serviceWarnings} from './warnings.js'

export interface AdmissionOptions {
  /** System namespaces (§5.2) in which workload CRDs are rejected (A1). */
  exemptNamespaces: string[]
}

type Admitted = LatticeService | LatticeMeshMember

export function admitService(svc: LatticeService, opts: AdmissionOptions): AdmissionReport {
  return admit(svc, opts, (raw, errors, warnings) => {
    // Offline files may use the §1.11 seed shape; the loader read them in CRD shape, so
    // admission judges that same shape (paths then name map keys, e.g. containers.main).
    const spec = svc.origin.file === 'cluster' ? raw.spec : canonicalizeSeedShape(raw.spec).spec
    checkShape({...raw, spec}, LATTICE_SERVICE_SHAPE, [], errors, 'failed to deserialize LatticeService: ')
    if (!isRecord(spec)) return
    const semantic = new IssueSink(svc.origin.file, objectOf(svc))
    containerRules(spec, semantic)
    serviceRules(spec, semantic)
    resourceRules(spec, semantic)
    // Semantic findings in §2.2 rule order (stable within a rule: written order).
    errors.issues.push(...[...semantic.issues].sort((a, b) => ruleNumber(a.rule) - ruleNumber(b.rule)))
    serviceWarnings(spec, warnings)
  })
}

export function admitMeshMember(m: LatticeMeshMember, opts: AdmissionOptions): AdmissionReport {
  return admit(m, opts, (raw, errors) => {
    const prefix = 'failed to deserialize LatticeMeshMember: '
    checkShape(raw, MESH_MEMBER_SHAPE, [], errors, prefix)
    const spec = isRecord(raw.spec) ? raw.spec : undefined
    if (!spec) return
    const target = isRecord(spec.target) ? spec.target : undefined
    if (target) {
      const set = ['selector', 'namespace'].filter((k) => target[k] !== undefined && target[k] !== null)
      if (set.length !== 1) errors.add('parse', ['spec', 'target'], `${prefix}target must specify exactly one of selector or namespace`)
    }
    if (Array.isArray(spec.ports)) {
      spec.ports.forEach((p, i) => {
        if (isRecord(p) && typeof p.name === 'string' && !isDnsLabel(p.name)) {
          errors.add('A13', ['spec', 'ports', i, 'name'], `port name '${p.name}' is not a valid DNS label (${DNS_LABEL_HINT})`)
        }
      })
    }
    if (target && typeof target.namespace === 'string' && target.namespace.trim() === '') {
      errors.add('M1', ['spec', 'target', 'namespace'], 'target namespace cannot be empty')
    }
    if (target && isRecord(target.selector)) {
      const keys = Object.keys(target.selector)
      if (keys.length === 0) errors.add('M2', ['spec', 'target', 'selector'], 'target selector must have at least one label')
      else if (keys.some((k) => k.trim() === '')) errors.add('M2', ['spec', 'target', 'selector'], 'target selector label keys cannot be empty')
    }
  })
}

/** Admission of every service and operator-written mesh member in a SpecSet (`platform validate`). */
export function admitSpecSet(set: SpecSet, opts: AdmissionOptions): AdmissionReport[] {
  return [
    ...set.services.map((s) => admitService(s, opts)),
    ...set.meshMembers.filter((m) => !m.derived).map((m) => admitMeshMember(m, opts)),
  ]
}

/** Only the errors of one service, all of them (not only the webhook's first). */
export function validateService(svc: LatticeService, opts: AdmissionOptions): AdmissionIssue[] {
  return admitService(svc, opts).errors
}

function objectOf(o: Admitted): string {
  return `${o.metadata.namespace}/${o.metadata.name}`
}

function admit(o: Admitted, opts: AdmissionOptions, body: (raw: Json, errors: IssueSink, warnings: IssueSink) => void): AdmissionReport {
  const object = objectOf(o)
  const errors = new IssueSink(o.origin.file, object)
  const warnings = new IssueSink(o.origin.file, object)
  const report = (): AdmissionReport => ({object, kind: o.kind, errors: errors.issues, warnings: warnings.issues})
  const raw = o.raw as unknown
  if (!isRecord(raw)) {
    errors.add('A2', [], 'no object in admission request')
    return report()
  }
  // Before parsing: the namespace the object is stored in (the loader defaults a missing one).
  const metadata = isRecord(raw.metadata) ? raw.metadata : {}
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : o.metadata.namespace
  if (opts.exemptNamespaces.includes(namespace)) {
    errors.add('A1', ['metadata', 'namespace'], `workload CRDs cannot be deployed in system namespace '${namespace}'`)
  }
  body(raw, errors, warnings)
  return report()
}
