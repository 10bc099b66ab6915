// Property: on random CNP rule sets (valid and degenerate: `{}`, empty peer lists, `toPorts: []`,
// `ports: []`, named ports with known/unknown container ports), the evaluator agrees with a
// straightforward reference model of Cilium's documented semantics (LATTICE-SPEC §5.1,
// §10.10, §10.11; pkg/policy/rule.go mergeIngress, pkg/policy/utils mergeEndpointSelectors,
// pkg/policy/l4.go toMapState). The model shares no code with the evaluator.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {evaluateDirection, type L4Flow, type L4Peer, type PodPeer} from '../../src/layers/cilium/index.js'

type Rule = Record<string, unknown>
type Verdict = 'allow' | 'deny' | 'unknown'
type T = 'yes' | 'no' | 'unknown'

const APPS = ['x', 'y']
const selector = fc.oneof(
  fc.constant({}),
  fc.constantFrom(...APPS).map((app) => ({matchLabels: {'k8s:app': app}})),
  fc.tuple(fc.constantFrom(...APPS), fc.constantFrom('a', 'b')).map(([app, ns]) => ({matchLabels: {'k8s:app': app, 'k8s:io.kubernetes.pod.namespace': ns}})),
)
const portEntry = fc.record({port: fc.constantFrom('80', '8080', '0', 'http', 'grpc'), protocol: fc.constantFrom('TCP', 'UDP', 'ANY')})
const toPorts = fc.oneof(fc.constant(undefined), fc.constant([]), fc.array(fc.record({ports: fc.array(portEntry, {maxLength: 2})}), {minLength: 1, maxLength: 2}))
const peerField = fc.oneof(
  fc.constant({}),
  fc.record({fromEndpoints: fc.array(selector, {maxLength: 2})}),
  fc.record({fromEntities: fc.array(fc.constantFrom('world', 'cluster', 'host', 'all'), {maxLength: 2})}),
  fc.record({fromCIDR: fc.array(fc.constantFrom('1.0.0.0/8', '0.0.0.0/0'), {maxLength: 1})}),
)
const rule = fc.tuple(peerField, toPorts).map(([peer, ports]): Rule => (ports === undefined ? {...peer} : {...peer, toPorts: ports}))
const policy = fc.record({
  select: fc.constantFrom('all', 'x', 'y'),
  ingress: fc.option(fc.array(rule, {maxLength: 3}), {nil: undefined}),
  ingressDeny: fc.option(fc.array(rule, {maxLength: 2}), {nil: undefined}),
  edd: fc.constantFrom(undefined, true, false),
})
const peerGen = fc.oneof(
  fc.tuple(fc.constantFrom('a', 'b'), fc.constantFrom(...APPS)).map(([ns, app]): L4Peer => ({kind: 'pod', namespace: ns, labels: {app}})),
  fc.constantFrom<L4Peer>({kind: 'world', ip: '1.2.3.4'}, {kind: 'world', ip: '8.8.8.8'}, {kind: 'host'}),
)
const flowGen = fc.record({port: fc.constantFrom(80, 8080, 9090), protocol: fc.constantFrom('TCP', 'UDP'), known: fc.boolean()})
const NAMED = [{name: 'http', port: 8080, protocol: 'TCP'}]

type P = typeof policy extends fc.Arbitrary<infer X> ? X : never

/** The same rule set written for egress (`fromX` → `toX`), to check both directions. */
const asEgress = (rules: Rule[]) => rules.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.replace(/^from/, 'to'), v])))

function toObject(p: P, i: number, direction: 'ingress' | 'egress' = 'ingress'): KubeObject {
  const spec: Record<string, unknown> = {endpointSelector: p.select === 'all' ? {} : {matchLabels: {'k8s:app': p.select}}}
  const side = direction === 'ingress' ? (r: Rule[]) => r : asEgress
  if (p.ingress) spec[direction] = side(p.ingress)
  if (p.ingressDeny) spec[`${direction}Deny`] = side(p.ingressDeny)
  if (p.edd !== undefined) spec.enableDefaultDeny = {[direction]: p.edd}
  return {apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name: `p${i}`, namespace: 'a'}, spec}
}

// ---- reference model -------------------------------------------------------------------

function or(xs: T[]): T {
  return xs.includes('yes') ? 'yes' : xs.includes('unknown') ? 'unknown' : 'no'
}

function refPeer(r: Rule, peer: L4Peer): T | 'none' | 'any' {
  const lists = ['fromEndpoints', 'fromEntities', 'fromCIDR'].filter((k) => r[k] !== undefined)
  if (lists.some((k) => (r[k] as unknown[]).length === 0)) return 'none'
  if (lists.length === 0) return 'any'
  const hits: T[] = []
  for (const s of (r.fromEndpoints as Array<{matchLabels?: Record<string, string>}>) ?? []) {
    const want = s.matchLabels ?? {}
    const ns = want['k8s:io.kubernetes.pod.namespace'] ?? 'a'
    hits.push(peer.kind === 'pod' && peer.namespace === ns && (want['k8s:app'] === undefined || peer.labels.app === want['k8s:app']) ? 'yes' : 'no')
  }
  for (const e of (r.fromEntities as string[]) ?? []) {
    const ok = e === 'all' || (e === 'world' && peer.kind === 'world') || (e === 'cluster' && peer.kind !== 'world') || (e === 'host' && peer.kind === 'host')
    hits.push(ok ? 'yes' : 'no')
  }
  for (const c of (r.fromCIDR as string[]) ?? []) {
    const ok = peer.kind === 'world' && (c === '0.0.0.0/0' || peer.ip?.startsWith('1.'))
    hits.push(ok ? 'yes' : 'no')
  }
  return or(hits)
}

function refPorts(r: Rule, flow: L4Flow): T | 'absent' {
  const list = r.toPorts as Array<{ports: Array<{port: string; protocol: string}>}> | undefined
  if (!list || list.length === 0) return 'absent'
  const hits: T[] = []
  for (const entry of list) {
    for (const p of entry.ports) {
      if (p.protocol !== 'ANY' && p.protocol !== flow.protocol) continue
      if (/^\d+$/.test(p.port)) hits.push(p.port === '0' || Number(p.port) === flow.port ? 'yes' : 'no')
      else if (!flow.namedPorts) hits.push('unknown')
      else hits.push(flow.namedPorts.some((n) => n.name === p.port && n.protocol === flow.protocol && n.port === flow.port) ? 'yes' : 'no')
    }
  }
  return or(hits)
}

function refRule(r: Rule, peer: L4Peer, flow: L4Flow): T {
  const who = refPeer(r, peer)
  const ports = refPorts(r, flow)
  if (who === 'none') return 'no'
  if (who === 'any') return ports === 'absent' ? 'no' : ports
  if (who === 'no') return 'no'
  const p: T = ports === 'absent' ? 'yes' : ports
  return p === 'no' ? 'no' : who === 'yes' && p === 'yes' ? 'yes' : 'unknown'
}

function refVerdict(ps: P[], subject: PodPeer, peer: L4Peer, flow: L4Flow): Verdict {
  const applying = ps.filter((p) => subject.namespace === 'a' && (p.select === 'all' || p.select === subject.labels.app))
  // pkg/policy/repository.go computePolicyEnforcementAndRules: only a rule with rules in the
  // direction counts, then its enableDefaultDeny (default true) decides.
  const defaultDeny = applying.some((p) => (p.ingress?.length ?? 0) + (p.ingressDeny?.length ?? 0) > 0 && p.edd !== false)
  const deny = or(applying.flatMap((p) => (p.ingressDeny ?? []).map((r) => refRule(r, peer, flow))))
  const allow = or(applying.flatMap((p) => (p.ingress ?? []).map((r) => refRule(r, peer, flow))))
  if (deny === 'yes') return 'deny'
  const allowed: T = defaultDeny ? allow : 'yes'
  if (allowed === 'no') return 'deny'
  if (allowed === 'unknown') return 'unknown'
  return deny === 'unknown' ? 'unknown' : 'allow'
}

describe('evaluator = reference model of Cilium semantics (property)', () => {
  it.each(['ingress', 'egress'] as const)('on random rule sets, peers and flows (%s)', (direction) => {
    fc.assert(
      fc.property(fc.array(policy, {minLength: 1, maxLength: 3}), peerGen, flowGen, fc.constantFrom(...APPS), (ps, peer, f, app) => {
        const subject: PodPeer = {kind: 'pod', namespace: 'a', labels: {app}}
        const flow: L4Flow = {port: f.port, protocol: f.protocol, ...(f.known ? {namedPorts: NAMED} : {})}
        const v = evaluateDirection(ps.map((p, i) => toObject(p, i, direction)), direction, subject, peer, flow)
        const got: Verdict = v.allowed ? 'allow' : v.undetermined.length > 0 ? 'unknown' : 'deny'
        expect(got).toBe(refVerdict(ps, subject, peer, flow))
        // Never allowed while undetermined.
        if (v.undetermined.length > 0) expect(v.allowed).toBe(false)
      }),
      {numRuns: 2000},
    )
  })
})
