// `platform debug connectivity deploy/NAME <external>` live: A is a workload that is not a
// Lattice service (issue 9.3) and B a destination outside the cluster (issue 9.2).
// Admission, Cedar and Declarations are SKIP ("not a Lattice service": no spec is admitted,
// no AccessExternalEndpoint gate applies, nothing is declared; a SKIP never blocks, §10.5);
// L4, L7 and Runtime are the same lines as for a Lattice A (external.ts externalPathLayers)
// on A's live labels, service account and ambient enrollment: Cilium's FQDN/CIDR/entity
// egress with the DNS lookup, Kubernetes NetworkPolicies, the ServiceEntry with its egress
// waypoint and grant, the caller's binary. Hubble adds A's flows and DNS records. The fix
// names the egress rule to add to the policy that isolates A (not verified: a plain
// workload has no spec to recompile).

import {MESH_ROOT_NAMESPACE} from '../core/constants.js'
import {describeExternal, type ExternalTarget} from '../core/external.js'
import {layerResult, type LayerResult} from '../core/result.js'
import {connect, startPairState} from '../cluster/index.js'
import {externalDiagnosis, externalPathLayers, waypointFor} from './external.js'
import {externalEvidence, type ExternalEvidence} from './external-live-evidence.js'
import {readyWaypoint, type ExternalLiveRequest} from './external-live.js'
import {evidenceNotAsked} from './live-evidence.js'
import {dnsCaptureWarning, liveViews, meshRootNamespace, resolveTrustDomain} from './live-state.js'
import type {Diagnosis, Fix, SpecChange} from './model.js'
import {readEnd, workloadOfEnd, type End} from './plain-workload.js'
import type {Workload} from '../core/query.js'

export async function diagnoseExternalFromWorkload(req: ExternalLiveRequest): Promise<Diagnosis> {
  const cluster = req.cluster ?? await connect(req.connect)
  const a = await readEnd(cluster, req.source, req.namespace ?? cluster.namespace, 'source')
  const end = {namespace: a.namespace, name: a.name, podSelector: a.live.podSelector}
  // A is both ends of the fan-out (as for a Lattice A): every read is of A's namespace and the mesh's.
  const started = startPairState(cluster, {source: end, target: end, since: req.evidence.sinceSeconds, l7Namespaces: [MESH_ROOT_NAMESPACE]}, (e) => req.emit?.(e))
  const state = await started.state
  const {view, unavailable, notes} = liveViews(state)
  const td = resolveTrustDomain(req.trustDomain, state, view.l7)
  const nsA = state.namespaces[a.namespace]
  const nsLabels = nsA?.ok ? nsA.items[0]?.metadata.labels ?? {} : undefined
  const source = workloadOfEnd(a, nsLabels)

  const warnings: string[] = [...notes]
  if (td.source.startsWith('default')) warnings.push(`trust domain not found in the cluster (Istio mesh config, policy principals); assumed ${td.trustDomain} — pass --trust-domain if it differs`)
  if (!a.live.pods.ok) warnings.push(`pods of ${a.namespace}/${a.name}: ${a.live.pods.reason}`)
  else if (a.live.pods.items.length === 0) warnings.push(`${a.kind} ${a.namespace}/${a.name} has no pods: nothing calls ${req.target.text}`)
  if (!a.live.serviceAccountName) warnings.push(`${a.kind} ${a.namespace}/${a.name} sets no serviceAccountName: its pods run as ${a.namespace}/default, shared by every such workload of the namespace`)
  // §5.4.5: FQDN rules learn addresses only from lookups Cilium's DNS proxy sees.
  const dns = dnsCaptureWarning(a.live.pods, view.l4, source.ambient)
  if (dns) warnings.push(dns)

  const wpGuess = waypointFor({source, target: req.target, trustDomain: td.trustDomain}, view.l7)
  const waypoint = wpGuess ? await readyWaypoint(cluster, wpGuess) : undefined
  const podsA = a.live.pods.ok ? a.live.pods.items : []
  const evidence: ExternalEvidence = req.evidence.enabled
    ? await externalEvidence(cluster, {podsA, target: req.target}, {...req.evidence, timeoutMs: req.connect.requestTimeoutMs ?? 10_000}, req.emit)
    : {sources: evidenceNotAsked('--no-evidence').filter((s) => s.source === 'hubble')}
  warnings.push(...evidence.warnings ?? [])

  const decide = (r0: LayerResult) => {
    const r = evidence.annotate ? evidence.annotate(r0) : r0
    req.emit?.({type: 'layer-decided', result: r})
    return r
  }
  const why = `${a.namespace}/${a.name} is not a Lattice service`
  const admission = decide(layerResult('admission', 'SKIP', `${why}: no spec admitted`))
  const cedar = decide(layerResult('cedar', 'SKIP', `${why}: no AccessExternalEndpoint authorization applies`))
  const declarations = decide(layerResult('declarations', 'SKIP', `${why}: no external-service declared; L4 and L7 decide on the live policies`))
  const path = externalPathLayers(source, req.target, td.trustDomain, view, req.clientBinary, {
    ...(waypoint !== undefined ? {waypoint} : {}),
    unavailable,
    rootNamespace: meshRootNamespace(state),
    ...(nsLabels ? {namespaceLabels: {[a.namespace]: nsLabels}} : {}),
  }, decide)
  const first = externalDiagnosis(source, req.target, {profile: req.profile, trustDomain: td.trustDomain, policySource: 'cluster'}, [admission, cedar, declarations, ...path], warnings)
  const diagnosis: Diagnosis = {...first, source: {...first.source, kind: a.kind}, fix: externalWorkloadFix(first, a, source, req.target), evidenceSources: evidence.sources}
  req.emit?.({type: 'diagnosis', diagnosis})
  return diagnosis
}

/**
 * What would open A → the destination when L4 blocks: an egress rule in the policy that puts
 * A's egress in default-deny (a CNP can name the host with toFQDNs, plus the DNS rule that
 * lets A look it up; a Kubernetes NetworkPolicy only addresses), or, for an explicit deny
 * rule, that rule. Other layers: the onboarding as a Lattice service with an external-service
 * resource. Not verified in memory.
 */
export function externalWorkloadFix(d: Diagnosis, a: End, w: Workload, t: ExternalTarget): Fix | null {
  if (d.result.status !== 'BLOCKED') return null
  const layer = d.layers.find((l) => l.layer === d.result.blockedAt)
  if (!layer) return null
  const dest = describeExternal(t)
  const steps: string[] = []
  const changes: SpecChange[] = []
  const ports = `[{ports: [{port: "${t.port}", protocol: ${t.protocol}}]}]`
  const address = t.ip ? `${t.ip}/${t.ip.includes(':') ? 128 : 32}` : t.cidr
  if (layer.layer === 'l4') {
    const denyRule = layer.evidence.find((e) => e.source === 'policy' && e.name && /^egressDeny rule #/.test(e.detail ?? ''))
    if (denyRule) {
      // A deny wins over every allow (and over an onboarding): only that rule can change.
      const index = /#(\d+)/.exec(denyRule.detail ?? '')?.[1] ?? '0'
      steps.push(`${denyRule.detail} of ${denyRule.kind} ${denyRule.namespace ? `${denyRule.namespace}/` : ''}${denyRule.name} drops ${dest}: narrow it or remove it`)
      changes.push({kind: 'Cluster', namespace: denyRule.namespace ?? '', name: `${denyRule.kind} ${denyRule.name}`, path: `spec.egressDeny[${index}]`, yaml: `# narrow or remove: it matches ${a.name} → ${dest}`})
      return {summary: steps.join('; '), changes, verified: false, verification: NOT_VERIFIED}
    } else {
      const isolating = layer.evidence.find((e) => e.source === 'policy' && e.name && e.namespace === a.namespace && /egress default-deny/.test(e.detail ?? '') && (e.kind === 'CiliumNetworkPolicy' || e.kind === 'NetworkPolicy'))
      if (isolating?.kind === 'CiliumNetworkPolicy') {
        const to = t.host ? `toFQDNs: [{matchName: ${t.host}}]` : `toCIDR: [${address}]`
        const dnsRule = t.host ? `\n- toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns}}]\n  toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchName: ${t.host}}]}}]` : ''
        steps.push(`add an egress rule to CiliumNetworkPolicy ${a.namespace}/${isolating.name} allowing ${dest}${t.host ? ' (and the DNS rule that lets the pods look it up: toFQDNs learns addresses only from allowed lookups)' : ''}`)
        changes.push({kind: 'Cluster', namespace: a.namespace, name: `CiliumNetworkPolicy ${isolating.name}`, path: 'spec.egress', yaml: `- ${to}\n  toPorts: ${ports}${dnsRule}`})
      } else if (isolating?.kind === 'NetworkPolicy') {
        if (address) {
          steps.push(`add an egress rule to NetworkPolicy ${a.namespace}/${isolating.name} allowing ${dest}`)
          changes.push({kind: 'Cluster', namespace: a.namespace, name: `NetworkPolicy ${isolating.name}`, path: 'spec.egress', yaml: `- to: [{ipBlock: {cidr: ${address}}}]\n  ports: [{port: ${t.port}, protocol: ${t.protocol}}]`})
        } else {
          steps.push(`NetworkPolicy ${a.namespace}/${isolating.name} isolates ${a.name}'s egress and cannot name a host: allow the addresses ${t.host} resolves to (ipBlock), or use a CiliumNetworkPolicy toFQDNs rule`)
        }
      }
    }
  }
  // The Runtime layer kills a binary: no onboarding changes that.
  if (changes.length === 0 && layer.layer !== 'runtime') {
    const scheme = t.protocol === 'UDP' ? 'udp' : t.port === 443 ? 'https' : 'tcp'
    const url = `${scheme}://${t.host ?? t.ip ?? t.cidr?.split('/')[0] ?? t.text}${scheme === 'https' ? '' : `:${t.port}`}`
    steps.push(`onboard ${a.namespace}/${a.name} as a LatticeService (pods ${selectorText(w)}) declaring an external-service resource for ${url}; the platform then compiles its egress, ServiceEntry and grant`)
    changes.push({kind: 'Cluster', namespace: a.namespace, name: a.name, path: 'new LatticeService spec.workload.resources', yaml: `external: {type: external-service, direction: outbound, params: {endpoints: {api: ${url}}}}`})
  }
  if (changes.length === 0) return null
  return {summary: steps.join('; '), changes, verified: false, verification: NOT_VERIFIED}
}

const NOT_VERIFIED = 'a workload that is not a Lattice service has no spec to recompile in memory'

function selectorText(w: Workload): string {
  return Object.entries(w.podLabels).filter(([k]) => !/hash|controller-revision|pod-template/.test(k)).slice(0, 2).map(([k, v]) => `${k}=${v}`).join(',')
}
