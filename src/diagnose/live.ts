// `platform debug connectivity` against a live cluster (§9.2): parallel read-only reads,
// expected objects recompiled from the live LatticeServices (or --specs files that test a
// change before it is applied), the layer evaluators on the LIVE objects, drift against
// the expected ones, and live evidence attached to its layer.

import {defaultCompileOptions, type CompileOptions} from '../core/constants.js'
import {InputError} from '../core/errors.js'
import {spiffeId} from '../core/query.js'
import {connect, readPairState, type ConnectOptions, type PairState} from '../cluster/index.js'
import {pairRealizedState} from '../cluster/index.js'
import {loadSpecs} from '../spec/load.js'
import {compileFleet} from '../pipeline/fleet.js'
import {computeDrift} from './drift.js'
import {proposeFix} from './fix.js'
import {annotateWithEvidence, gatherEvidence, tetragonEvents, type EvidenceBundle, type EvidenceOptions} from './live-evidence.js'
import {enforcementMode, isReadyPod, liveExemptNamespaces, liveSpecs, liveViews, resolveTrustDomain, waypointName, waypointOf, withLivePods} from './live-state.js'
import type {Diagnosis, EventSink} from './model.js'
import {compiledView, evaluatePair, type LiveFacts, type PairRequest} from './pair.js'
import {pairScope} from './offline.js'

export interface LiveRequest {
  source: string
  target: string
  namespace?: string
  port?: string
  clientBinary?: string
  method?: string
  path?: string
  specPaths: string[]
  profile: CompileOptions['profile']
  trustDomain?: string
  connect: ConnectOptions
  evidence: Omit<EvidenceOptions, 'timeoutMs'> & {enabled: boolean}
  emit?: EventSink
}

export async function diagnoseLive(req: LiveRequest): Promise<Diagnosis> {
  const cluster = await connect(req.connect)
  const defaultNs = req.namespace ?? cluster.namespace
  const [source, target] = [split(req.source, defaultNs, 'source'), split(req.target, defaultNs, 'target')]
  const state = await readPairState(cluster, {source, target, since: req.evidence.sinceSeconds}, (e) => req.emit?.(e))
  const files = req.specPaths.length > 0 ? await loadSpecs(req.specPaths) : undefined
  const {specs, problems} = liveSpecs(state, files)
  const sKey = `${source.namespace}/${source.name}`
  const tKey = `${target.namespace}/${target.name}`
  const known = new Set([...specs.services, ...specs.meshMembers].map((o) => `${o.metadata.namespace}/${o.metadata.name}`))
  for (const [key, role] of [[sKey, 'source'], [tKey, 'target']] as const) {
    if (!known.has(key)) {
      const why = problems.length ? `; ${problems.join('; ')}` : ''
      throw new InputError(`${role} '${key}': no LatticeService or LatticeMeshMember of that name in the cluster${req.specPaths.length ? ' or in --specs' : ''}${why}`)
    }
  }

  const {view, unavailable, notes} = liveViews(state)
  const td = resolveTrustDomain(req.trustDomain, state, view.l7)
  const exempt = liveExemptNamespaces(state)
  const options = defaultCompileOptions({profile: req.profile, trustDomain: td.trustDomain, ...(exempt ? {exemptNamespaces: exempt} : {})})
  const fleet = await compileFleet(specs, options, {only: pairScope(specs, [sKey, tKey])})
  const pair: PairRequest = {
    source: sKey, target: tKey,
    ...(req.port !== undefined ? {port: req.port} : {}),
    ...(req.clientBinary ? {clientBinary: req.clientBinary} : {}),
    ...(req.method ? {method: req.method} : {}),
    ...(req.path ? {path: req.path} : {}),
  }

  const podsA = state.podsA.ok ? state.podsA.items : []
  const podsB = state.podsB.ok ? state.podsB.items : []
  const wpName = waypointName(state)
  const wpPods = wpName ? await cluster.pods(target.namespace, {labelSelector: `gateway.networking.k8s.io/gateway-name=${wpName}`}) : undefined
  const waypoint = wpName && wpPods ? waypointOf(wpName, target.namespace, wpPods) : null

  const warnings: string[] = [...notes]
  if (td.source.startsWith('default')) warnings.push(`trust domain not found in the cluster (Istio mesh config, policy principals); assumed ${td.trustDomain} — pass --trust-domain if it differs`)
  if (problems.length) warnings.push(...problems.map((p) => `specs incomplete: ${p}`))
  if (!state.podsB.ok) warnings.push(`pods of ${tKey}: ${state.podsB.reason}`)
  else if (podsB.length === 0) warnings.push(`${tKey} has no pods: nothing can serve the traffic`)
  warnings.push(...realizedWarnings(state))

  let evidence: EvidenceBundle = {}
  if (req.evidence.enabled) {
    const srcSa = (podsA[0]?.spec?.serviceAccountName as string | undefined) ?? source.name
    const dstSa = (podsB[0]?.spec?.serviceAccountName as string | undefined) ?? target.name
    evidence = await gatherEvidence(cluster, state, {
      srcIdentity: spiffeId(td.trustDomain, source.namespace, srcSa),
      dstIdentity: spiffeId(td.trustDomain, target.namespace, dstSa),
      podsA, podsB,
      ...(waypoint && wpPods?.ok ? {waypoint: {namespace: target.namespace, name: waypoint.name, pods: wpPods.items}} : {}),
    }, {...req.evidence, timeoutMs: req.connect.requestTimeoutMs ?? 10_000}, req.emit)
  }

  const events = tetragonEvents(evidence)
  const live: LiveFacts = {
    admissionMode: 'live',
    unavailable,
    waypoint,
    ...(enforcementMode(state) ? {enforcementMode: enforcementMode(state)!} : {}),
    ...(state.podsB.ok ? {targetReady: podsB.some(isReadyPod)} : {}),
    ...(events ? {events} : {}),
    refineWorkload: (w, role) => withLivePods(w, role === 'source' ? state.podsA : state.podsB, state.namespaces[role === 'source' ? source.namespace : target.namespace]),
    annotate: annotateWithEvidence(evidence, warnings),
    warnings,
  }
  const expected = [...compiledView(fleet).l4, ...compiledView(fleet).l7, ...compiledView(fleet).runtime]
  const liveObjects = [...view.l4, ...view.l7, ...view.runtime]
  const drift = computeDrift(expected, liveObjects).filter((d) => !unavailable[d.layer])
  const first = evaluatePair(fleet, pair, view, drift, live, req.emit)
  // A fix is a spec change: verified against what the platform will compile from it.
  const fix = await proposeFix({diagnosis: first, fleet}, pair, {specs}, async (a) => {
    const f = await compileFleet(a.specs, options, {only: pairScope(a.specs, [sKey, tKey])})
    return {diagnosis: evaluatePair(f, pair, compiledView(f)), fleet: f}
  })
  const diagnosis: Diagnosis = {...first, policySource: 'cluster', fix}
  req.emit?.({type: 'diagnosis', diagnosis})
  return diagnosis
}

function split(ref: string, defaultNs: string, role: string): {namespace: string; name: string} {
  if (!ref.includes('/')) return {namespace: defaultNs, name: ref}
  const [namespace, name, extra] = ref.split('/')
  if (!namespace || !name || extra !== undefined) throw new InputError(`${role} '${ref}': expected <namespace>/<name> or <name>`)
  return {namespace, name}
}

function realizedWarnings(state: PairState): string[] {
  const out: string[] = []
  const r = pairRealizedState(state)
  for (const f of [...r.source, ...r.target]) {
    if (f.severity === 'info') continue
    out.push(`realized state (L4): pod ${f.namespace}/${f.pod}: ${f.detail}`)
  }
  return out
}
