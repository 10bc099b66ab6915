import {describe, expect, it} from 'vitest'
import type {ProcessEventRecord} from '../../src/core/evidence.js'
import type {ConnectivityQuery, Workload} from '../../src/core/query.js'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {compileTetragon, entrypointsOf, runtimeLayer} from '../../src/layers/tetragon/index.js'
import {graph} from '../helpers/graph.js'
import {checkout, container, payments, service} from './fixtures.js'

function workload(name: string): Workload {
  return {namespace: 'commerce', name, kind: 'LatticeService', serviceAccount: name, podLabels: {'app.kubernetes.io/name': name}, ambient: true, ports: []}
}

function query(extra: Partial<ConnectivityQuery> = {}): ConnectivityQuery {
  return {source: workload('checkout'), target: workload('payments'), trustDomain: 'cluster.local', serverBinaries: entrypointsOf(payments()), ...extra}
}

const policies = compileTetragon([checkout(), payments()], graph([], []), defaultCompileOptions())

function kill(pod: string, binary: string, policy: string, time = '2026-05-20T09:14:24Z'): ProcessEventRecord {
  return {time, type: 'kprobe', namespace: 'commerce', pod, binary, processBinary: '/bin/sh', policy, function: 'security_bprm_check', action: 'KPROBE_ACTION_SIGKILL'}
}

describe('runtimeLayer (§9.2 step 8, §10.6)', () => {
  it('PASS names the allowlist that includes B\'s entrypoint (§9.3)', () => {
    const r = runtimeLayer(query(), policies)
    expect(r).toMatchObject({layer: 'runtime', status: 'PASS', summary: 'allow-binaries-payments includes /usr/local/bin/payments', warnings: []})
    expect(r.evidence).toContainEqual(expect.objectContaining({kind: 'TracingPolicyNamespaced', namespace: 'commerce', name: 'allow-binaries-payments'}))
  })

  it('PASS when no runtime policy applies', () => {
    expect(runtimeLayer(query(), []).summary).toBe('no runtime policy restricts payments')
  })

  it('DENY when B\'s entrypoint is not in B\'s allowlist (B cannot serve)', () => {
    const r = runtimeLayer(query({serverBinaries: ['/usr/local/bin/payments-v2']}), policies)
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('payments cannot serve: its entrypoint /usr/local/bin/payments-v2 would be killed by allow-binaries-payments')
    expect(r.evidence[0]).toMatchObject({name: 'allow-binaries-payments', source: 'policy'})
  })

  it('DENY when a Sigkill of B\'s entrypoint was observed, even if the policies allow it', () => {
    const events = [1, 2].map((i) => kill(`payments-7b4c9d6f8-qw2e${i}`, '/usr/local/bin/payments', 'old-policy'))
    const r = runtimeLayer(query(), policies, {events})
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('payments cannot serve: /usr/local/bin/payments killed 2× in payments by old-policy')
    expect(r.evidence).toContainEqual(expect.objectContaining({kind: 'TetragonEvent', count: 2, source: 'tetragon'}))
  })

  it('DENY when --client-binary is not allowed in A, with or without a kill seen', () => {
    const r = runtimeLayer(query({clientBinary: '/usr/bin/wget'}), policies)
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('--client-binary /usr/bin/wget is not allowed in checkout: it would be killed by allow-binaries-checkout')
  })

  it('PASS names both allowlists when --client-binary is allowed', () => {
    const r = runtimeLayer(query({clientBinary: '/usr/bin/curl'}), policies)
    expect(r.status).toBe('PASS')
    expect(r.summary).toBe('allow-binaries-payments includes /usr/local/bin/payments; allow-binaries-checkout includes /usr/bin/curl')
  })

  it('WARN with evidence for Sigkills of other binaries in A\'s pods, with the rerun hint', () => {
    const events = [1, 2, 3].map((i) => kill('checkout-84f6b7c9d-zp4mn', '/usr/bin/wget', 'allow-binaries-checkout', `2026-05-20T09:14:2${i}Z`))
    const r = runtimeLayer(query(), policies, {events})
    expect(r.status).toBe('WARN')
    expect(r.summary).toBe('/usr/bin/wget killed 3× in checkout by allow-binaries-checkout; if checkout calls payments through it, rerun with --client-binary /usr/bin/wget')
    expect(r.warnings).toEqual([r.summary])
    expect(r.reasons[0]).toBe('allow-binaries-payments includes /usr/local/bin/payments')
    expect(r.evidence).toContainEqual({kind: 'TetragonEvent', namespace: 'commerce', name: 'checkout-84f6b7c9d-zp4mn', detail: '/usr/bin/wget SIGKILL by allow-binaries-checkout', time: '2026-05-20T09:14:23Z', count: 3, source: 'tetragon'})
  })

  it('WARN for other kills in B\'s pods; events of other workloads and non-kill events are ignored', () => {
    const events: ProcessEventRecord[] = [
      {...kill('x', '/usr/bin/nc', 'allow-binaries-payments'), pod: undefined, podLabels: {'app.kubernetes.io/name': 'payments', 'pod-template-hash': 'abc'}},
      kill('cart-5d8f9c7b6d-7hjlm', '/usr/bin/nc', 'allow-binaries-cart'),
      {...kill('checkout-1-2', '/usr/bin/nc', 'p'), namespace: 'other'},
      {...kill('checkout-1-2', '/usr/bin/nc', 'p'), action: 'KPROBE_ACTION_POST'},
    ]
    const r = runtimeLayer(query(), policies, {events})
    expect(r.status).toBe('WARN')
    expect(r.warnings).toEqual(['/usr/bin/nc killed 1× in payments by allow-binaries-payments'])
  })

  it('DENY when B has no ready pod (crash-looping pods have no endpoints)', () => {
    const r = runtimeLayer(query(), policies, {targetReady: false})
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('payments has no ready pod (crash-looping pods have no endpoints)')
  })

  it('the entrypoint kill is the summary when it explains the crash loop', () => {
    const events = [kill('payments-7b4c9d6f8-qw2er', '/usr/local/bin/payments', 'allow-binaries-payments')]
    const r = runtimeLayer(query(), policies, {events, targetReady: false})
    expect(r.summary).toMatch(/^payments cannot serve: \/usr\/local\/bin\/payments killed 1×/)
    expect(r.reasons).toContain('payments has no ready pod (crash-looping pods have no endpoints)')
  })

  it('a wildcard service has no allow-binaries policy, so any client binary passes', () => {
    const wild = service('commerce', 'checkout', {main: container({command: ['/srv/checkout'], security: {allowedBinaries: ['*']}})})
    const ps = compileTetragon([wild, payments()], graph([], []), defaultCompileOptions())
    const r = runtimeLayer(query({clientBinary: '/usr/bin/wget'}), ps)
    expect(r.status).toBe('PASS')
    expect(r.summary).toBe('allow-binaries-payments includes /usr/local/bin/payments; no runtime policy restricts checkout')
  })

  it('WARN when a kill of an allowed --client-binary was observed (evidence contradicts the policies)', () => {
    const events = [kill('checkout-84f6b7c9d-zp4mn', '/usr/bin/curl', 'removed-policy')]
    const r = runtimeLayer(query({clientBinary: '/usr/bin/curl'}), policies, {events})
    expect(r.status).toBe('WARN')
    expect(r.warnings).toEqual(['/usr/bin/curl killed 1× in checkout by removed-policy although the current policies allow it'])
  })

  it('uses sourceName in messages', () => {
    const r = runtimeLayer(query({clientBinary: '/usr/bin/wget'}), policies, {sourceName: 'commerce/checkout'})
    expect(r.summary).toContain('not allowed in commerce/checkout')
  })
})

describe('Tetragon events belong to the exact workload (LATTICE-SPEC §10.14)', () => {
  const ev = (pod: string, podLabels?: Record<string, string>) => ({time: '2026-05-20T09:14:24Z', type: 'kprobe' as const, namespace: 'shop', pod, binary: '/usr/bin/nc', action: 'KPROBE_ACTION_SIGKILL', ...(podLabels ? {podLabels} : {})})
  const payments = {namespace: 'shop', name: 'payments', podLabels: {'app.kubernetes.io/name': 'payments'}}

  it('labels decide when the event carries them', async () => {
    const {eventInWorkload} = await import('../../src/layers/tetragon/index.js')
    expect(eventInWorkload(ev('payments-7b4c9d6f8-qw2er', {'app.kubernetes.io/name': 'payments'}), payments)).toBe(true)
    expect(eventInWorkload(ev('payments-7b4c9d6f8-qw2er', {'app.kubernetes.io/name': 'payments-api'}), payments)).toBe(false)
  })

  it('without labels, the pod name must be one of the workload\'s pods, not a longer name sharing its prefix', async () => {
    const {eventInWorkload} = await import('../../src/layers/tetragon/index.js')
    expect(eventInWorkload(ev('payments-7b4c9d6f8-qw2er'), payments)).toBe(true)
    expect(eventInWorkload(ev('payments-0'), payments)).toBe(true)
    expect(eventInWorkload(ev('payments-api-7b4c9d6f8-qw2er'), payments)).toBe(false)
    expect(eventInWorkload(ev('payments-api-0'), payments)).toBe(false)
  })
})
