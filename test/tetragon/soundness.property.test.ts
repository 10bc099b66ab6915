// Property: the Runtime verdict is sound when facts are missing. Random tcp_connect policies
// (selectors mixing DAddr/NotDAddr, matchBinaries In/NotIn, Sigkill/Post/NoPost, in order:
// first matching selector wins, upstream bpf/process/generic_calls.h) are judged without B's
// address and with each concrete address. Without the address the verdict is PASS only if
// every concrete address passes, DENY only if every one is denied; otherwise UNKNOWN.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import type {ConnectivityQuery, Workload} from '../../src/core/query.js'
import {runtimeLayer} from '../../src/layers/tetragon/index.js'

const ADDRESSES = ['10.0.0.1', '10.1.0.1', '192.168.0.1']
const CIDRS = ['10.0.0.0/16', '10.0.0.0/8', '192.168.0.0/16', '10.1.0.1']

const addrFilter = fc.record({index: fc.constant(0), operator: fc.constantFrom('DAddr', 'NotDAddr'), values: fc.uniqueArray(fc.constantFrom(...CIDRS), {minLength: 1, maxLength: 2})})
const binFilter = fc.record({operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(fc.constantFrom('/usr/bin/curl', '/usr/bin/wget'), {minLength: 1, maxLength: 2})})
const action = fc.constantFrom<Array<Record<string, unknown>> | undefined>([{action: 'Sigkill'}], [{action: 'Post'}], [{action: 'NoPost'}], undefined)
const selector = fc
  .record({args: fc.array(addrFilter, {maxLength: 2}), bins: fc.option(binFilter, {nil: undefined}), actions: action})
  .map(({args, bins, actions}) => ({
    ...(args.length > 0 ? {matchArgs: args} : {}),
    ...(bins ? {matchBinaries: [bins]} : {}),
    ...(actions ? {matchActions: actions} : {}),
  }))
const policy = fc.array(fc.array(selector, {minLength: 1, maxLength: 4}), {minLength: 1, maxLength: 2}).map((hooks): KubeObject => ({
  apiVersion: 'cilium.io/v1alpha1',
  kind: 'TracingPolicy',
  metadata: {name: 'random'},
  spec: {kprobes: hooks.map((selectors) => ({call: 'tcp_connect', syscall: false, args: [{index: 0, type: 'sock'}], selectors}))},
}))

function workload(name: string): Workload {
  return {namespace: 'ns', name, kind: 'LatticeService', serviceAccount: name, podLabels: {'app.kubernetes.io/name': name}, ambient: false, ports: []} // the proxies have no address facts here
}
const query: ConnectivityQuery = {
  source: workload('a'), target: workload('b'), trustDomain: 'cluster.local',
  port: {name: 'http', servicePort: 8080, targetPort: 8080, protocol: 'TCP'}, clientBinary: '/usr/bin/curl', serverBinaries: [],
}

describe('Runtime verdict soundness under unknown destination addresses', () => {
  it('PASS/DENY without the address hold for every concrete address; with all addresses known nothing is UNKNOWN', () => {
    const seen = new Set<string>()
    fc.assert(
      fc.property(policy, (p) => {
        const concrete = ADDRESSES.map((a) => runtimeLayer(query, [p], {targetAddresses: [a]}).status)
        for (const s of concrete) expect(['PASS', 'DENY']).toContain(s)
        const offline = runtimeLayer(query, [p]).status
        seen.add(offline)
        if (offline === 'PASS') expect(concrete.every((s) => s === 'PASS')).toBe(true)
        else if (offline === 'DENY') expect(concrete.every((s) => s === 'DENY')).toBe(true)
        else expect(offline).toBe('UNKNOWN')
        const all = runtimeLayer(query, [p], {targetAddresses: ADDRESSES}).status
        if (all === 'PASS') expect(concrete.every((s) => s === 'PASS')).toBe(true)
        if (all === 'DENY') expect(concrete.every((s) => s === 'DENY')).toBe(true)
      }),
      {numRuns: 400},
    )
    // the generator reaches every outcome (the property is not vacuous)
    expect([...seen].sort()).toEqual(['DENY', 'PASS', 'UNKNOWN'])
  })
})

describe('exec verdict soundness under an unknown caller (matchBinaries on security_bprm_check)', () => {
  const CALLERS = ['/bin/sh', '/usr/bin/runc', '/other'] // the listed binaries plus one unlisted: every equivalence class of In/NotIn
  const bprmSelector = fc
    .record({
      path: fc.option(fc.record({index: fc.constant(0), operator: fc.constantFrom('Equal', 'NotEqual'), values: fc.uniqueArray(fc.constantFrom('/usr/bin/curl', '/srv/app'), {minLength: 1, maxLength: 2})}), {nil: undefined}),
      bins: fc.option(fc.record({operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(fc.constantFrom('/bin/sh', '/usr/bin/runc'), {minLength: 1, maxLength: 2})}), {nil: undefined}),
      actions: action,
    })
    .map(({path, bins, actions}) => ({...(path ? {matchArgs: [path]} : {}), ...(bins ? {matchBinaries: [bins]} : {}), ...(actions ? {matchActions: actions} : {})}))
  const bprmPolicy = fc.array(bprmSelector, {minLength: 1, maxLength: 4}).map((selectors): KubeObject => ({
    apiVersion: 'cilium.io/v1alpha1', kind: 'TracingPolicy', metadata: {name: 'random-exec'},
    spec: {kprobes: [{call: 'security_bprm_check', syscall: false, args: [{index: 0, type: 'linux_binprm'}], selectors}]},
  }))

  it('blocked/allowed without the caller hold for every caller; else undecided', async () => {
    const {evaluateExec} = await import('../../src/layers/tetragon/index.js')
    const pod = {namespace: 'ns', labels: {}}
    fc.assert(
      fc.property(bprmPolicy, fc.constantFrom('/usr/bin/curl', '/srv/app', '/x'), (p, binary) => {
        const concrete = CALLERS.map((caller) => evaluateExec([p], pod, binary, {caller}))
        for (const v of concrete) expect(v.undecided).toBe(false)
        const v = evaluateExec([p], pod, binary)
        if (v.blocked) expect(concrete.every((c) => c.blocked)).toBe(true)
        else if (!v.undecided) expect(concrete.every((c) => !c.blocked)).toBe(true)
      }),
      {numRuns: 400},
    )
  })
})
