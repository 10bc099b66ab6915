// The fix for a BLOCKED result: the smallest spec change that removes the blocking cause,
// verified by re-running the diagnosis on the changed specs in memory. Causes are fixed
// one at a time (a missing declaration can hide a Cedar denial of the new permit, …), up
// to a few steps; the fix is `verified` only when the final re-run says ALLOWED.

import {yamlLib} from '../core/io/lazy-yaml.js'
import type {KubeObject} from '../core/kube.js'
import type {CedarPolicyObject, LatticeService, SpecSet} from '../spec/model.js'
import {keyOf} from '../spec/model.js'
import {normalizeService} from '../spec/normalize.js'
import type {CompiledFleet} from '../pipeline/fleet.js'
import type {Diagnosis, DriftEntry, Fix, SpecChange} from './model.js'
import {consentFailure, entityUidText, findVolumeOwner, volumeEntity, volumeReferences} from '../layers/cedar/index.js'
import {missingTargetChanges} from './missing-target.js'
import {portLabel, type PairRequest} from './pair.js'

export interface Attempt {
  specs: SpecSet
  /** Policy objects evaluated as "live" (dump), if any. */
  policies?: KubeObject[]
}

export type Rerun = (attempt: Attempt) => Promise<{diagnosis: Diagnosis; fleet: CompiledFleet}>

interface Step {
  change: SpecChange
  apply?: (a: Attempt) => Attempt
}

const MAX_STEPS = 4

export async function proposeFix(first: {diagnosis: Diagnosis; fleet: CompiledFleet}, req: PairRequest, start: Attempt, rerun: Rerun): Promise<Fix | null> {
  const fix = await fixSteps(first, req, start, rerun)
  // Several ports (§10.13): each step is computed from the top-level layers, which are the
  // first blocked port's, so the fix targets the blocked ports; a re-run is verified only
  // when every port is ALLOWED. Name them.
  const ports = first.diagnosis.ports ?? []
  if (!fix || ports.length <= 1) return fix
  return {...fix, ports: ports.filter((p) => p.result.status === 'BLOCKED').map((p) => portLabel(p.port))}
}

async function fixSteps(first: {diagnosis: Diagnosis; fleet: CompiledFleet}, req: PairRequest, start: Attempt, rerun: Rerun): Promise<Fix | null> {
  if (first.diagnosis.result.status !== 'BLOCKED') return null
  const changes: SpecChange[] = []
  let current = first
  let attempt = start
  for (let i = 0; i < MAX_STEPS; i++) {
    const steps = nextSteps(current.diagnosis, current.fleet, req, attempt)
    if (steps.length === 0) break
    changes.push(...steps.map((s) => s.change))
    if (steps.some((s) => !s.apply)) {
      return {summary: summarize(changes), changes, verified: false, verification: 'needs a manual edit; not re-checked'}
    }
    for (const s of steps) attempt = s.apply!(attempt)
    current = await rerun(attempt)
    if (current.diagnosis.result.status === 'ALLOWED') return {summary: summarize(changes), changes, verified: true}
    if (current.diagnosis.result.status !== 'BLOCKED') break
  }
  if (changes.length === 0) return null
  const r = current.diagnosis.result
  return {summary: summarize(changes), changes, verified: false, verification: `after these changes: ${r.status}${r.blockedAt ? ` at ${r.blockedAt}` : ''}${r.explanation ? `. ${r.explanation}` : ''}`}
}

function nextSteps(d: Diagnosis, fleet: CompiledFleet, req: PairRequest, attempt: Attempt): Step[] {
  const at = d.result.blockedAt
  if (at === 'admission') return admissionSteps(fleet, req)
  if (at === 'cedar') return cedarSteps(fleet, req)
  if (at === 'l4' || at === 'l7') {
    if (isMissingTarget(fleet, req.target)) return missingTargetChanges(fleet, req.source, req.target).map((change) => ({change}))
    if (req.source === req.target && fleet.graph.findingsFor(req.source, req.target).some((f) => f.kind === 'self-wildcard')) return selfEdgeSteps(fleet, req.source)
    if (!fleet.graph.hasEdge(req.source, req.target)) return declarationSteps(fleet, req)
    const target = fleet.graph.node(req.target)
    if (target && target.ports.length === 0) return [portStep(fleet, req.target)]
    const asked = req.port !== undefined && /^\d+$/.test(req.port) ? Number(req.port) : undefined
    if (target && asked !== undefined && !target.ports.some((p) => p.port === asked || p.servicePort === asked)) return [portStep(fleet, req.target, asked)]
    const drifted = d.drift.filter((x) => x.layer === at && x.change !== 'unexpected')
    if (attempt.policies && drifted.length > 0) return driftSteps(d, fleet, attempt, at)
    if (attempt.policies) return foreignObjectSteps(d, at)
    return []
  }
  if (at === 'runtime') {
    const runtime = d.layers.find((l) => l.layer === 'runtime')
    // A live runtime policy that drifted and is the one doing the killing: re-apply it.
    const named = (x: {kind: string; namespace?: string; name: string}) =>
      runtime?.evidence.some((e) => e.kind === x.kind && e.name === x.name && (e.namespace ?? undefined) === x.namespace) ?? false
    if (attempt.policies && d.drift.some((x) => x.layer === 'runtime' && x.change !== 'unexpected' && named(x))) {
      return driftSteps(d, fleet, attempt, 'runtime', named)
    }
    if (req.clientBinary && runtime && runtime.summary.includes(req.clientBinary)) return clientBinarySteps(fleet, req)
  }
  return []
}

function admissionSteps(fleet: CompiledFleet, req: PairRequest): Step[] {
  for (const key of [req.source, req.target]) {
    const issue = fleet.outcomes.get(key)?.admission.errors[0]
    if (issue) {
      const svc = serviceOf(fleet.specs, key)
      return [{change: {kind: 'LatticeService', ...nsName(key), ...(svc ? {file: svc.origin.file} : {}), path: issue.path, yaml: `# ${issue.message}`}}]
    }
  }
  return []
}

function cedarSteps(fleet: CompiledFleet, req: PairRequest): Step[] {
  const permits: string[] = []
  const manual: Step[] = []
  const consent: Step[] = []
  for (const key of [req.source, req.target]) {
    const report = fleet.outcomes.get(key)?.cedar
    const refusals = consentSteps(fleet, key)
    consent.push(...refusals.steps)
    for (const denial of report?.denials ?? []) {
      // Owner consent is not a Cedar question (§3.3): a permit cannot cure it.
      if (denial.gate === 'AccessVolume' && denial.policies.length === 0 && refusals.resources.has(denial.resource)) continue
      if (denial.policies.length > 0 && /forbid/i.test(denial.reason)) {
        manual.push({change: {kind: 'CedarPolicy', namespace: 'lattice-system', name: denial.policies.join(', '), path: 'spec.policies', yaml: `# ${denial.gate} on ${denial.resource} is forbidden by ${denial.policies.join(', ')}; narrow that forbid for Lattice::Service::"${key}"`}})
        continue
      }
      permits.push(`permit (\n  principal == Lattice::Service::"${report?.principal ?? key}",\n  action == Lattice::Action::"${denial.gate}",\n  resource == ${denial.resource}\n);`)
    }
  }
  if (manual.length > 0) return [...consent, ...manual]
  if (permits.length === 0) return consent
  const name = `allow-${req.target.replace('/', '-')}-${req.source.replace('/', '-')}`.slice(0, 63).replace(/-+$/, '')
  const text = [...new Set(permits)].join('\n')
  return [...consent, {
    change: {kind: 'CedarPolicy', namespace: 'lattice-system', name, path: 'spec.policies', yaml: text},
    apply: (a) => ({...a, specs: {...a.specs, cedarPolicies: [...a.specs.cedarPolicies, cedarPolicy(name, text)]}}),
  }]
}

/**
 * A shared volume whose owner does not list the consumer in `allowedConsumers`: the fix is
 * on the owner's spec. With no owner at all it names the missing volume (a manual edit).
 */
function consentSteps(fleet: CompiledFleet, consumerKey: string): {steps: Step[]; resources: Set<string>} {
  const steps: Step[] = []
  const resources = new Set<string>()
  const consumer = serviceOf(fleet.specs, consumerKey)
  if (!consumer) return {steps, resources}
  for (const ref of volumeReferences(consumer)) {
    const refused = consentFailure(consumer, ref, fleet.specs.services)
    if (!refused) continue
    resources.add(entityUidText(volumeEntity(ref.namespace, ref.volumeId)))
    const owner = findVolumeOwner(ref, fleet.specs.services)
    if (!owner) {
      steps.push({change: {kind: 'LatticeService', ...nsName(consumerKey), file: consumer.origin.file, path: `spec.workload.resources.${ref.resourceKey}`, yaml: `# ${refused}: declare the volume (with params.size) on the service that owns it, or fix the id`}})
      continue
    }
    const [ownerKey, entry] = [keyOf(owner), owner.metadata.namespace === consumer.metadata.namespace ? consumer.metadata.name : consumerKey]
    const resourceKey = Object.entries(owner.spec.workload.resources).find(([, r]) => r.type === 'volume' && r.id === ref.volumeId && r.params?.size !== undefined)![0]
    const current = (owner.spec.workload.resources[resourceKey].params?.allowedConsumers as unknown[] | undefined)?.map(String) ?? []
    steps.push({
      change: {kind: 'LatticeService', ...nsName(ownerKey), file: owner.origin.file, path: `spec.workload.resources.${resourceKey}.params.allowedConsumers`, yaml: `[${[...current, entry].join(', ')}]`},
      apply: (a) => patchService(a, ownerKey, (raw) => {
        const params = (((raw.spec.workload.resources[resourceKey] ??= {}) as any).params ??= {})
        params.allowedConsumers = [...(Array.isArray(params.allowedConsumers) ? params.allowedConsumers : []), entry]
      }),
    })
  }
  return {steps, resources}
}

function declarationSteps(fleet: CompiledFleet, req: PairRequest): Step[] {
  const graph = fleet.graph
  const steps: Step[] = []
  const a = nsName(req.source)
  const b = nsName(req.target)
  const declaresOutbound = (graph.node(req.source)?.member.spec.dependencies ?? []).some((d) => d.namespace === b.namespace && d.name === b.name)
  const callee = graph.node(req.target)
  const allows = Boolean(callee && (callee.allowsAll || callee.allowedCallers.some((c) => c.name === a.name && c.namespace === a.namespace)))
  if (!allows) steps.push(declareStep(fleet, req.target, a, 'inbound'))
  if (!declaresOutbound) steps.push(declareStep(fleet, req.source, b, 'outbound'))
  return steps
}

function declareStep(fleet: CompiledFleet, owner: string, peer: {namespace: string; name: string}, direction: 'inbound' | 'outbound'): Step {
  const svc = serviceOf(fleet.specs, owner)
  const o = nsName(owner)
  if (!svc) {
    const field = direction === 'inbound' ? 'allowedCallers' : 'dependencies'
    return {change: {kind: 'Cluster', ...o, path: `LatticeMeshMember spec.${field}`, yaml: `- {name: ${peer.name}, namespace: ${peer.namespace}}`}}
  }
  const existing = svc.spec.workload.resources
  let key = peer.name
  if (existing[key]) key = `${peer.name}-${peer.namespace}`.slice(0, 63)
  const body: Record<string, string> = {type: 'service', direction}
  if (peer.namespace !== o.namespace) body.namespace = peer.namespace
  if (key !== peer.name) body.id = peer.name
  const yaml = `${key}: {${Object.entries(body).map(([k, v]) => `${k}: ${v}`).join(', ')}}`
  return {
    change: {kind: 'LatticeService', ...o, file: svc.origin.file, path: 'spec.workload.resources', yaml},
    apply: (a) => patchService(a, owner, (raw) => {
      const workload = ((raw.spec ??= {}).workload ??= {})
      workload.resources = {...(workload.resources ?? {}), [key]: body}
    }),
  }
}

/**
 * A member calling itself, where a wildcard seemed to cover it (§4.5, §4.9): a service
 * declares itself with direction both; a mesh member sets allowPeerTraffic.
 */
function selfEdgeSteps(fleet: CompiledFleet, key: string): Step[] {
  const o = nsName(key)
  const svc = serviceOf(fleet.specs, key)
  if (!svc) return [{change: {kind: 'Cluster', ...o, path: 'LatticeMeshMember spec', yaml: 'allowPeerTraffic: true'}}]
  const existing = svc.spec.workload.resources[o.name]
  const body: Record<string, string> = {type: 'service', direction: 'both'}
  const resourceKey = existing && !(existing.type === 'service' && existing.id === undefined) ? `${o.name}-self` : o.name
  if (resourceKey !== o.name) body.id = o.name
  return [{
    change: {kind: 'LatticeService', ...o, file: svc.origin.file, path: 'spec.workload.resources', yaml: `${resourceKey}: {${Object.entries(body).map(([k, v]) => `${k}: ${v}`).join(', ')}}`},
    apply: (a) => patchService(a, key, (raw) => {
      const workload = ((raw.spec ??= {}).workload ??= {})
      workload.resources = {...(workload.resources ?? {}), [resourceKey]: body}
    }),
  }]
}

/** No ports at all: an `http` port to fill in. A port asked for (`--port N`): that one. */
function portStep(fleet: CompiledFleet, owner: string, asked?: number): Step {
  const svc = serviceOf(fleet.specs, owner)
  const o = nsName(owner)
  const [name, port] = asked === undefined ? ['http', 8080] : [`port-${asked}`, asked]
  const yaml = asked === undefined ? 'http: {port: 8080}   # the port the container listens on' : `${name}: {port: ${port}}   # only if the container listens on ${port}`
  return {
    change: {kind: 'LatticeService', ...o, ...(svc ? {file: svc.origin.file} : {}), path: 'spec.workload.service.ports', yaml},
    apply: svc ? (a) => patchService(a, owner, (raw) => {
      const workload = ((raw.spec ??= {}).workload ??= {})
      const service = (workload.service ??= {})
      service.ports = {...(service.ports && typeof service.ports === 'object' && !Array.isArray(service.ports) ? service.ports : {}), [name]: {port}}
    }) : undefined,
  }
}

function clientBinarySteps(fleet: CompiledFleet, req: PairRequest): Step[] {
  const svc = serviceOf(fleet.specs, req.source)
  const bin = req.clientBinary!
  if (!svc) return []
  const [container] = Object.keys(svc.spec.workload.containers)
  const current = svc.spec.workload.containers[container]?.security.allowedBinaries ?? []
  const policyName = `allow-binary-${req.source.replace('/', '-')}`.slice(0, 63)
  const text = `permit (\n  principal == Lattice::Service::"${req.source}",\n  action == Lattice::Action::"OverrideSecurity",\n  resource == Lattice::SecurityOverride::"allowedBinary:${bin}"\n);`
  return [
    {
      change: {kind: 'LatticeService', ...nsName(req.source), file: svc.origin.file, path: `spec.workload.containers.${container}.security.allowedBinaries`, yaml: `[${[...current, bin].join(', ')}]`},
      apply: (a) => patchService(a, req.source, (raw) => {
        const c = raw.spec?.workload?.containers
        const entry = Array.isArray(c) ? c.find((x: any) => x?.name === container) : c?.[container]
        if (!entry) return
        const sec = entry.security ?? entry.securityContext ?? (entry.security = {})
        sec.allowedBinaries = [...new Set([...(sec.allowedBinaries ?? []), bin])]
      }),
    },
    {
      change: {kind: 'CedarPolicy', namespace: 'lattice-system', name: policyName, path: 'spec.policies', yaml: text},
      apply: (a) => ({...a, specs: {...a.specs, cedarPolicies: [...a.specs.cedarPolicies, cedarPolicy(policyName, text)]}}),
    },
  ]
}

function driftSteps(d: Diagnosis, fleet: CompiledFleet, attempt: Attempt, layer: string, relevant: (x: DriftEntry) => boolean = () => true): Step[] {
  const expected = [...fleet.baseline.l4, ...fleet.resources.l4, ...fleet.baseline.l7, ...fleet.resources.l7, ...fleet.baseline.runtime, ...fleet.resources.runtime]
  const wanted = d.drift.filter((x) => x.layer === layer && x.change !== 'unexpected' && relevant(x))
  const objects = wanted
    .map((w) => expected.find((o) => o.kind === w.kind && o.metadata.name === w.name && (o.metadata.namespace ?? undefined) === w.namespace))
    .filter((o): o is KubeObject => o !== undefined)
  if (objects.length === 0) return []
  return objects.map((obj) => ({
    change: {kind: 'Cluster', ...(obj.metadata.namespace ? {namespace: obj.metadata.namespace} : {}), name: `${obj.kind} ${obj.metadata.name}`, path: 're-apply (the platform controller should have written it; check its logs)', yaml: yamlLib().stringify(obj)},
    apply: (a: Attempt) => ({
      ...a,
      policies: [...(a.policies ?? []).filter((o) => !(o.kind === obj.kind && o.metadata.name === obj.metadata.name && o.metadata.namespace === obj.metadata.namespace)), obj],
    }),
  }))
}

/**
 * An object the specs do not produce is what blocks (a hand-written deny, a stray
 * policy): suggest removing it, verified on the dump without it. Never applied for the
 * user; someone may own it.
 */
function foreignObjectSteps(d: Diagnosis, layer: 'l4' | 'l7'): Step[] {
  const blocking = d.layers.find((l) => l.layer === layer)
  const named = (x: DriftEntry) => blocking?.evidence.some((e) => e.kind === x.kind && e.name === x.name && (e.namespace ?? undefined) === x.namespace) ?? false
  return d.drift.filter((x) => x.layer === layer && x.change === 'unexpected' && named(x)).map((x) => ({
    change: {
      kind: 'Cluster' as const,
      ...(x.namespace ? {namespace: x.namespace} : {}),
      name: `${x.kind} ${x.name}`,
      path: `remove or narrow (${x.detail ?? 'not derived from the specs'}; check who owns it first)`,
      yaml: `# kubectl delete ${x.kind.toLowerCase()} ${x.name}${x.namespace ? ` -n ${x.namespace}` : ''}`,
    },
    apply: (a: Attempt) => ({...a, policies: (a.policies ?? []).filter((o) => !(o.kind === x.kind && o.metadata.name === x.name && (o.metadata.namespace ?? undefined) === x.namespace))}),
  }))
}

// --- helpers ---------------------------------------------------------------------------

/** B is the placeholder of a declared callee that does not exist (§10.16). */
function isMissingTarget(fleet: CompiledFleet, key: string): boolean {
  return !fleet.graph.node(key) && !fleet.outcomes.has(key)
}


export function patchService(a: Attempt, key: string, mutate: (raw: any) => void): Attempt {
  const services = a.specs.services.map((s) => {
    if (keyOf(s) !== key) return s
    const raw = structuredClone(s.raw) as any
    mutate(raw)
    return normalizeService(raw, s.origin)
  })
  return {...a, specs: {...a.specs, services}}
}

export function cedarPolicy(name: string, text: string): CedarPolicyObject {
  const raw: KubeObject = {apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy', metadata: {name, namespace: 'lattice-system'}, spec: {policies: text}}
  return {kind: 'CedarPolicy', metadata: {name, namespace: 'lattice-system'}, spec: {priority: 0, enabled: true, propagate: true, policies: text}, origin: {file: '(fix)', index: 0}, raw}
}

function serviceOf(specs: SpecSet, key: string): LatticeService | undefined {
  return specs.services.find((s) => keyOf(s) === key)
}

function nsName(key: string): {namespace: string; name: string} {
  return {namespace: key.slice(0, key.indexOf('/')), name: key.slice(key.indexOf('/') + 1)}
}

function summarize(changes: SpecChange[]): string {
  return changes.map((c) => {
    if (c.kind === 'LatticeService') return `${c.yaml.startsWith('#') ? 'edit' : 'add to'} ${c.name} ${c.path}: ${c.yaml.split('\n')[0]}`
    if (c.kind === 'CedarPolicy') return `add a CedarPolicy ${c.name} in lattice-system`
    return `${c.path.startsWith('re-apply') ? 're-apply' : c.path.startsWith('create') ? 'or create' : 'change'} ${c.name}${c.namespace ? ` in ${c.namespace}` : ''}`
  }).join('; ')
}
