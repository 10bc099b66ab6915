// Drift (LATTICE-SPEC §9.2 step 9): a dump of the compiled policies, produced as a user
// would (`platform compile --specs DIR -o json`, saved as a kubectl `kind: List` or as
// multi-document YAML), is edited — objects deleted, added, altered — and handed to the
// offline diagnosis as --policies. The drift report and the verdict must follow.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {beforeAll, describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import {computeDrift} from '../../src/diagnose/drift.js'
import type {Diagnosis} from '../../src/diagnose/model.js'
import {diagnoseOffline} from '../../src/diagnose/offline.js'
import {compileFleet} from '../../src/pipeline/fleet.js'
import {OUTPUT_GROUPS, renderJsonList, sections} from '../../src/render/compile-output.js'
import {loadSpecs} from '../../src/spec/load.js'
import {SEED_POLICIES, inb, out, seedPair, service, writeSpecs} from '../helpers/specs.js'

const CHECKOUT = 'commerce/checkout'
const PAYMENTS = 'commerce/payments'
const PAYMENTS_CNP = 'cnp-mesh-3d68c7ca'
const PAYMENTS_AP = 'allow-to-3d68c7ca'

/** `platform compile --specs DIR -o json`, in process: the JSON list of every derived object. */
async function compileDump(specDir: string): Promise<KubeObject[]> {
  const fleet = await compileFleet(await loadSpecs([specDir]), defaultCompileOptions())
  return JSON.parse(renderJsonList(sections(fleet, new Set(OUTPUT_GROUPS)))).items as KubeObject[]
}

function writeDump(objects: KubeObject[], format: 'list' | 'multidoc' = 'list'): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'platform-dump-')), 'live.yaml')
  const text = format === 'list'
    ? stringify({apiVersion: 'v1', kind: 'List', metadata: {resourceVersion: ''}, items: objects})
    : objects.map((o) => stringify(o)).join('---\n')
  writeFileSync(file, text)
  return file
}

const status = (d: Diagnosis, layer: string) => d.layers.find((l) => l.layer === layer)!.status
const summary = (d: Diagnosis, layer: string) => d.layers.find((l) => l.layer === layer)!.summary
const find = (objs: KubeObject[], name: string) => {
  const o = objs.find((x) => x.metadata.name === name)
  if (!o) throw new Error(`no ${name} in the dump`)
  return o as KubeObject & {spec: any}
}

describe('drift: a dump of the compiled policies, edited', () => {
  let specDir: string
  let dump: KubeObject[]
  /** A fresh deep copy of the dump for each case. */
  const fresh = () => structuredClone(dump)
  const diagnose = (objects: KubeObject[], extra: {clientBinary?: string; format?: 'list' | 'multidoc'} = {}) =>
    diagnoseOffline({
      specPaths: [specDir], policyPaths: [writeDump(objects, extra.format)], source: CHECKOUT, target: PAYMENTS,
      options: defaultCompileOptions(), ...(extra.clientBinary ? {clientBinary: extra.clientBinary} : {}),
    })

  beforeAll(async () => {
    specDir = writeSpecs([...seedPair(), SEED_POLICIES])
    dump = await compileDump(specDir)
    // The objects the cases below edit are really in the dump.
    for (const name of [PAYMENTS_CNP, PAYMENTS_AP, 'allow-binaries-payments', 'mesh-default-deny', 'default-deny']) find(dump, name)
  })

  it('(a) the unmodified dump, as a List and as multi-doc YAML: ALLOWED, no drift, evaluated from the dump', async () => {
    for (const format of ['list', 'multidoc'] as const) {
      const d = await diagnose(fresh(), {format})
      expect(d.policySource).toBe('dump')
      expect(d.result).toEqual({status: 'ALLOWED', blockedAt: null, explanation: ''})
      expect(d.drift).toEqual([])
      expect(d.fix).toBeNull()
    }
  })

  it('(b) payments\' CNP deleted: missing at L4, BLOCKED at L4, the fix re-applies it and is verified', async () => {
    const d = await diagnose(fresh().filter((o) => o.metadata.name !== PAYMENTS_CNP))
    expect(d.drift).toEqual([{layer: 'l4', change: 'missing', kind: 'CiliumNetworkPolicy', namespace: 'commerce', name: PAYMENTS_CNP}])
    expect(d.result.status).toBe('BLOCKED')
    expect(d.result.blockedAt).toBe('l4')
    expect(summary(d, 'l4')).toBe('no ingress rule on payments from checkout for payments:8080 (wire: HBONE 15008); ingress default-deny from CiliumClusterwideNetworkPolicy default-deny')
    expect(d.result.explanation).toContain(`Live policies drifted from the specs: missing CiliumNetworkPolicy commerce/${PAYMENTS_CNP}.`)
    expect(status(d, 'l7')).toBe('PASS')
    expect(d.fix?.verified).toBe(true)
    expect(d.fix?.changes).toHaveLength(1)
    expect(d.fix?.changes[0]).toMatchObject({kind: 'Cluster', namespace: 'commerce', name: `CiliumNetworkPolicy ${PAYMENTS_CNP}`})
    expect(d.fix?.changes[0].path).toMatch(/^re-apply/)
    expect(d.fix?.changes[0].yaml).toContain(`name: ${PAYMENTS_CNP}`)
  })

  it('(c) allow-to deleted: missing at L7, BLOCKED at L7 by the mesh default deny, fix verified', async () => {
    const d = await diagnose(fresh().filter((o) => o.metadata.name !== PAYMENTS_AP))
    expect(d.drift).toEqual([{layer: 'l7', change: 'missing', kind: 'AuthorizationPolicy', namespace: 'commerce', name: PAYMENTS_AP}])
    expect(d.result.blockedAt).toBe('l7')
    expect(status(d, 'l4')).toBe('PASS')
    expect(summary(d, 'l7')).toContain('default deny from AuthorizationPolicy istio-system/mesh-default-deny')
    expect(d.fix?.verified).toBe(true)
  })

  it('(d) allow-to names another service account: different (same name, other meaning), BLOCKED at L7', async () => {
    const objs = fresh()
    find(objs, PAYMENTS_AP).spec.rules[0].from[0].source.principals = ['cluster.local/ns/commerce/sa/orders']
    const d = await diagnose(objs)
    expect(d.drift).toEqual([{layer: 'l7', change: 'different', kind: 'AuthorizationPolicy', namespace: 'commerce', name: PAYMENTS_AP, detail: 'live object has the same name but a different meaning'}])
    expect(d.result.blockedAt).toBe('l7')
    expect(summary(d, 'l7')).toContain('no AuthorizationPolicy allows spiffe://cluster.local/ns/commerce/sa/checkout')
    expect(d.fix?.verified).toBe(true)
  })

  it('(d) renamed objects with the same meaning: no drift, and the layers name the live object', async () => {
    const objs = fresh()
    find(objs, PAYMENTS_AP).metadata.name = 'payments-callers'
    find(objs, PAYMENTS_CNP).metadata.name = 'payments-l4'
    find(objs, 'default-deny').metadata.name = 'cluster-default-deny'
    const d = await diagnose(objs)
    expect(d.drift).toEqual([])
    expect(d.result.status).toBe('ALLOWED')
    expect(summary(d, 'l7')).toContain('AuthorizationPolicy payments-callers allows')
    expect(summary(d, 'l4')).toContain('payments-l4 allows ingress from checkout')
  })

  it('(d) reordered rules, peers, ports and label order: no drift', async () => {
    const objs = fresh()
    const cnp = find(objs, PAYMENTS_CNP)
    cnp.spec.egress.reverse()
    cnp.spec.ingress.reverse()
    for (const r of cnp.spec.egress) for (const tp of r.toPorts ?? []) tp.ports.reverse()
    const labels = cnp.spec.ingress[1].fromEndpoints[0].matchLabels
    cnp.spec.ingress[1].fromEndpoints[0].matchLabels = Object.fromEntries(Object.entries(labels).reverse())
    // Cedar-denied nothing, so the kube-dns rule with two protocols is there to reorder.
    expect(cnp.spec.egress.some((r: any) => r.toPorts?.[0]?.ports?.length === 2)).toBe(true)
    const d = await diagnose(objs)
    expect(d.drift).toEqual([])
    expect(d.result.status).toBe('ALLOWED')
  })

  it('(d) reordered principals and rules of an AuthorizationPolicy: no drift', async () => {
    // Two callers so that payments' allow-to has two principals to reorder.
    const docs = [...seedPair({payments: {checkout: inb(), cart: inb()}}), service('commerce', 'cart', {payments: out()}), SEED_POLICIES]
    const dir = writeSpecs(docs)
    const objs = await compileDump(dir)
    const ap = find(objs, PAYMENTS_AP)
    expect(ap.spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/commerce/sa/checkout', 'cluster.local/ns/commerce/sa/cart'])
    ap.spec.rules[0].from[0].source.principals.reverse()
    // A second rule (the waypoint's principal on another port), then the rules reversed.
    ap.spec.rules.push({from: [{source: {principals: ['cluster.local/ns/commerce/sa/commerce-waypoint']}}], to: [{operation: {ports: ['9090']}}]})
    const twoRules = structuredClone(ap)
    ap.spec.rules.reverse()
    const d = await diagnoseOffline({specPaths: [dir], policyPaths: [writeDump(objs)], source: CHECKOUT, target: PAYMENTS, options: defaultCompileOptions()})
    expect(d.result.status).toBe('ALLOWED')
    // The added rule is a real change of meaning; only that shows, not the reordering.
    expect(d.drift.map((x) => `${x.change} ${x.name}`)).toEqual([`different ${PAYMENTS_AP}`])
    expect(computeDrift([twoRules], [ap])).toEqual([])
  })

  it('(e) an extra CNP with egressDeny to payments on 15008: unexpected, BLOCKED at L4 naming the deny', async () => {
    const deny = {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy',
      metadata: {name: 'quarantine-payments', namespace: 'commerce'},
      spec: {
        endpointSelector: {matchLabels: {'app.kubernetes.io/name': 'checkout'}},
        egressDeny: [{toEndpoints: [{matchLabels: {'app.kubernetes.io/name': 'payments'}}], toPorts: [{ports: [{port: '15008', protocol: 'TCP'}]}]}],
      },
    }
    const d = await diagnose([...fresh(), deny])
    expect(d.drift).toEqual([{layer: 'l4', change: 'unexpected', kind: 'CiliumNetworkPolicy', namespace: 'commerce', name: 'quarantine-payments', detail: 'not generated by Lattice'}])
    expect(d.result.blockedAt).toBe('l4')
    expect(status(d, 'l4')).toBe('DENY')
    expect(summary(d, 'l4')).toContain('CiliumNetworkPolicy commerce/quarantine-payments')
    expect(summary(d, 'l4')).toContain('egressDeny')
    // The identifier keeps its spelling at the start of the Result sentence.
    expect(d.result.explanation).toMatch(/^egressDeny rule #0 of CiliumNetworkPolicy commerce\/quarantine-payments drops checkout → payments:8080/)
    // A foreign object is never deleted for the user: the fix names it, and was checked on
    // the dump without it.
    expect(d.fix?.verified).toBe(true)
    expect(d.fix?.changes).toEqual([expect.objectContaining({kind: 'Cluster', namespace: 'commerce', name: 'CiliumNetworkPolicy quarantine-payments', yaml: '# kubectl delete ciliumnetworkpolicy quarantine-payments -n commerce'})])
    expect(d.fix?.changes[0].path).toMatch(/^remove or narrow \(not generated by Lattice; check who owns it first\)$/)
  })

  it('(e) an unexpected object labelled managed-by lattice says so', async () => {
    const extra = structuredClone(find(dump, PAYMENTS_CNP))
    extra.metadata.name = 'cnp-mesh-00000000'
    extra.spec.ingress = []
    const d = await diagnose([...fresh(), extra])
    expect(d.drift).toEqual([{layer: 'l4', change: 'unexpected', kind: 'CiliumNetworkPolicy', namespace: 'commerce', name: 'cnp-mesh-00000000', detail: 'labelled managed-by lattice but not derived from the current specs'}])
  })

  it('(f) an AuthorizationPolicy DENY in istio-system for checkout: unexpected, BLOCKED at L7', async () => {
    const deny = {
      apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy',
      metadata: {name: 'deny-checkout', namespace: 'istio-system'},
      spec: {action: 'DENY', rules: [{from: [{source: {principals: ['cluster.local/ns/commerce/sa/checkout']}}]}]},
    }
    const d = await diagnose([...fresh(), deny])
    expect(d.drift).toEqual([{layer: 'l7', change: 'unexpected', kind: 'AuthorizationPolicy', namespace: 'istio-system', name: 'deny-checkout', detail: 'not generated by Lattice'}])
    expect(d.result.blockedAt).toBe('l7')
    expect(status(d, 'l4')).toBe('PASS')
    expect(summary(d, 'l7')).toBe('denied by AuthorizationPolicy istio-system/deny-checkout rule 0')
  })

  it('(f) objects in unrelated namespaces are not drift for this pair', async () => {
    const other = {apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: {name: 'x', namespace: 'billing'}, spec: {action: 'DENY', rules: [{}]}}
    const d = await diagnose([...fresh(), other])
    expect(d.drift).toEqual([])
    expect(d.result.status).toBe('ALLOWED')
  })

  it('(g) allow-binaries-payments without /usr/local/bin/payments: different, BLOCKED at runtime, re-apply verified', async () => {
    const objs = fresh()
    const tp = find(objs, 'allow-binaries-payments')
    const values: string[] = tp.spec.kprobes[0].selectors[0].matchArgs[0].values
    expect(values).toContain('/usr/local/bin/payments')
    tp.spec.kprobes[0].selectors[0].matchArgs[0].values = values.filter((v) => v !== '/usr/local/bin/payments').concat('/bin/true')
    const d = await diagnose(objs)
    expect(d.drift).toEqual([{layer: 'runtime', change: 'different', kind: 'TracingPolicyNamespaced', namespace: 'commerce', name: 'allow-binaries-payments', detail: 'live object has the same name but a different meaning'}])
    expect(d.result.blockedAt).toBe('runtime')
    expect(summary(d, 'runtime')).toBe('payments cannot serve: its entrypoint /usr/local/bin/payments would be killed by allow-binaries-payments')
    expect(d.result.explanation).toBe('payments cannot serve: its entrypoint /usr/local/bin/payments would be killed by allow-binaries-payments.')
    expect(d.fix?.changes.map((c) => c.name)).toEqual(['TracingPolicyNamespaced allow-binaries-payments'])
    expect(d.fix?.verified).toBe(true)
  })

  it('(g) a client binary denied by a drifted allowlist: the fix re-applies the allowlist, not a spec change', async () => {
    const objs = fresh()
    const tp = find(objs, 'allow-binaries-checkout')
    const sel = tp.spec.kprobes[0].selectors[0].matchArgs[0]
    sel.values = sel.values.filter((v: string) => v !== '/usr/bin/curl')
    const d = await diagnose(objs, {clientBinary: '/usr/bin/curl'})
    expect(d.result.blockedAt).toBe('runtime')
    expect(d.drift.map((x) => `${x.change} ${x.name}`)).toEqual(['different allow-binaries-checkout'])
    expect(d.fix?.changes.map((c) => c.kind)).toEqual(['Cluster'])
    expect(d.fix?.verified).toBe(true)
  })

  it('(h) no Tetragon objects at all: runtime PASS (nothing is killed), every expected one is missing', async () => {
    const isRuntime = (o: KubeObject) => o.kind === 'TracingPolicy' || o.kind === 'TracingPolicyNamespaced'
    const expectedRuntime = dump.filter(isRuntime)
    const d = await diagnose(fresh().filter((o) => !isRuntime(o)), {clientBinary: '/usr/bin/wget'})
    // Without a runtime policy Tetragon kills nothing: neither payments' entrypoint nor
    // checkout's wget. PASS is right; the drift is what tells the user enforcement is gone.
    expect(status(d, 'runtime')).toBe('PASS')
    expect(summary(d, 'runtime')).toBe('no runtime policy restricts payments; no runtime policy restricts checkout')
    expect(d.result.status).toBe('ALLOWED')
    expect(d.drift.every((x) => x.layer === 'runtime' && x.change === 'missing')).toBe(true)
    expect(d.drift.map((x) => `${x.kind} ${x.namespace ?? ''}/${x.name}`).sort()).toEqual(expectedRuntime.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort())
    // The cluster-scoped baseline is among them, without a namespace.
    expect(d.drift).toContainEqual({layer: 'runtime', change: 'missing', kind: 'TracingPolicy', name: 'lattice-baseline-runtime'})
    // Sorted: namespaced (commerce/…) and cluster-scoped (/…) entries in one order.
    const keys = d.drift.map((x) => `${x.namespace ?? ''}/${x.name}`)
    expect(keys).toEqual([...keys].sort((a, b) => a.localeCompare(b)))
  })

  it('the same object listed twice (two exports concatenated) is one object, not drift', async () => {
    const d = await diagnose([...fresh(), structuredClone(find(dump, PAYMENTS_CNP))])
    expect(d.drift).toEqual([])
    expect(d.result.status).toBe('ALLOWED')
  })
})

describe('computeDrift', () => {
  const cnp = (name: string, app: string, ns = 'commerce'): KubeObject => ({
    apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name, namespace: ns},
    spec: {endpointSelector: {matchLabels: {'k8s:app.kubernetes.io/name': app}}, ingress: [{fromEntities: ['cluster']}]},
  })
  const ccnp = (name: string, app: string): KubeObject => ({
    apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: {name},
    spec: {endpointSelector: {matchLabels: {'k8s:app.kubernetes.io/name': app}}, ingress: [{fromEntities: ['cluster']}]},
  })
  const entries = (d: ReturnType<typeof computeDrift>) => d.map((x) => `${x.change} ${x.kind} ${x.namespace ?? '-'}/${x.name}`)

  it('equal sets, in any order and under any names: no drift', () => {
    expect(computeDrift([cnp('a', 'x'), cnp('b', 'y')], [cnp('b2', 'y'), cnp('a2', 'x')])).toEqual([])
  })

  it('same meaning under two names matches once; the second live copy is unexpected', () => {
    // Expected one, live two with the same meaning: the same-named one is the match.
    expect(entries(computeDrift([cnp('a', 'x')], [cnp('copy', 'x'), cnp('a', 'x')]))).toEqual(['unexpected CiliumNetworkPolicy commerce/copy'])
    expect(entries(computeDrift([cnp('a', 'x')], [cnp('a', 'x'), cnp('copy', 'x')]))).toEqual(['unexpected CiliumNetworkPolicy commerce/copy'])
  })

  it('multiset: two expected objects with one meaning need two live objects', () => {
    expect(entries(computeDrift([cnp('a', 'x'), cnp('b', 'x')], [cnp('a', 'x')]))).toEqual(['missing CiliumNetworkPolicy commerce/b'])
    expect(computeDrift([cnp('a', 'x'), cnp('b', 'x')], [cnp('c', 'x'), cnp('d', 'x')])).toEqual([])
  })

  it('same name, other meaning: different; other name, other meaning: missing + unexpected', () => {
    expect(entries(computeDrift([cnp('a', 'x')], [cnp('a', 'z')]))).toEqual(['different CiliumNetworkPolicy commerce/a'])
    expect(entries(computeDrift([cnp('a', 'x')], [cnp('b', 'z')]))).toEqual(['missing CiliumNetworkPolicy commerce/a', 'unexpected CiliumNetworkPolicy commerce/b'])
  })

  it('meaning is swapped between two names: still no drift (name-insensitive)', () => {
    expect(computeDrift([cnp('a', 'x'), cnp('b', 'y')], [cnp('a', 'y'), cnp('b', 'x')])).toEqual([])
  })

  it('namespaced objects mean something only in their namespace', () => {
    expect(entries(computeDrift([cnp('a', 'x', 'commerce')], [cnp('a', 'x', 'billing')]))).toEqual([
      'missing CiliumNetworkPolicy commerce/a',
      'unexpected CiliumNetworkPolicy billing/a',
    ])
  })

  it('a cluster-wide policy is not a namespaced one with the same rules', () => {
    const d = computeDrift([ccnp('a', 'x')], [cnp('a', 'x')])
    expect(entries(d)).toEqual(['missing CiliumClusterwideNetworkPolicy -/a', 'unexpected CiliumNetworkPolicy commerce/a'])
    expect(d[0]).not.toHaveProperty('namespace')
    expect(computeDrift([ccnp('a', 'x')], [ccnp('renamed', 'x')])).toEqual([])
  })

  it('objects of kinds no layer owns are ignored on both sides', () => {
    const cm = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', namespace: 'commerce'}, data: {}}
    const member = {apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', metadata: {name: 'm', namespace: 'commerce'}, spec: {}}
    expect(computeDrift([cnp('a', 'x'), member], [cnp('a', 'x'), cm])).toEqual([])
  })

  it('entries are ordered by layer, then change, then namespace/name', () => {
    const ap = (name: string, ns: string): KubeObject => ({apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: {name, namespace: ns}, spec: {action: 'DENY', rules: [{}]}})
    const d = computeDrift([ap('p', 'commerce'), cnp('a', 'x'), ccnp('z', 'x')], [ap('q', 'istio-system')])
    expect(d.map((x) => `${x.layer} ${x.change} ${x.namespace ?? ''}/${x.name}`)).toEqual([
      'l4 missing /z',
      'l4 missing commerce/a',
      'l7 missing commerce/p',
      'l7 unexpected istio-system/q',
    ])
  })
})
