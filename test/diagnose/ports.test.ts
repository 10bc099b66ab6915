// Every port (LATTICE-SPEC §10.13, issue 7 point 6): without --port, each port of the callee
// is diagnosed through every layer; the pair is ALLOWED only when every port is, BLOCKED
// (naming the blocked ports) when any port is blocked, else UNKNOWN when any port has an
// UNKNOWN layer (§10.5). The top-level layers are those of the first blocked port.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import {isBlocking, type LayerResult, type LayerStatus} from '../../src/core/result.js'
import {diagnoseOffline} from '../../src/diagnose/offline.js'
import {combinePorts, compiledView, evaluatePair, type PolicyView} from '../../src/diagnose/pair.js'
import {combine} from '../../src/diagnose/result.js'
import {compileFleet, type CompiledFleet} from '../../src/pipeline/fleet.js'
import {renderDiagnosisText} from '../../src/render/diagnosis-text.js'
import {toReport} from '../../src/render/structured.js'
import {specSetFromDocuments} from '../../src/spec/load.js'
import {inb, out, service, writeSpecs} from '../helpers/specs.js'
import {stringify} from 'yaml'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

// Port numbers that are never substrings of one another nor of 15008 (the HBONE port the
// L4 line also names), so "the line names port N" is unambiguous.
const PORTS = [8080, 9090, 7070, 6060, 5050]
type PortPolicy = 'allowed' | 'not-allowed' | 'denied'

const specsWith = (ports: number[]) => {
  const docs = [
    service('commerce', 'checkout', {payments: out()}),
    service('commerce', 'payments', {checkout: inb()}, {ports: Object.fromEntries(ports.map((p) => [`p${p}`, {port: p}]))}),
  ]
  return specSetFromDocuments(docs.map((value, index) => ({value: value as Record<string, unknown>, origin: {file: 'specs.yaml', index}, label: `doc ${index}`})))
}

const fleets = new Map<string, Promise<CompiledFleet>>()
const fleetFor = (ports: number[]) => {
  const key = ports.join(',')
  if (!fleets.has(key)) fleets.set(key, compileFleet(specsWith(ports), defaultCompileOptions()))
  return fleets.get(key)!
}

/** The compiled L7 objects with, per port, the port dropped from payments' ALLOW, or a DENY added for it. */
function viewWith(fleet: CompiledFleet, policy: Map<number, PortPolicy>): PolicyView {
  const view = compiledView(fleet)
  let l7 = structuredClone(view.l7) as Array<KubeObject & {spec: any}>
  const allow = l7.find((o) => o.metadata.name.startsWith('allow-to-') && o.spec.selector?.matchLabels?.['app.kubernetes.io/name'] === 'payments')!
  for (const rule of allow.spec.rules) for (const to of rule.to ?? []) {
    to.operation.ports = to.operation.ports.filter((p: string) => policy.get(Number(p)) !== 'not-allowed')
  }
  // An empty `ports` list constrains nothing in Istio: no port left means no ALLOW at all.
  if (allow.spec.rules.every((r: any) => (r.to ?? []).every((t: any) => t.operation.ports.length === 0))) l7 = l7.filter((o) => o !== allow)
  const denied = [...policy].filter(([, v]) => v === 'denied').map(([p]) => String(p))
  if (denied.length) {
    l7.push({
      apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: {name: 'deny-some-ports', namespace: 'commerce'},
      spec: {selector: {matchLabels: {'app.kubernetes.io/name': 'payments'}}, action: 'DENY', rules: [{to: [{operation: {ports: denied}}]}]},
    })
  }
  return {...view, l7}
}

const namesPort = (line: string, port: number) => new RegExp(`\\b${port}\\b`).test(line)

describe('every port through every layer (§10.13)', () => {
  it('property: ALLOWED iff every port is allowed by every layer; every layer line of a verdict names that verdict\'s port', async () => {
    await fc.assert(fc.asyncProperty(
      fc.shuffledSubarray(PORTS, {minLength: 2, maxLength: 4}),
      fc.array(fc.constantFrom<PortPolicy>('allowed', 'allowed', 'not-allowed', 'denied'), {minLength: 4, maxLength: 4}),
      fc.boolean(),
      async (ports, policies, runtimeUnknown) => {
        const policy = new Map(ports.map((p, i) => [p, policies[i]]))
        const fleet = await fleetFor(ports)
        const d = evaluatePair(fleet, {source: 'commerce/checkout', target: 'commerce/payments'}, viewWith(fleet, policy), [],
          runtimeUnknown ? {unavailable: {runtime: {status: 'UNKNOWN', reason: 'Tetragon events could not be read'}}} : {})
        // Expected from the generated intent, not from the pipeline.
        const blockedPorts = ports.filter((p) => policy.get(p) !== 'allowed')
        const expected = blockedPorts.length > 0 ? 'BLOCKED' : runtimeUnknown ? 'UNKNOWN' : 'ALLOWED'
        expect(d.result.status).toBe(expected)
        // The same, from the per-port verdicts the report carries.
        expect(d.ports).toHaveLength(ports.length)
        const allLayersAllow = d.ports!.every((v) => v.layers.every((l) => !isBlocking(l.status) && l.status !== 'UNKNOWN'))
        expect(d.result.status === 'ALLOWED').toBe(allLayersAllow)
        for (const v of d.ports!) {
          expect(v.result.status).toBe(policy.get(v.port.servicePort) !== 'allowed' ? 'BLOCKED' : runtimeUnknown ? 'UNKNOWN' : 'ALLOWED')
          for (const l of v.layers.filter((x) => x.layer === 'l4' || x.layer === 'l7')) {
            expect(namesPort(l.summary, v.port.targetPort), `${l.layer} of port ${v.port.targetPort}: ${l.summary}`).toBe(true)
            for (const other of ports.filter((p) => p !== v.port.targetPort)) expect(namesPort(l.summary, other), l.summary).toBe(false)
          }
        }
        if (expected === 'BLOCKED') {
          // Named in the explanation, and the top-level layers are the first blocked port's.
          for (const p of blockedPorts) expect(d.result.explanation).toContain(`p${p} (${p})`)
          const first = d.ports!.find((v) => v.result.status === 'BLOCKED')!
          expect(d.layers).toBe(first.layers)
          expect(d.target.port?.servicePort).toBe(first.port.servicePort)
          expect(d.result.blockedAt).toBe('l7')
        } else {
          expect(d.layers).toBe(d.ports![0].layers)
        }
      },
    ), {numRuns: 60})
  }, 60_000)

  it('property (§10.5 over ports): BLOCKED if any port has a blocking layer, else UNKNOWN if any has an UNKNOWN layer, else ALLOWED', () => {
    const status = fc.constantFrom<LayerStatus>('PASS', 'PASS', 'PASS', 'WARN', 'SKIP', 'DENY', 'FAIL', 'UNKNOWN')
    const layers = fc.tuple(status, status, status, status, status, status).map((s) => (['admission', 'cedar', 'declarations', 'l4', 'l7', 'runtime'] as const).map((layer, i): LayerResult => ({layer, status: layer === 'declarations' && (s[i] === 'FAIL') ? 'DENY' : s[i], summary: '', reasons: [], evidence: [], warnings: []})))
    fc.assert(fc.property(fc.array(layers, {minLength: 1, maxLength: 5}), (perPort) => {
      const verdicts = perPort.map((ls, i) => ({name: `p${i}`, result: {...combine(ls), explanation: ''}}))
      const shown = verdicts.find((v) => v.result.status === 'BLOCKED') ?? verdicts.find((v) => v.result.status === 'UNKNOWN') ?? verdicts[0]
      const r = combinePorts(verdicts, shown.result)
      const enforcing = perPort.map((ls) => ls.filter((l) => l.layer !== 'declarations'))
      const anyBlocking = enforcing.some((ls) => ls.some((l) => isBlocking(l.status)))
      const anyUnknown = perPort.some((ls) => ls.some((l) => l.status === 'UNKNOWN'))
      expect(r.status).toBe(anyBlocking ? 'BLOCKED' : anyUnknown ? 'UNKNOWN' : 'ALLOWED')
      if (r.status === 'BLOCKED' && perPort.length > 1) for (const v of verdicts.filter((x) => x.result.status === 'BLOCKED')) expect(r.explanation).toContain(v.name)
    }), {numRuns: 500})
  })

  it('one port blocked of two: BLOCKED at L7 naming it, exit-1 JSON with per-port verdicts, text with one block per port', async () => {
    const fleet = await fleetFor([8080, 9090])
    const d = evaluatePair(fleet, {source: 'commerce/checkout', target: 'commerce/payments'}, viewWith(fleet, new Map([[8080, 'allowed'], [9090, 'not-allowed']])))
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l7'})
    expect(d.result.explanation).toMatch(/^Blocked on port p9090 \(9090\); allowed on p8080 \(8080\)\. /)
    expect(d.target.port?.servicePort).toBe(9090)
    const report = toReport(d) as any
    expect(report.ports.map((p: any) => [p.port.servicePort, p.result.status])).toEqual([[8080, 'ALLOWED'], [9090, 'BLOCKED']])
    expect(report.result.status).toBe('BLOCKED')
    const text = renderDiagnosisText(d, {width: 80})
    expect(text).toContain('Port p8080 (8080): ALLOWED\n')
    expect(text).toContain('Port p9090 (9090): BLOCKED at L7\n')
    // Each layer line of a block speaks of its port.
    const block = text.slice(text.indexOf('Port p9090'), text.indexOf('Result:'))
    expect(block).toContain('port 9090')
    expect(block).not.toMatch(/\b8080\b/)
  })

  it('the fix targets the blocked port (a DENY on it is removed, verified on every port)', async () => {
    const ports = {http: {port: 8080}, grpc: {port: 9090}}
    const specDir = writeSpecs([service('commerce', 'checkout', {payments: out()}), service('commerce', 'payments', {checkout: inb()}, {ports})])
    const fleet = await fleetFor([8080, 9090])
    const view = viewWith(fleet, new Map([[8080, 'allowed'], [9090, 'denied']]))
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-dump-'))
    writeFileSync(path.join(dir, 'live.yaml'), stringify({apiVersion: 'v1', kind: 'List', items: [...view.l4, ...view.l7, ...view.runtime]}))
    const d = await diagnoseOffline({specPaths: [specDir], policyPaths: [dir], source: 'commerce/checkout', target: 'commerce/payments', options: defaultCompileOptions()})
    expect(d.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l7'})
    expect(d.ports!.map((p) => p.result.status)).toEqual(['ALLOWED', 'BLOCKED'])
    expect(d.fix?.ports).toEqual(['grpc (9090)'])
    expect(d.fix?.changes.map((c) => c.name)).toEqual(['AuthorizationPolicy deny-some-ports'])
    expect(d.fix?.verified).toBe(true)
    expect(renderDiagnosisText(d)).toContain('Fix for blocked port grpc (9090):')
  })

  it('--port keeps one verdict: the other ports are not evaluated', async () => {
    const fleet = await fleetFor([8080, 9090])
    const d = evaluatePair(fleet, {source: 'commerce/checkout', target: 'commerce/payments', port: '8080'}, viewWith(fleet, new Map([[8080, 'allowed'], [9090, 'not-allowed']])))
    expect(d.result.status).toBe('ALLOWED')
    expect(d.ports).toHaveLength(1)
  })
})
