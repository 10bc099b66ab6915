import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {compileTetragon, evaluateExec} from '../../src/layers/tetragon/index.js'
import {graph} from '../helpers/graph.js'
import {checkout} from './fixtures.js'

const pod = {namespace: 'commerce', labels: {'app.kubernetes.io/name': 'checkout'}}

function policy(kprobe: Record<string, unknown>, extra: {kind?: string; namespace?: string; spec?: Record<string, unknown>; name?: string} = {}): KubeObject {
  const kind = extra.kind ?? 'TracingPolicyNamespaced'
  return {
    apiVersion: 'cilium.io/v1alpha1',
    kind,
    metadata: {name: extra.name ?? 'p', ...(kind === 'TracingPolicyNamespaced' ? {namespace: extra.namespace ?? 'commerce'} : {})},
    spec: {kprobes: [kprobe], ...extra.spec},
  }
}

function bprm(selectors: unknown[], argType = 'linux_binprm'): Record<string, unknown> {
  return {call: 'security_bprm_check', syscall: false, args: [{index: 0, type: argType}], selectors}
}

const kill = [{action: 'Sigkill'}]

describe('evaluateExec: compiled policies', () => {
  const compiled = compileTetragon([checkout()], graph([], []), defaultCompileOptions())

  it('allows every allowlisted binary and kills anything else', () => {
    for (const b of ['/bin/sh', '/srv/checkout', '/usr/bin/curl']) {
      const v = evaluateExec(compiled, pod, b)
      expect(v).toMatchObject({killed: false, blocked: false})
      expect(v.applied.map((r) => r.name)).toEqual(['allow-binaries-checkout'])
    }
    const v = evaluateExec(compiled, pod, '/usr/bin/wget')
    expect(v).toMatchObject({killed: true, blocked: true, action: 'Sigkill', by: {kind: 'TracingPolicyNamespaced', namespace: 'commerce', name: 'allow-binaries-checkout'}, kprobeIndex: 0, selectorIndex: 0})
    expect(v.reason).toContain('/usr/bin/wget is not in [/bin/sh, /srv/checkout, /usr/bin/curl]')
  })

  it('does not apply to other pods or namespaces', () => {
    expect(evaluateExec(compiled, {namespace: 'commerce', labels: {'app.kubernetes.io/name': 'payments'}}, '/usr/bin/wget').killed).toBe(false)
    expect(evaluateExec(compiled, {namespace: 'other', labels: pod.labels}, '/usr/bin/wget').killed).toBe(false)
  })
})

describe('evaluateExec: matchArgs operators on the binary', () => {
  const cases: Array<[string, string[], string, boolean]> = [
    ['Equal', ['/usr/bin/nc'], '/usr/bin/nc', true],
    ['Equal', ['/usr/bin/nc'], '/usr/bin/ncat', false],
    ['NotEqual', ['/a', '/b'], '/b', false],
    ['NotEqual', ['/a', '/b'], '/c', true],
    ['Prefix', ['/tmp/', '/dev/shm/'], '/tmp/x', true],
    ['Prefix', ['/tmp/'], '/usr/tmp/x', false],
    ['NotPrefix', ['/usr/', '/bin/'], '/tmp/x', true],
    ['NotPrefix', ['/usr/', '/bin/'], '/usr/bin/x', false],
    ['Postfix', ['/nc', '/ncat'], '/usr/bin/ncat', true],
    ['Postfix', ['/nc'], '/usr/bin/ncat', false],
    ['NotPostfix', ['/sh'], '/bin/bash', true],
    ['NotPostfix', ['/sh'], '/bin/sh', false],
  ]
  for (const [operator, values, binary, killed] of cases) {
    it(`${operator} ${values.join(',')} on ${binary} → ${killed ? 'kill' : 'allow'}`, () => {
      const p = policy(bprm([{matchArgs: [{index: 0, operator, values}], matchActions: kill}]))
      expect(evaluateExec([p], pod, binary).killed).toBe(killed)
    })
  }

  it('accepts the legacy `file` arg type (D10)', () => {
    const p = policy(bprm([{matchArgs: [{index: 0, operator: 'Equal', values: ['/usr/bin/nc']}], matchActions: kill}], 'file'))
    expect(evaluateExec([p], pod, '/usr/bin/nc').killed).toBe(true)
  })

  it('supports the lsmhooks form and sys_execve kprobes', () => {
    const lsm: KubeObject = {apiVersion: 'cilium.io/v1alpha1', kind: 'TracingPolicy', metadata: {name: 'lsm'}, spec: {lsmhooks: [{hook: 'bprm_check_security', args: [{index: 0, type: 'linux_binprm'}], selectors: [{matchArgs: [{index: 0, operator: 'Equal', values: ['/x']}], matchActions: kill}]}]}}
    expect(evaluateExec([lsm], pod, '/x').killed).toBe(true)
    const execve = policy({call: '__x64_sys_execve', syscall: true, args: [{index: 0, type: 'string'}], selectors: [{matchArgs: [{index: 0, operator: 'Prefix', values: ['/tmp/']}], matchActions: kill}]})
    expect(evaluateExec([execve], pod, '/tmp/evil').killed).toBe(true)
    expect(evaluateExec([execve], pod, '/usr/bin/ok').killed).toBe(false)
  })

  it('ignores other hooks (security_file_open does not see execs)', () => {
    const p = policy({call: 'security_file_open', syscall: false, args: [{index: 0, type: 'file'}], selectors: [{matchActions: kill}]})
    const v = evaluateExec([p], pod, '/x')
    expect(v).toMatchObject({killed: false, applied: []})
  })

  it('a filter on an argument the hook does not read: Tetragon refuses the policy, undecided (never a pass)', () => {
    const p = policy(bprm([{matchArgs: [{index: 1, operator: 'Equal', values: ['/x']}], matchActions: kill}]))
    const v = evaluateExec([p], pod, '/x')
    expect(v).toMatchObject({killed: false, undecided: true})
    expect(v.reason).toMatch(/refuses the policy/)
  })
})

describe('evaluateExec: selectors', () => {
  it('filters within a selector are ANDed', () => {
    const p = policy(bprm([{matchArgs: [{index: 0, operator: 'Prefix', values: ['/usr/']}, {index: 0, operator: 'Postfix', values: ['/nc']}], matchActions: kill}]))
    expect(evaluateExec([p], pod, '/usr/bin/nc').killed).toBe(true)
    expect(evaluateExec([p], pod, '/usr/bin/curl').killed).toBe(false)
    expect(evaluateExec([p], pod, '/bin/nc').killed).toBe(false)
  })

  it('selectors are ORed: any matching selector fires', () => {
    const p = policy(bprm([
      {matchArgs: [{index: 0, operator: 'Equal', values: ['/a']}], matchActions: kill},
      {matchArgs: [{index: 0, operator: 'Equal', values: ['/b']}], matchActions: kill},
    ]))
    expect(evaluateExec([p], pod, '/a')).toMatchObject({killed: true, selectorIndex: 0})
    expect(evaluateExec([p], pod, '/b')).toMatchObject({killed: true, selectorIndex: 1})
    expect(evaluateExec([p], pod, '/c').killed).toBe(false)
  })

  it('the first matching selector decides: an observing one shields a later kill', () => {
    const p = policy(bprm([
      {matchArgs: [{index: 0, operator: 'Equal', values: ['/a']}], matchActions: [{action: 'Post'}]},
      {matchActions: kill},
    ]))
    expect(evaluateExec([p], pod, '/a').killed).toBe(false)
    expect(evaluateExec([p], pod, '/b').killed).toBe(true)
  })

  it('Post and NoPost only observe; a selector without actions observes', () => {
    for (const matchActions of [[{action: 'Post'}], [{action: 'NoPost'}], undefined]) {
      expect(evaluateExec([policy(bprm([{matchActions}]))], pod, '/x').blocked).toBe(false)
    }
  })

  it('Override blocks without killing; Sigkill kills and wins over Override elsewhere', () => {
    const override = policy(bprm([{matchActions: [{action: 'Override', argError: -1}]}]), {name: 'override'})
    expect(evaluateExec([override], pod, '/x')).toMatchObject({killed: false, blocked: true, action: 'Override', by: {name: 'override'}})
    const sigkill = policy(bprm([{matchActions: kill}]), {name: 'sigkill'})
    expect(evaluateExec([override, sigkill], pod, '/x')).toMatchObject({killed: true, blocked: true, action: 'Sigkill', by: {name: 'sigkill'}})
  })

  it('matchBinaries checks the caller; an unknown caller leaves the verdict undecided', () => {
    const inShell = policy(bprm([{matchBinaries: [{operator: 'In', values: ['/bin/sh']}], matchActions: kill}]))
    expect(evaluateExec([inShell], pod, '/x', {caller: '/bin/sh'}).killed).toBe(true)
    expect(evaluateExec([inShell], pod, '/x', {caller: '/bin/bash'}).killed).toBe(false)
    // Unknown caller: the kill may or may not fire — undecided, never a pass.
    expect(evaluateExec([inShell], pod, '/x')).toMatchObject({killed: false, blocked: false, undecided: true})
    const notInit = policy(bprm([{matchBinaries: [{operator: 'NotIn', values: ['/usr/bin/runc']}], matchActions: kill}]))
    expect(evaluateExec([notInit], pod, '/x', {caller: '/usr/bin/runc'}).killed).toBe(false)
    const v = evaluateExec([notInit], pod, '/x')
    expect(v).toMatchObject({killed: false, undecided: true})
    expect(v.reason).toMatch(/process performing the exec is not known/)
  })
})

describe('evaluateExec: scoping', () => {
  const killAll = bprm([{matchActions: kill}])

  it('a TracingPolicyNamespaced in another namespace never applies, even with matching labels', () => {
    const p = policy(killAll, {namespace: 'payments-ns'})
    expect(evaluateExec([p], pod, '/x').killed).toBe(false)
    expect(evaluateExec([p], {...pod, namespace: 'payments-ns'}, '/x').killed).toBe(true)
  })

  it('a TracingPolicy applies in every namespace', () => {
    const p = policy(killAll, {kind: 'TracingPolicy'})
    expect(evaluateExec([p], {namespace: 'anything', labels: {}}, '/x').killed).toBe(true)
  })

  it('podSelector matchLabels and matchExpressions (absent = every pod)', () => {
    const sel = policy(killAll, {spec: {podSelector: {matchLabels: {tier: 'web'}, matchExpressions: [{key: 'env', operator: 'NotIn', values: ['dev']}, {key: 'team', operator: 'Exists'}]}}})
    expect(evaluateExec([sel], {namespace: 'commerce', labels: {tier: 'web', env: 'prod', team: 'x'}}, '/x').killed).toBe(true)
    expect(evaluateExec([sel], {namespace: 'commerce', labels: {tier: 'web', env: 'dev', team: 'x'}}, '/x').killed).toBe(false)
    expect(evaluateExec([sel], {namespace: 'commerce', labels: {tier: 'web', env: 'prod'}}, '/x').killed).toBe(false)
    expect(evaluateExec([sel], {namespace: 'commerce', labels: {tier: 'db', env: 'prod', team: 'x'}}, '/x').killed).toBe(false)
    const inOp = policy(killAll, {spec: {podSelector: {matchExpressions: [{key: 'app', operator: 'In', values: ['a', 'b']}, {key: 'legacy', operator: 'DoesNotExist'}]}}})
    expect(evaluateExec([inOp], {namespace: 'commerce', labels: {app: 'b'}}, '/x').killed).toBe(true)
    expect(evaluateExec([inOp], {namespace: 'commerce', labels: {app: 'b', legacy: 'y'}}, '/x').killed).toBe(false)
    expect(evaluateExec([policy(killAll)], {namespace: 'commerce', labels: {}}, '/x').killed).toBe(true)
  })

  it('containerSelector selects by container name; an unknown container makes a kill undecided', () => {
    const p = policy(killAll, {spec: {containerSelector: {matchLabels: {name: 'main'}}}})
    expect(evaluateExec([p], {...pod, container: 'main'}, '/x').killed).toBe(true)
    expect(evaluateExec([p], {...pod, container: 'sidecar'}, '/x').killed).toBe(false)
    const v = evaluateExec([p], pod, '/x')
    expect(v).toMatchObject({killed: false, undecided: true})
    expect(v.assumptions.join()).toMatch(/containerSelector/)
  })

  it('ignores non-Tetragon kinds', () => {
    const p = {...policy(killAll), kind: 'CiliumNetworkPolicy'}
    expect(evaluateExec([p], pod, '/x')).toMatchObject({killed: false, applied: []})
  })
})
