// `platform debug connectivity` against a live cluster (§9.2): parallel read-only reads,
// expected objects recompiled from the live LatticeServices (or --specs files that test a
// change before it is applied), the layer evaluators on the LIVE objects, drift against
// the expected ones, and live evidence attached to its layer.

import {defaultCompileOptions, GATEWAY_NAME_LABEL, MESH_ROOT_NAMESPACE, type CompileOptions} from '../core/constants.js'
import {InconclusiveError, InputError} from '../core/errors.js'
import {spiffeId} from '../core/query.js'
import {connect, startPairState, type Cluster, type ConnectOptions, type PairState, type PendingPairState} from '../cluster/index.js'
import {pairRealizedState} from '../cluster/index.js'
import {annotateWithEvidence, evidenceNotAsked, evidenceWarnings, listEvidenceAgents, openRelayEarly, startEvidence, tetragonEvents, type EvidenceBundle, type EvidenceOptions} from './live-evidence.js'
import type {Diagnosis, EventSink} from './model.js'
import type {KubeObject} from '../core/kube.js'
import type {LiveFacts, PairRequest} from './pair.js'
import type {RunObserver} from './offline.js'
import type {ReachabilityRow} from './reachability.js'
import {ok, type ReadResult} from '../cluster/index.js'
import type {SpecSet} from '../spec/model.js'
import type {RelayReader} from '../layers/cilium/hubble/relay-read.js'
import {startPolicyParser, type PolicyParser} from '../layers/cedar/parse-offthread.js'

/**
 * What the diagnosis needs once the reads are in (spec loading, the compile pipeline, the
 * evaluators): imported while the first requests are on the wire, not before them.
 */
async function diagnosisModules() {
  const [load, state, fleet, drift, fix, pair, offline, names, reachability, graph, model, policySet] = await Promise.all([
    import('../spec/load.js'), import('./live-state.js'), import('../pipeline/fleet.js'), import('./drift.js'), import('./fix.js'),
    import('./pair.js'), import('./offline.js'), import('./names.js'), import('./reachability.js'), import('../graph/index.js'), import('../spec/model.js'),
    import('../layers/cedar/policy-set.js'),
  ])
  return {
    loadSpecs: load.loadSpecs, compileFleet: fleet.compileFleet, computeDrift: drift.computeDrift, proposeFix: fix.proposeFix,
    compiledView: pair.compiledView, evaluatePair: pair.evaluatePair, dumpView: offline.dumpView, pairScope: offline.pairScope,
    declaredDependencies: names.declaredDependencies, knownMemberKeys: names.knownMemberKeys, unknownServiceError: names.unknownServiceError,
    declaredBetween: reachability.declaredBetween, noSuchPortRow: reachability.noSuchPortRow, rowOf: reachability.rowOf, sortRows: reachability.sortRows,
    deriveMeshMember: graph.deriveMeshMember, keyOf: model.keyOf,
    dnsCaptureWarning: state.dnsCaptureWarning, enforcementMode: state.enforcementMode, isReadyPod: state.isReadyPod, liveExemptNamespaces: state.liveExemptNamespaces,
    liveSpecs: state.liveSpecs, liveViews: state.liveViews, meshRootNamespace: state.meshRootNamespace, resolveTrustDomain: state.resolveTrustDomain,
    waypointNameOf: state.waypointNameOf, waypointOf: state.waypointOf, withLivePods: state.withLivePods, targetAddressesOf: state.targetAddressesOf,
    cedarPolicySet: {setParsedPolicySource: policySet.setParsedPolicySource},
  }
}

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
  /** An open connection to reuse (a triage shares one, with its reads cached, across many pairs). */
  cluster?: Cluster
  /** Sees every run (the first, then each fix re-run) with the objects it evaluated: the TUI's drill-down and what-if. */
  observe?: RunObserver
  /** The pair as the cluster resolved it, for following its evidence afterwards (watch mode). */
  onPair?: (pair: LivePair) => void
}

export interface LivePair {
  cluster: Cluster
  source: string
  target: string
  podsA: KubeObject[]
  podsB: KubeObject[]
  srcIdentity: string
  dstIdentity: string
  namespaces: string[]
  waypoint?: {namespace: string; name: string; pods: KubeObject[]}
}

export async function diagnoseLive(req: LiveRequest): Promise<Diagnosis> {
  // Hubble's reader (a worker thread when built) starts before the kubeconfig is even read;
  // a diagnosis that fails before its evidence is read ends it (the read closes it otherwise).
  const relay = req.evidence.enabled ? openRelayEarly({...req.evidence, timeoutMs: req.connect.requestTimeoutMs ?? 10_000}) : undefined
  // Cedar's policy parse is shared with a worker thread too (built CLI only; see
  // parse-offthread.ts) when a core is free beside this thread and the Hubble worker, for a
  // pair on its own connection: a triage's many pairs (a shared cluster) parse inline.
  const cedarParser = req.cluster ? undefined : startPolicyParser({services: PAIR_SERVICES}, relay ? 2 : 1)
  try {
    return await diagnoseLiveWith(req, relay, cedarParser)
  } catch (error) {
    void relay?.then((r) => r.close(), () => undefined)
    throw error
  } finally {
    cedarParser?.close()
  }
}

/** How many services a pair's compile authorizes (its scope: A and B); decides Cedar's compiler tiers. */
const PAIR_SERVICES = 2

async function diagnoseLiveWith(req: LiveRequest, relay: Promise<RelayReader> | undefined, cedarParser: PolicyParser | undefined): Promise<Diagnosis> {
  const evidenceTimeoutMs = req.connect.requestTimeoutMs ?? 10_000
  const cluster = req.cluster ?? await connect(req.connect)
  const defaultNs = req.namespace ?? cluster.namespace
  const [source, target] = [split(req.source, defaultNs, 'source'), split(req.target, defaultNs, 'target')]
  // Round trips: 1) discovery with every core read (pods, Namespaces, Services, ConfigMaps)
  // and the evidence agents' pods; 2) the CRD reads (they wait for discovery) and, as soon
  // as B's Service and Namespace are in, the waypoint's pods; 3) logs and Hubble flows.
  const started = startPairState(cluster, {source, target, since: req.evidence.sinceSeconds}, (e) => req.emit?.(e))
  const agents = req.evidence.enabled ? listEvidenceAgents(cluster, {...req.evidence, timeoutMs: evidenceTimeoutMs}, relay) : undefined
  const waypointRead = readWaypointPods(cluster, target, started.pending)
  // Parsed on the worker as soon as the CedarPolicies are in, while the other reads are out.
  cedarParser?.submitWhenRead(started.pending.cedarPolicies)
  // Loaded once the CRD reads (they wait for discovery) are on the wire too: compiling the
  // modules blocks the event loop, and before that it held back the second wave.
  const modules = started.pending.installed.then(() => new Promise((resolve) => setImmediate(resolve))).then(() => cluster.requestsSent()).then(() => diagnosisModules())
  const {
    loadSpecs, liveSpecs, knownMemberKeys, declaredDependencies, unknownServiceError, liveViews, resolveTrustDomain, liveExemptNamespaces,
    waypointOf, dnsCaptureWarning, meshRootNamespace, compileFleet, pairScope, enforcementMode, isReadyPod, withLivePods, compiledView,
    computeDrift, evaluatePair, proposeFix, dumpView, cedarPolicySet, targetAddressesOf,
  } = await modules
  const state = await started.state
  const files = req.specPaths.length > 0 ? await loadSpecs(req.specPaths) : undefined
  const {specs, problems} = liveSpecs(state, files)
  const sKey = `${source.namespace}/${source.name}`
  const tKey = `${target.namespace}/${target.name}`
  const known = knownMemberKeys(specs)
  // Not finding A or B because the cluster could not be read is not "no such service".
  const unread = [...Object.values(state.latticeServices), ...Object.values(state.meshMembers)].find((r) => !r.ok && r.status !== 'not-installed')
  for (const [key, role] of [[sKey, 'source'], [tKey, 'target']] as const) {
    if (!known.has(key) && unread && !unread.ok) {
      throw new InconclusiveError(`cannot tell whether ${role} '${key}' exists: could not read the cluster at ${cluster.info.server}: ${unread.reason}`)
    }
    // §10.16: a callee A declares that does not exist is diagnosed (B is a placeholder).
    if (!known.has(key) && !(role === 'target' && declaredDependencies(specs, sKey).includes(key))) {
      throw unknownLiveMember(unknownServiceError, role, key, known, req.specPaths.length > 0, problems)
    }
  }

  const {view, unavailable, notes} = liveViews(state)
  const td = resolveTrustDomain(req.trustDomain, state, view.l7)
  const exempt = liveExemptNamespaces(state)
  const options = defaultCompileOptions({profile: req.profile, trustDomain: td.trustDomain, ...(exempt ? {exemptNamespaces: exempt} : {})})
  const pair: PairRequest = {
    source: sKey, target: tKey,
    ...(req.port !== undefined ? {port: req.port} : {}),
    ...(req.clientBinary ? {clientBinary: req.clientBinary} : {}),
    ...(req.method ? {method: req.method} : {}),
    ...(req.path ? {path: req.path} : {}),
  }

  const podsA = state.podsA.ok ? state.podsA.items : []
  const podsB = state.podsB.ok ? state.podsB.items : []
  const {name: wpName, pods: wpPods} = await waypointRead
  const waypoint = wpName && wpPods ? waypointOf(wpName, target.namespace, wpPods) : null

  // Evidence streams while the expected objects compile (CPU), instead of after it.
  const srcSa = (podsA[0]?.spec?.serviceAccountName as string | undefined) ?? source.name
  const dstSa = (podsB[0]?.spec?.serviceAccountName as string | undefined) ?? target.name
  const gathering = req.evidence.enabled
    ? startEvidence(cluster, state, {
      srcIdentity: spiffeId(td.trustDomain, source.namespace, srcSa),
      dstIdentity: spiffeId(td.trustDomain, target.namespace, dstSa),
      podsA, podsB,
      targetService: `${target.name}.${target.namespace}.svc.cluster.local`,
      ...(waypoint && wpPods?.ok ? {waypoint: {namespace: target.namespace, name: waypoint.name, pods: wpPods.items}} : {}),
      ...(agents ? {agents} : {}),
    }, {...req.evidence, timeoutMs: req.connect.requestTimeoutMs ?? 10_000}, req.emit)
    : undefined
  req.onPair?.({
    cluster, source: sKey, target: tKey, podsA, podsB, namespaces: state.pairNamespaces,
    srcIdentity: spiffeId(td.trustDomain, source.namespace, srcSa), dstIdentity: spiffeId(td.trustDomain, target.namespace, dstSa),
    ...(waypoint && wpPods?.ok ? {waypoint: {namespace: target.namespace, name: waypoint.name, pods: wpPods.items}} : {}),
  })
  if (gathering) await untilSent(gathering.sent)
  // The pair's warnings once the evidence requests are out: nothing they compute is needed to send them.
  const warnings: string[] = [...notes]
  if (td.source.startsWith('default')) warnings.push(`trust domain not found in the cluster (Istio mesh config, policy principals); assumed ${td.trustDomain} — pass --trust-domain if it differs`)
  if (problems.length) warnings.push(...problems.map((p) => `specs incomplete: ${p}`))
  if (!state.podsB.ok) warnings.push(`pods of ${tKey}: ${state.podsB.reason}`)
  else if (podsB.length === 0) warnings.push(`${tKey} has no pods: nothing can serve the traffic`)
  warnings.push(...realizedWarnings(state))
  const nsA = state.namespaces[source.namespace]
  const dns = dnsCaptureWarning(state.podsA, view.l4, nsA?.ok === true && nsA.items[0]?.metadata.labels?.['istio.io/dataplane-mode'] === 'ambient')
  if (dns) warnings.push(dns)
  const root = meshRootNamespace(state)
  if (root !== MESH_ROOT_NAMESPACE) warnings.push(`Istio mesh root namespace is ${root}: mesh-wide AuthorizationPolicies there were not read (only ${MESH_ROOT_NAMESPACE} and ${target.namespace})`)

  // The compile takes each policy object the worker has parsed by then and parses the rest.
  cedarParser?.attach(cedarPolicySet)
  const fleet = await compileFleet(specs, options, {only: pairScope(specs, [sKey, tKey])})
  cedarParser?.stop()
  const evidence: EvidenceBundle = gathering ? await gathering.bundle : {sources: evidenceNotAsked('--no-evidence')}
  warnings.push(...evidenceWarnings(evidence))

  const events = tetragonEvents(evidence)
  const targetAddresses = targetAddressesOf(state.podsB, state.servicesB)
  const live: LiveFacts = {
    admissionMode: 'live',
    unavailable,
    waypoint,
    ...(enforcementMode(state) ? {enforcementMode: enforcementMode(state)!} : {}),
    ...(state.podsB.ok ? {targetReady: podsB.some(isReadyPod)} : {}),
    ...(targetAddresses ? {targetAddresses} : {}),
    ...(events ? {events} : {}),
    refineWorkload: (w, role) => withLivePods(w, role === 'source' ? state.podsA : state.podsB, state.namespaces[role === 'source' ? source.namespace : target.namespace]),
    annotate: annotateWithEvidence(evidence, warnings),
    warnings,
    rootNamespace: root,
  }
  // Only objects of collections that were read can be missing: AuthorizationPolicies and
  // PeerAuthentications are read in B's namespace and istio-system, not in A's.
  const compiled = compiledView(fleet)
  const expected = [...compiled.l4, ...compiled.l7, ...compiled.runtime].filter((o) => wasRead(state, o))
  const liveObjects = [...view.l4, ...view.l7, ...view.runtime]
  const drift = computeDrift(expected, liveObjects).filter((d) => !unavailable[d.layer])
  const first = evaluatePair(fleet, pair, view, drift, live, req.emit)
  req.observe?.('first', {diagnosis: first, expected, live: liveObjects})
  // A spec change is verified against what the platform will compile from it; re-applying a
  // drifted object (or removing a foreign one) against the live objects with that change.
  const fix = await proposeFix({diagnosis: first, fleet}, pair, {specs, policies: liveObjects}, async (a) => {
    const f = await compileFleet(a.specs, options, {only: pairScope(a.specs, [sKey, tKey])})
    const c = compiledView(f)
    if (a.specs !== specs || !a.policies) {
      const diagnosis = evaluatePair(f, pair, c)
      req.observe?.('fix', {diagnosis, expected: [...c.l4, ...c.l7, ...c.runtime]})
      return {diagnosis, fleet: f}
    }
    const d = computeDrift([...c.l4, ...c.l7, ...c.runtime].filter((o) => wasRead(state, o)), a.policies).filter((x) => !unavailable[x.layer])
    const diagnosis = evaluatePair(f, pair, {...dumpView(a.policies), source: 'cluster'}, d, {unavailable})
    req.observe?.('fix', {diagnosis, expected: [...c.l4, ...c.l7, ...c.runtime], live: a.policies})
    return {diagnosis, fleet: f}
  })
  const diagnosis: Diagnosis = {...first, policySource: 'cluster', fix, evidenceSources: evidence.sources}
  req.emit?.({type: 'diagnosis', diagnosis})
  return diagnosis
}

/** Unknown A or B live: suggestions from the LatticeServices/LatticeMeshMembers listed (and --specs). */
function unknownLiveMember(unknownServiceError: (role: string, key: string, known: Set<string>, where: string) => InputError, role: string, key: string, known: Set<string>, withSpecs: boolean, problems: string[]): InputError {
  const err = unknownServiceError(role, key, known, `in the cluster${withSpecs ? ' or in --specs' : ''}`)
  return problems.length ? new InputError(`${err.message}; ${problems.join('; ')}`) : err
}

const SEND_WAIT_MS = 300

/**
 * The compile is synchronous CPU work, and a request needs turns of the event loop to
 * leave (credentials, connect, TLS). Let the evidence requests go out first — bounded, so
 * a slow handshake never holds the verdict back — and the servers answer while we compile.
 */
async function untilSent(sent: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([sent, new Promise((resolve) => (timer = setTimeout(resolve, SEND_WAIT_MS)))])
  clearTimeout(timer)
}

function split(ref: string, defaultNs: string, role: string): {namespace: string; name: string} {
  if (!ref.includes('/')) return {namespace: defaultNs, name: ref}
  const [namespace, name, extra] = ref.split('/')
  if (!namespace || !name || extra !== undefined) throw new InputError(`${role} '${ref}': expected <namespace>/<name> or <name>`)
  return {namespace, name}
}

/** The waypoint B's traffic goes through and its pods, read once B's Services and Namespace are in. */
async function readWaypointPods(cluster: Cluster, target: {namespace: string; name: string}, pending: PendingPairState) {
  const [servicesB, namespaceB, {waypointNameOf}] = await Promise.all([pending.servicesB, pending.namespaces[target.namespace], import('./live-state.js')])
  const name = waypointNameOf(target.name, servicesB, namespaceB)
  return {name, pods: name ? await cluster.pods(target.namespace, {labelSelector: `${GATEWAY_NAME_LABEL}=${name}`}) : undefined}
}

function wasRead(state: PairState, o: KubeObject): boolean {
  const ns = o.metadata.namespace
  if (!ns) return true
  const perNs = {
    CiliumNetworkPolicy: state.cnps, AuthorizationPolicy: state.authorizationPolicies, PeerAuthentication: state.peerAuthentications,
    ServiceEntry: state.serviceEntries, Gateway: state.gateways, TracingPolicyNamespaced: state.tracingPoliciesNamespaced,
    NetworkPolicy: state.networkPolicies ?? {},
  }[o.kind]
  return perNs === undefined || ns in perNs
}

function realizedWarnings(state: PairState): string[] {
  const out: string[] = []
  const r = pairRealizedState(state)
  for (const f of [...r.source, ...r.target]) {
    if (f.severity === 'info') continue
    // The detail already names the pod (or its CiliumEndpoint).
    out.push(`realized state (L4): ${f.detail}`)
  }
  return out
}

export interface LiveReachabilityRequest extends Omit<LiveRequest, 'source' | 'target' | 'emit'> {
  from: string
}

/**
 * `--from A --all` against the cluster: A's peers are the members of A's namespace and every
 * member A declares outbound (their namespaces are read too); each peer is one live pair
 * diagnosis with the same query flags, so every row is exactly what
 * `debug connectivity A <peer>` says. Members of other namespaces that A does not declare
 * are not listed (finding them would mean reading every namespace).
 */
export async function reachabilityLive(req: LiveReachabilityRequest): Promise<{source: string; rows: ReachabilityRow[]}> {
  const cluster = await connect(req.connect)
  const {loadSpecs, liveSpecs, keyOf, deriveMeshMember, compileFleet, declaredBetween, rowOf, noSuchPortRow, sortRows} = await diagnosisModules()
  const defaultNs = req.namespace ?? cluster.namespace
  const src = split(req.from, defaultNs, 'source')
  const sKey = `${src.namespace}/${src.name}`
  const files = req.specPaths.length > 0 ? await loadSpecs(req.specPaths) : undefined
  const latticeServices: Record<string, ReadResult<KubeObject>> = {}
  const meshMembers: Record<string, ReadResult<KubeObject>> = {}
  const readNamespaces = async (namespaces: string[]) => {
    await Promise.all(namespaces.filter((ns) => !(ns in latticeServices)).map(async (ns) => {
      ;[latticeServices[ns], meshMembers[ns]] = await Promise.all([cluster.latticeServices(ns), cluster.latticeMeshMembers(ns)])
    }))
  }
  await readNamespaces([src.namespace])
  const unread = [...Object.values(latticeServices), ...Object.values(meshMembers)].find((r) => !r.ok && r.status !== 'not-installed')
  if (unread && !unread.ok) throw new InconclusiveError(`cannot list the peers of ${sKey}: could not read the cluster at ${cluster.info.server}: ${unread.reason}`)
  let specs = liveSpecs({latticeServices, meshMembers, cedarPolicies: ok([])}, files).specs
  const declaredTargets = (s: SpecSet) => {
    const me = [...s.services, ...s.meshMembers].find((o) => keyOf(o) === sKey)
    if (!me) return []
    const deps = me.kind === 'LatticeService' ? deriveMeshMember(me).spec.dependencies : me.spec.dependencies
    return deps.map((d) => `${d.namespace}/${d.name}`)
  }
  if (![...specs.services, ...specs.meshMembers].some((o) => keyOf(o) === sKey)) {
    throw new InputError(`source '${sKey}': no LatticeService or LatticeMeshMember of that name in the cluster${req.specPaths.length ? ' or in --specs' : ''}`)
  }
  await readNamespaces([...new Set(declaredTargets(specs).map((k) => k.slice(0, k.indexOf('/'))))])
  specs = liveSpecs({latticeServices, meshMembers, cedarPolicies: ok([])}, files).specs
  const fleet = await compileFleet(specs, defaultCompileOptions({profile: req.profile}), {only: new Set([sKey])})
  const inNamespace = [...specs.services, ...specs.meshMembers].map(keyOf).filter((k) => k.startsWith(`${src.namespace}/`))
  const peers = [...new Set([...inNamespace, ...declaredTargets(specs)])].filter((k) => k !== sKey)
  const rows: ReachabilityRow[] = []
  for (const peer of peers) {
    const declared = declaredBetween(fleet, sKey, peer)
    try {
      const d = await diagnoseLive({...req, source: sKey, target: peer})
      rows.push(rowOf(peer, declared, d))
    } catch (err) {
      if (!(err instanceof InputError)) throw err
      if (req.port !== undefined && err.message.startsWith(`--port '${req.port}'`)) rows.push(noSuchPortRow(peer, declared, req.port, err.message))
      // §10.16: a declared target that does not exist is a diagnosis.
      else if (declared !== 'none' && err.message.startsWith(`target '${peer}'`)) {
        rows.push({target: peer, declared, status: 'BLOCKED', blockedAt: 'l4', explanation: `${peer} does not exist: no LatticeService or LatticeMeshMember of that name.`, ports: []})
      } else throw err
    }
  }
  return {source: sKey, rows: sortRows(rows)}
}
