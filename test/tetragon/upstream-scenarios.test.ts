// Tetragon's own policies and semantics (cilium/tetragon: examples/tracingpolicy/*.yaml,
// pkg/selectors/kernel.go, bpf/process/generic_calls.h, pkg/sensors/k8s.go,
// pkg/policyfilter/state_test.go, docs concepts/tracing-policy/{selectors,mode,k8s-filtering}.md)
// run through the Runtime layer: may A's client binary run and connect, may B's binary serve?
import {readFileSync} from 'node:fs'
import {Ajv} from 'ajv'
import {parse} from 'yaml'
import {describe, expect, it} from 'vitest'
import {hasShared, sharedPath} from '../helpers/shared.js'
import type {ProcessEventRecord} from '../../src/core/evidence.js'
import type {KubeObject} from '../../src/core/kube.js'
import type {ConnectivityQuery, Workload} from '../../src/core/query.js'
import {eventFromJson} from '../../src/layers/tetragon/events/index.js'
import {evaluateExec, runtimeLayer} from '../../src/layers/tetragon/index.js'

// Not ambient by default: these cases are about A's and B's own processes (the ztunnel and
// waypoint proxies are checked in their own describe below).
function workload(name: string, ns = 'commerce', ambient = false): Workload {
  return {namespace: ns, name, kind: 'LatticeService', serviceAccount: name, podLabels: {'app.kubernetes.io/name': name}, ambient, ports: []}
}

const port = {name: 'http', servicePort: 8080, targetPort: 8080, protocol: 'TCP'}

function query(extra: Partial<ConnectivityQuery> = {}): ConnectivityQuery {
  return {source: workload('checkout'), target: workload('payments'), trustDomain: 'cluster.local', port, serverBinaries: ['/usr/local/bin/payments'], clientBinary: '/usr/bin/curl', ...extra}
}

function tp(spec: Record<string, unknown>, meta: {kind?: string; name?: string; namespace?: string} = {}): KubeObject {
  const kind = meta.kind ?? 'TracingPolicy'
  return {apiVersion: 'cilium.io/v1alpha1', kind, metadata: {name: meta.name ?? 'p', ...(kind === 'TracingPolicyNamespaced' ? {namespace: meta.namespace ?? 'commerce'} : {})}, spec}
}

const kill = [{action: 'Sigkill'}]
const curlOnly = [{operator: 'In', values: ['/usr/bin/curl']}]

function tcpConnect(selectors: unknown[]): Record<string, unknown> {
  return {call: 'tcp_connect', syscall: false, args: [{index: 0, type: 'sock'}], selectors}
}

function status(policies: KubeObject[], extra: Partial<ConnectivityQuery> = {}): string {
  return runtimeLayer(query(extra), policies).status
}

describe('examples/tracingpolicy: connect hooks decide whether the client binary can connect', () => {
  // security-socket-connect-block-others.yaml: curl may only connect to 192.168.1.1:80
  // (Post); any other TCP connect of curl gets Override argError 1.
  const blockOthers = tp({kprobes: [{
    call: 'security_socket_connect', syscall: false,
    args: [{index: 0, type: 'socket'}, {index: 1, type: 'sockaddr'}, {index: 2, type: 'int'}],
    selectors: [
      {matchArgs: [{index: 0, operator: 'Protocol', values: ['IPPROTO_TCP']}, {index: 1, operator: 'Family', values: ['AF_INET', 'AF_INET6']}, {index: 1, operator: 'SAddr', values: ['192.168.1.1']}, {index: 1, operator: 'SPort', values: ['80']}], matchBinaries: curlOnly, matchActions: [{action: 'Post'}]},
      {matchArgs: [{index: 0, operator: 'Protocol', values: ['IPPROTO_TCP']}, {index: 1, operator: 'Family', values: ['AF_INET', 'AF_INET6']}], matchBinaries: curlOnly, matchActions: [{action: 'Override', argError: 1}]},
    ],
  }]}, {name: 'security-socket-connect'})

  it('security-socket-connect-block-others.yaml: curl to B:8080 is DENY (Override), another binary passes', () => {
    const r = runtimeLayer(query(), [blockOthers])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('--client-binary /usr/bin/curl is not allowed in checkout: it would have its connect fail (Override) by security-socket-connect')
    expect(status([blockOthers], {clientBinary: '/usr/bin/wget'})).toBe('PASS')
  })

  it('security-socket-connect-block-others.yaml: curl to port 80 depends on B\'s address (SAddr) → UNKNOWN, never PASS', () => {
    const r = runtimeLayer(query({port: {...port, servicePort: 80, targetPort: 80}}), [blockOthers])
    expect(r.status).toBe('UNKNOWN')
    expect(r.summary).toMatch(/SAddr/)
  })

  it('tcp-connect-only-private-addrs.yaml (NotDAddr → Sigkill): B\'s address is not known offline → UNKNOWN', () => {
    const p = tp({kprobes: [tcpConnect([{matchArgs: [{index: 0, operator: 'NotDAddr', values: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8']}], matchActions: kill}])]}, {name: 'connect-only-private-addrs'})
    const r = runtimeLayer(query(), [p])
    expect(r.status).toBe('UNKNOWN')
    expect(r.summary).toMatch(/NotDAddr/)
  })

  it('tcp-connect-with-selectors.yaml (DAddr filters, no action) only observes → PASS', () => {
    const p = tp({kprobes: [tcpConnect([{matchArgs: [{index: 0, operator: 'DAddr', values: ['127.0.0.1/8', '192.168.0.0/16']}]}])]})
    expect(status([p])).toBe('PASS')
  })

  it('tcp_connect Sigkill with matchBinaries In [curl] kills curl when it connects (DENY), not wget', () => {
    const p = tp({kprobes: [tcpConnect([{matchBinaries: curlOnly, matchActions: kill}])]}, {name: 'no-curl'})
    const r = runtimeLayer(query(), [p])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('--client-binary /usr/bin/curl is not allowed in checkout: it would be killed when it connects by no-curl')
    expect(status([p], {clientBinary: '/usr/bin/wget'})).toBe('PASS')
  })

  it('DPort / NotDPort on the connecting sock are evaluated against B\'s port', () => {
    const on = (operator: string, values: string[]) => tp({kprobes: [tcpConnect([{matchArgs: [{index: 0, operator, values}], matchActions: kill}])]})
    expect(status([on('DPort', ['8080'])])).toBe('DENY')
    expect(status([on('DPort', ['9090'])])).toBe('PASS')
    expect(status([on('DPort', ['8000:8100'])])).toBe('DENY')
    expect(status([on('NotDPort', ['443'])])).toBe('DENY')
    expect(status([on('NotDPort', ['8080'])])).toBe('PASS')
    expect(status([on('dport', ['8080'])])).toBe('DENY') // lower-case alias (SelectorOp)
    // The client may dial the service port or the pod's target port: they differ → UNKNOWN.
    expect(status([on('DPort', ['8080'])], {port: {...port, servicePort: 80}})).toBe('UNKNOWN')
  })

  it('connect syscalls and the LSM hook: __x64_sys_connect, sys_connect syscall:true, lsmhooks socket_connect', () => {
    const sys = tp({kprobes: [{call: '__x64_sys_connect', syscall: true, selectors: [{matchBinaries: curlOnly, matchActions: kill}]}]})
    const bare = tp({kprobes: [{call: 'sys_connect', syscall: true, selectors: [{matchBinaries: curlOnly, matchActions: kill}]}]})
    const lsm = tp({lsmhooks: [{hook: 'socket_connect', selectors: [{matchBinaries: curlOnly, matchActions: [{action: 'Override', argError: -1}]}]}]})
    for (const p of [sys, bare, lsm]) expect(status([p])).toBe('DENY')
  })

  it('hooks that never fire for a TCP connect do not block it (sys_mount.yaml, datagram.yaml udp_sendmsg)', () => {
    const mount = tp({kprobes: [{call: 'sys_mount', syscall: true, selectors: [{matchActions: kill}]}]})
    const udp = tp({kprobes: [{call: 'udp_sendmsg', syscall: false, args: [{index: 0, type: 'sock'}], selectors: [{matchActions: kill}]}]})
    expect(status([mount, udp])).toBe('PASS')
    // ... unless the kill names the client binary: it may die when it calls them (DNS over UDP).
    const udpCurl = tp({kprobes: [{call: 'udp_sendmsg', syscall: false, args: [{index: 0, type: 'sock'}], selectors: [{matchBinaries: curlOnly, matchActions: kill}]}]})
    expect(status([udpCurl])).toBe('UNKNOWN')
  })

  it('Sigkill events of a tcp_connect hook (process_kprobe, action KPROBE_ACTION_SIGKILL) name the process binary', () => {
    const e = eventFromJson({process_kprobe: {process: {binary: '/usr/bin/curl', pod: {namespace: 'commerce', name: 'checkout-84f6b7c9d-zp4mn'}}, function_name: 'tcp_connect', args: [{sock_arg: {family: 'AF_INET', protocol: 'IPPROTO_TCP', daddr: '10.96.0.12', dport: 8080}}], action: 'KPROBE_ACTION_SIGKILL', policy_name: 'no-curl'}, node_name: 'n1', time: '2026-05-20T09:14:24Z'})
    expect(e).toMatchObject({type: 'kprobe', binary: '/usr/bin/curl', function: 'tcp_connect', action: 'KPROBE_ACTION_SIGKILL', policy: 'no-curl'})
    const r = runtimeLayer(query(), [], {events: [e as ProcessEventRecord]})
    expect(r.status).toBe('WARN')
    expect(r.warnings[0]).toMatch(/\/usr\/bin\/curl killed 1× in checkout by no-curl although the current policies allow it/)
  })
})

describe('examples/tracingpolicy: serve hooks decide whether B\'s binary can serve', () => {
  it('tcp-listen.yaml inet_csk_listen_start SPort [1337, 31337]: with Sigkill it only kills servers on those ports', () => {
    const listen = (values: string[]) => tp({kprobes: [{call: 'inet_csk_listen_start', syscall: false, args: [{index: 0, type: 'sock'}], selectors: [{matchArgs: [{index: 0, operator: 'SPort', values}], matchActions: kill}]}]}, {name: 'tcp-listen'})
    expect(status([listen(['1337', '31337'])], {clientBinary: undefined})).toBe('PASS')
    const r = runtimeLayer(query({clientBinary: undefined}), [listen(['8080'])])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('payments cannot serve: its entrypoint /usr/local/bin/payments would be killed when it serves by tcp-listen')
  })

  it('security_socket_bind / accept kills naming B\'s binary → DENY; a connect-only hook does not stop a server', () => {
    const bind = tp({kprobes: [{call: 'security_socket_bind', syscall: false, selectors: [{matchBinaries: [{operator: 'Postfix', values: ['/payments']}], matchActions: kill}]}]})
    expect(status([bind], {clientBinary: undefined})).toBe('DENY')
    const connect = tp({kprobes: [tcpConnect([{matchBinaries: [{operator: 'In', values: ['/usr/local/bin/payments']}], matchActions: kill}])]})
    expect(status([connect], {clientBinary: undefined})).toBe('PASS')
  })
})

describe('pkg/selectors/kernel.go ParseMatchBinary: operators and followChildren', () => {
  const on = (mb: Record<string, unknown>) => tp({kprobes: [tcpConnect([{matchBinaries: [mb], matchActions: kill}])]})
  const cases: Array<[string, string[], string]> = [
    ['In', ['/usr/bin/curl'], 'DENY'],
    ['In', ['/usr/bin/cur'], 'PASS'], // In is an exact path
    ['Prefix', ['/usr/bin/'], 'DENY'],
    ['Prefix', ['/bin/'], 'PASS'],
    ['Postfix', ['/curl'], 'DENY'],
    ['NotIn', ['/usr/bin/curl'], 'PASS'],
    ['NotIn', ['/usr/bin/wget'], 'DENY'],
    ['NotPrefix', ['/usr/'], 'PASS'],
    ['NotPostfix', ['curl'], 'PASS'],
    ['NotPostfix', ['wget'], 'DENY'],
    ['prefix', ['/usr/bin/'], 'DENY'], // alias accepted by SelectorOp
    ['Equal', ['/usr/bin/curl'], 'UNKNOWN'], // not a matchBinaries operator: the policy is refused
  ]
  for (const [operator, values, want] of cases) {
    it(`tcp_connect Sigkill, matchBinaries ${operator} [${values.join(', ')}] on /usr/bin/curl → ${want}`, () => {
      expect(status([on({operator, values})])).toBe(want)
    })
  }

  it('a matchBinaries entry without values is ignored (the selector matches every process)', () => {
    expect(status([on({operator: 'In', values: []})])).toBe('DENY')
  })

  it('followChildren: curl is listed → DENY; curl may be a child of a listed shell → UNKNOWN; not with Prefix', () => {
    expect(status([on({operator: 'In', values: ['/usr/bin/curl'], followChildren: true})])).toBe('DENY')
    expect(status([on({operator: 'In', values: ['/bin/sh'], followChildren: true})])).toBe('UNKNOWN')
    expect(status([on({operator: 'NotIn', values: ['/bin/sh'], followChildren: true})])).toBe('UNKNOWN')
    expect(status([on({operator: 'Prefix', values: ['/usr/'], followChildren: true})])).toBe('UNKNOWN')
  })

  it('lsm_bprm_check.yaml: matchBinaries on the exec caller (unknown) + Postfix arg → UNKNOWN for a matching path, PASS otherwise', () => {
    const p = tp({lsmhooks: [{hook: 'bprm_check_security', args: [{index: 0, type: 'linux_binprm'}], selectors: [{matchBinaries: [{operator: 'In', values: ['/usr/bin/zsh', '/usr/bin/bash']}], matchArgs: [{index: 0, operator: 'Postfix', values: ['contrib/tester-progs/nop']}], matchActions: [{action: 'Override', argError: -1}, {action: 'Post', imaHash: true}]}]}]})
    expect(status([p], {clientBinary: '/usr/bin/curl'})).toBe('PASS')
    expect(status([p], {clientBinary: '/opt/contrib/tester-progs/nop'})).toBe('UNKNOWN')
    expect(evaluateExec([p], {namespace: 'commerce', labels: {}}, '/opt/contrib/tester-progs/nop', {caller: '/usr/bin/bash'})).toMatchObject({blocked: true, action: 'Override'})
  })
})

describe('docs selectors.md: filters in a selector AND, selectors short-circuit OR (generic_calls.h generic_filter_arg)', () => {
  it('matchBinaries AND DPort: both must match', () => {
    const p = tp({kprobes: [tcpConnect([{matchBinaries: curlOnly, matchArgs: [{index: 0, operator: 'DPort', values: ['9090']}], matchActions: kill}])]})
    expect(status([p])).toBe('PASS')
    expect(status([p], {port: {...port, servicePort: 9090, targetPort: 9090}})).toBe('DENY')
  })

  it('the first matching selector decides: an observing selector before a kill shields it', () => {
    const p = tp({kprobes: [tcpConnect([{matchBinaries: curlOnly, matchActions: [{action: 'Post'}]}, {matchActions: kill}])]})
    expect(status([p])).toBe('PASS')
    expect(status([p], {clientBinary: '/usr/bin/wget'})).toBe('DENY')
  })

  it('an undecidable observing selector before a kill → UNKNOWN; before another kill → still DENY', () => {
    const shield = tp({kprobes: [tcpConnect([{matchArgs: [{index: 0, operator: 'DAddr', values: ['10.0.0.0/8']}], matchActions: [{action: 'Post'}]}, {matchActions: kill}])]})
    expect(status([shield])).toBe('UNKNOWN')
    const both = tp({kprobes: [tcpConnect([{matchArgs: [{index: 0, operator: 'DAddr', values: ['10.0.0.0/8']}], matchActions: kill}, {matchActions: kill}])]})
    expect(status([both])).toBe('DENY')
  })

  it('a selector without matchActions posts (default action Post); NoPost observes; Signal 9 kills', () => {
    expect(status([tp({kprobes: [tcpConnect([{matchBinaries: curlOnly}])]})])).toBe('PASS')
    expect(status([tp({kprobes: [tcpConnect([{matchActions: [{action: 'NoPost'}]}])]})])).toBe('PASS')
    expect(status([tp({kprobes: [tcpConnect([{matchActions: [{action: 'Signal', argSig: 9}]}])]})])).toBe('DENY')
    expect(status([tp({kprobes: [tcpConnect([{matchActions: [{action: 'Signal', argSig: 15}]}])]})])).toBe('UNKNOWN')
  })

  it('modules-nohost.yaml idiom: matchNamespaces Pid NotIn host_ns matches pod processes; In host_ns does not', () => {
    const ns = (operator: string) => tp({kprobes: [tcpConnect([{matchNamespaces: [{namespace: 'Pid', operator, values: ['host_ns']}], matchBinaries: curlOnly, matchActions: kill}])]})
    expect(status([ns('NotIn')])).toBe('DENY')
    expect(status([ns('In')])).toBe('PASS')
    const id = tp({kprobes: [tcpConnect([{matchNamespaces: [{namespace: 'Net', operator: 'In', values: ['4026531840']}], matchActions: kill}])]})
    expect(status([id])).toBe('UNKNOWN')
  })

  it('filters the check cannot see (matchPIDs, matchCapabilities) make a kill UNKNOWN, not DENY or PASS', () => {
    const pids = tp({kprobes: [tcpConnect([{matchPIDs: [{operator: 'NotIn', followForks: true, isNamespacePID: true, values: [1]}], matchActions: kill}])]})
    const caps = tp({kprobes: [tcpConnect([{matchCapabilities: [{type: 'Effective', operator: 'In', values: ['CAP_NET_RAW']}], matchActions: kill}])]})
    expect(status([pids])).toBe('UNKNOWN')
    expect(status([caps])).toBe('UNKNOWN')
  })

  it('selectorsMacros are appended to the selector; an undefined macro makes the policy refused → UNKNOWN', () => {
    const withMacro = tp({selectorsMacros: {curl: {matchBinaries: curlOnly}}, kprobes: [tcpConnect([{macros: ['curl'], matchActions: kill}])]})
    expect(status([withMacro])).toBe('DENY')
    expect(status([withMacro], {clientBinary: '/usr/bin/wget'})).toBe('PASS')
    const missing = tp({kprobes: [tcpConnect([{macros: ['nope'], matchActions: kill}])]})
    expect(status([missing])).toBe('UNKNOWN')
  })

  it('list-syscalls.yaml: call list:<name> expands to the listed syscalls', () => {
    const p = tp({lists: [{name: 'net', type: 'syscalls', values: ['sys_connect', 'sys_dup']}], kprobes: [{call: 'list:net', selectors: [{matchBinaries: curlOnly, matchActions: kill}]}]})
    expect(status([p])).toBe('DENY')
  })
})

describe('docs tracing-policy/mode.md + generic_calls.h do_actions: policy-mode monitor never kills', () => {
  const allow = tp({podSelector: {matchLabels: {'app.kubernetes.io/name': 'checkout'}}, kprobes: [{call: 'security_bprm_check', syscall: false, args: [{index: 0, type: 'linux_binprm'}], selectors: [{matchArgs: [{index: 0, operator: 'NotEqual', values: ['/srv/checkout']}], matchActions: kill}]}]}, {kind: 'TracingPolicyNamespaced', name: 'allow-binaries-checkout'})
  const monitor = {...allow, spec: {...allow.spec, options: [{name: 'policy-mode', value: 'monitor'}]}}

  it('enforce (default) kills curl; monitor does not, and says so', () => {
    expect(status([allow])).toBe('DENY')
    expect(status([{...allow, spec: {...allow.spec, options: [{name: 'policy-mode', value: 'enforce'}]}}])).toBe('DENY')
    const r = runtimeLayer(query(), [monitor])
    expect(r.status).toBe('PASS')
    expect(r.reasons.join()).toMatch(/policy-mode monitor/)
  })

  it('Sigkill events of a monitor-mode policy are not kills (do_action still records the action)', () => {
    const e: ProcessEventRecord = {time: '2026-05-20T09:14:24Z', type: 'kprobe', namespace: 'commerce', pod: 'checkout-84f6b7c9d-zp4mn', binary: '/usr/bin/curl', function: 'security_bprm_check', action: 'KPROBE_ACTION_SIGKILL', policy: 'allow-binaries-checkout'}
    const r = runtimeLayer(query(), [monitor], {events: [e]})
    expect(r.status).toBe('WARN')
    expect(r.warnings).toEqual(['/usr/bin/curl Sigkill events come from allow-binaries-checkout, which is in policy-mode monitor: nothing was killed'])
  })

  it('an invalid policy-mode value (pkg/policyconf ParseMode) → UNKNOWN, never PASS', () => {
    expect(status([{...allow, spec: {...allow.spec, options: [{name: 'policy-mode', value: 'audit'}]}}])).toBe('UNKNOWN')
  })
})

describe('pkg/sensors/k8s.go + pkg/policyfilter: namespaced policies, podSelector, containerSelector, hostSelector', () => {
  const killCurl = {kprobes: [tcpConnect([{matchBinaries: curlOnly, matchActions: kill}])]}

  it('a TracingPolicyNamespaced applies only in its namespace', () => {
    expect(status([tp(killCurl, {kind: 'TracingPolicyNamespaced', namespace: 'commerce'})])).toBe('DENY')
    expect(status([tp(killCurl, {kind: 'TracingPolicyNamespaced', namespace: 'other'})])).toBe('PASS')
  })

  it('an empty podSelector selects every pod; one that selects nothing kills nothing', () => {
    expect(status([tp({...killCurl, podSelector: {}})])).toBe('DENY')
    expect(status([tp({...killCurl, podSelector: {matchLabels: {app: 'nothing'}}})])).toBe('PASS')
  })

  it('k8s-filtering.md: podSelector on k8s:io.kubernetes.pod.namespace selects by namespace', () => {
    const sel = (values: string[]) => tp({...killCurl, podSelector: {matchExpressions: [{key: 'k8s:io.kubernetes.pod.namespace', operator: 'In', values}]}})
    expect(status([sel(['commerce'])])).toBe('DENY')
    expect(status([sel(['kube-system'])])).toBe('PASS')
  })

  it('state_test.go: hostSelector {} alone selects host processes only; with podSelector {} also pods', () => {
    expect(status([tp({...killCurl, hostSelector: {}})])).toBe('PASS')
    expect(status([tp({...killCurl, hostSelector: {}, podSelector: {}})])).toBe('DENY')
  })

  it('containerSelector: {} selects every container; a name selector cannot be decided per pod → UNKNOWN', () => {
    expect(status([tp({...killCurl, containerSelector: {}})])).toBe('DENY')
    expect(status([tp({...killCurl, containerSelector: {matchLabels: {name: 'main'}}})])).toBe('UNKNOWN')
  })

  it('an unknown label-selector operator (pkg/labels SelectorFromLabelSelector refuses it) → UNKNOWN', () => {
    expect(status([tp({...killCurl, podSelector: {matchExpressions: [{key: 'app', operator: 'Matches', values: ['x']}]}})])).toBe('UNKNOWN')
  })
})

describe('unknown fields, operators and actions are UNKNOWN, never PASS', () => {
  it('unknown matchArgs operator on the exec path', () => {
    const p = tp({kprobes: [{call: 'security_bprm_check', syscall: false, args: [{index: 0, type: 'linux_binprm'}], selectors: [{matchArgs: [{index: 0, operator: 'Glob', values: ['/usr/*']}], matchActions: kill}]}]})
    expect(status([p])).toBe('UNKNOWN')
  })

  it('unknown selector field, unknown spec field, unknown action', () => {
    expect(status([tp({kprobes: [tcpConnect([{matchBinaries: curlOnly, matchFoo: [{x: 1}], matchActions: kill}])]})])).toBe('UNKNOWN')
    expect(status([tp({enforcement: 'strict', kprobes: [tcpConnect([{matchBinaries: curlOnly, matchActions: kill}])]})])).toBe('UNKNOWN')
    expect(status([tp({kprobes: [tcpConnect([{matchBinaries: curlOnly, matchActions: [{action: 'Terminate'}]}])]})])).toBe('UNKNOWN')
  })

  it('exec hooks other than security_bprm_check are seen too (sys_enter_execve tracepoint, execveat filename is argument 1)', () => {
    const tpExec = tp({tracepoints: [{subsystem: 'syscalls', event: 'sys_enter_execve', selectors: [{matchActions: kill}]}]})
    expect(status([tpExec])).toBe('DENY')
    const execveat = tp({kprobes: [{call: 'sys_execveat', syscall: true, args: [{index: 1, type: 'string'}], selectors: [{matchArgs: [{index: 1, operator: 'Equal', values: ['/usr/bin/curl']}], matchActions: kill}]}]})
    expect(status([execveat])).toBe('DENY')
    expect(status([execveat], {clientBinary: '/usr/bin/wget'})).toBe('PASS')
  })
})

describe('pkg/sensors/tracing/generickprobe.go validateOverride', () => {
  it('Override on a kprobe that is neither a syscall nor a security_ hook is refused by Tetragon → UNKNOWN, not DENY', () => {
    const p = tp({kprobes: [tcpConnect([{matchBinaries: curlOnly, matchActions: [{action: 'Override', argError: -1}]}])]})
    expect(status([p])).toBe('UNKNOWN')
    const sys = tp({kprobes: [{call: 'sys_connect', syscall: true, selectors: [{matchBinaries: curlOnly, matchActions: [{action: 'Override', argError: -1}]}]}]})
    expect(status([sys])).toBe('DENY')
  })
})

describe.skipIf(!hasShared)('the scenario policies are valid TracingPolicy objects (upstream CRD schema)', () => {
  const schema = () => {
    const crd = parse(readFileSync(sharedPath('upstream', 'crds', 'tetragon', 'cilium.io_tracingpolicies.yaml'), 'utf8'))
    const ajv = new Ajv({strict: false, allErrors: true})
    ajv.addFormat('int32', true)
    ajv.addFormat('int64', true)
    return ajv.compile(crd.spec.versions.find((v: {name: string}) => v.name === 'v1alpha1').schema.openAPIV3Schema)
  }

  it('tcp_connect kill, monitor-mode option and socket-connect Override validate; a matchBinaries Equal does not', () => {
    const validate = schema()
    const ok = [
      tp({kprobes: [tcpConnect([{matchBinaries: curlOnly, matchArgs: [{index: 0, operator: 'DPort', values: ['8080']}], matchActions: kill}])]}),
      tp({options: [{name: 'policy-mode', value: 'monitor'}], kprobes: [tcpConnect([{matchNamespaces: [{namespace: 'Pid', operator: 'NotIn', values: ['host_ns']}], matchActions: kill}])]}),
      tp({hostSelector: {}, podSelector: {}, kprobes: [{call: 'security_socket_connect', syscall: false, args: [{index: 0, type: 'socket'}, {index: 1, type: 'sockaddr'}], selectors: [{matchArgs: [{index: 1, operator: 'SPort', values: ['80']}], matchActions: [{action: 'Override', argError: 1}]}]}]}),
    ]
    for (const p of ok) expect(validate(p), JSON.stringify(validate.errors)).toBe(true)
    // The API server rejects it; read from a file it is UNKNOWN (the policy would be refused).
    expect(validate(tp({kprobes: [tcpConnect([{matchBinaries: [{operator: 'Equal', values: ['/usr/bin/curl']}], matchActions: kill}])]}))).toBe(false)
  })
})

describe('examples/quickstart/network_egress_cluster_enforce.yaml (docs getting-started/enforcement.md)', () => {
  // tcp_connect NotDAddr [127.0.0.1, ${PODCIDR}, ${SERVICECIDR}] → Sigkill: in-cluster connects work.
  const egress = tp({kprobes: [tcpConnect([{matchArgs: [{index: 0, operator: 'NotDAddr', values: ['127.0.0.1', '10.244.0.0/16', '10.96.0.0/12']}], matchActions: kill}])]}, {kind: 'TracingPolicyNamespaced', name: 'enforce-network-activity-outside-cluster-cidr-range'})

  it('offline (B\'s addresses unknown) → UNKNOWN, never PASS', () => {
    expect(status([egress])).toBe('UNKNOWN')
  })

  it('with B\'s Service and pod IPs inside the cluster CIDRs → PASS; an address outside → DENY', () => {
    expect(runtimeLayer(query(), [egress], {targetAddresses: ['10.96.14.2', '10.244.1.7']}).status).toBe('PASS')
    const r = runtimeLayer(query(), [egress], {targetAddresses: ['104.198.14.52']})
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('--client-binary /usr/bin/curl is not allowed in checkout: it would be killed when it connects by enforce-network-activity-outside-cluster-cidr-range')
    // one address inside, one outside: depends on which one curl dials
    expect(runtimeLayer(query(), [egress], {targetAddresses: ['10.96.14.2', '104.198.14.52']}).status).toBe('UNKNOWN')
  })

  it('the un-substituted template (${PODCIDR}) is not an address: Tetragon refuses the policy → UNKNOWN', () => {
    const raw = tp({kprobes: [tcpConnect([{matchArgs: [{index: 0, operator: 'NotDAddr', values: ['127.0.0.1', '${PODCIDR}']}], matchActions: kill}])]})
    expect(runtimeLayer(query(), [raw], {targetAddresses: ['10.96.14.2']}).status).toBe('UNKNOWN')
  })

  it('security-socket-connect-block-others.yaml: SAddr on the connect sockaddr is the destination', () => {
    const p = tp({kprobes: [{
      call: 'security_socket_connect', syscall: false,
      args: [{index: 0, type: 'socket'}, {index: 1, type: 'sockaddr'}],
      selectors: [
        {matchArgs: [{index: 1, operator: 'SAddr', values: ['192.168.1.1']}, {index: 1, operator: 'SPort', values: ['80']}], matchBinaries: curlOnly, matchActions: [{action: 'Post'}]},
        {matchBinaries: curlOnly, matchActions: [{action: 'Override', argError: 1}]},
      ],
    }]})
    const at80 = {port: {...port, servicePort: 80, targetPort: 80}}
    expect(runtimeLayer(query(at80), [p], {targetAddresses: ['192.168.1.1']}).status).toBe('PASS')
    expect(runtimeLayer(query(at80), [p], {targetAddresses: ['10.96.0.5']}).status).toBe('DENY')
  })
})

describe('pkg/selectors/kernel.go limits and string operators: a policy Tetragon refuses is UNKNOWN', () => {
  const bprmSel = (selectors: unknown[]) => tp({kprobes: [{call: 'security_bprm_check', syscall: false, args: [{index: 0, type: 'linux_binprm'}], selectors}]})

  it('matchArgs In on the linux_binprm path is rejected (writeMatchValues: type unsupported) → UNKNOWN', () => {
    expect(status([bprmSel([{matchArgs: [{index: 0, operator: 'NotIn', values: ['/srv/checkout']}], matchActions: kill}])])).toBe('UNKNOWN')
    expect(status([bprmSel([{matchArgs: [{index: 0, operator: 'NotEqual', values: ['/srv/checkout']}], matchActions: kill}])])).toBe('DENY')
  })

  it('more than 5 selectors (MaxSelectors) → UNKNOWN', () => {
    const six = Array.from({length: 6}, (_, i) => ({matchArgs: [{index: 0, operator: 'Equal', values: [`/x${i}`]}], matchActions: kill}))
    expect(status([bprmSel([...six.slice(0, 5), {matchActions: kill}])])).toBe('UNKNOWN')
    expect(status([bprmSel([...six.slice(0, 4), {matchActions: kill}])])).toBe('DENY')
  })

  it('more than 3 actions in a selector → UNKNOWN', () => {
    expect(status([bprmSel([{matchActions: [{action: 'Post'}, {action: 'Post'}, {action: 'Post'}, {action: 'Sigkill'}]}])])).toBe('UNKNOWN')
  })
})

describe('process_kprobe events with action KPROBE_ACTION_OVERRIDE (lsm_bprm_check.yaml enforcement)', () => {
  it('an Override of B\'s entrypoint exec means B cannot serve → DENY; of another binary it is ignored', () => {
    const e = (binary: string): ProcessEventRecord => ({time: '2026-05-20T09:14:24Z', type: 'kprobe', namespace: 'commerce', pod: 'payments-7b4c9d6f8-qw2er', binary, processBinary: '/usr/bin/runc', function: 'bprm_check_security', action: 'KPROBE_ACTION_OVERRIDE', policy: 'lsm'})
    const r = runtimeLayer(query({clientBinary: undefined}), [], {events: [e('/usr/local/bin/payments')]})
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('payments cannot serve: the exec of /usr/local/bin/payments failed (Override) by lsm')
    expect(runtimeLayer(query({clientBinary: undefined}), [], {events: [e('/usr/bin/nc')]}).status).toBe('PASS')
  })
})

describe('tetragon.proto ProcessLsm / ProcessTracepoint events carry enforcement too', () => {
  it('a process_lsm Sigkill (lsmhooks bprm_check_security) and a process_tracepoint Sigkill are read as kills', async () => {
    const {parseTetragonStream} = await import('../../src/layers/tetragon/events/index.js')
    const lines = [
      JSON.stringify({process_lsm: {process: {binary: '/bin/sh', pod: {namespace: 'commerce', name: 'checkout-84f6b7c9d-zp4mn'}}, function_name: 'bprm_check_security', args: [{linux_binprm_arg: {path: '/usr/bin/wget'}}], action: 'KPROBE_ACTION_SIGKILL', policy_name: 'lsm'}, time: '2026-05-20T09:14:24Z'}),
      JSON.stringify({process_tracepoint: {process: {binary: '/usr/bin/curl', pod: {namespace: 'commerce', name: 'checkout-84f6b7c9d-zp4mn'}}, subsys: 'syscalls', event: 'sys_enter_connect', action: 'KPROBE_ACTION_SIGKILL', policy_name: 'tp'}, time: '2026-05-20T09:14:25Z'}),
    ]
    const got: ProcessEventRecord[] = []
    for await (const e of parseTetragonStream(lines, {types: ['kprobe']})) got.push(e)
    expect(got).toMatchObject([
      {binary: '/usr/bin/wget', function: 'bprm_check_security', action: 'KPROBE_ACTION_SIGKILL', policy: 'lsm'},
      {binary: '/usr/bin/curl', function: 'syscalls/sys_enter_connect', action: 'KPROBE_ACTION_SIGKILL', policy: 'tp'},
    ])
    const r = runtimeLayer(query(), [], {events: got})
    expect(r.warnings.join('\n')).toMatch(/\/usr\/bin\/wget killed 1× in checkout by lsm/)
    expect(r.warnings.join('\n')).toMatch(/\/usr\/bin\/curl killed 1× in checkout by tp although the current policies allow it/)
  })
})

describe('the ambient proxies in the path (ztunnel, the waypoint\'s envoy) are processes Tetragon can kill too', () => {
  const ambient = {source: workload('checkout', 'commerce', true), target: workload('payments', 'commerce', true)}

  it('a cluster-wide tcp_connect kill of everything but curl kills ztunnel\'s HBONE connects → DENY', () => {
    const p = tp({kprobes: [tcpConnect([{matchBinaries: [{operator: 'NotIn', values: ['/usr/bin/curl']}], matchActions: kill}])]}, {name: 'only-curl'})
    expect(status([p])).toBe('PASS') // not ambient: nothing else in the path
    const r = runtimeLayer(query(ambient), [p])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('ztunnel cannot proxy: /usr/local/bin/ztunnel would be killed when it connects by only-curl')
  })

  it('a kill scoped to A\'s pods does not touch ztunnel; NotDPort [15008] spares HBONE', () => {
    const scoped = tp({podSelector: {matchLabels: {'app.kubernetes.io/name': 'checkout'}}, kprobes: [tcpConnect([{matchBinaries: [{operator: 'NotIn', values: ['/usr/bin/curl']}], matchActions: kill}])]})
    expect(status([scoped], ambient)).toBe('PASS')
    const hbone = tp({kprobes: [tcpConnect([{matchBinaries: [{operator: 'NotIn', values: ['/usr/bin/curl']}], matchArgs: [{index: 0, operator: 'NotDPort', values: ['15008']}], matchActions: kill}])]})
    expect(status([hbone], ambient)).toBe('PASS')
  })

  it('a policy killing the waypoint\'s envoy when it accepts → DENY (examples: inet_csk_accept)', () => {
    const waypoint = {namespace: 'commerce', name: 'commerce-waypoint', podLabels: {'gateway.networking.k8s.io/gateway-name': 'commerce-waypoint'}, serviceAccount: 'commerce-waypoint'}
    const p = tp({podSelector: {matchLabels: {'gateway.networking.k8s.io/gateway-name': 'commerce-waypoint'}}, kprobes: [{call: 'inet_csk_accept', syscall: false, selectors: [{matchBinaries: [{operator: 'Postfix', values: ['/envoy']}], matchActions: kill}]}]}, {kind: 'TracingPolicyNamespaced', name: 'no-envoy'})
    const r = runtimeLayer(query({...ambient, waypoint}), [p])
    expect(r.status).toBe('DENY')
    expect(r.summary).toBe('waypoint commerce-waypoint cannot proxy: /usr/local/bin/envoy would be killed when it serves by no-envoy')
    expect(status([p], ambient)).toBe('PASS') // no waypoint in the path
  })
})

describe('pkg/sensors/tracing/options.go getSpecOptions: an option value Tetragon rejects refuses the policy', () => {
  it('override-method must be fmod-ret or override-return; disable-kprobe-multi a boolean; unknown option names are ignored', () => {
    const k = {kprobes: [tcpConnect([{matchBinaries: curlOnly, matchActions: kill}])]}
    expect(status([tp({...k, options: [{name: 'override-method', value: 'fmod-ret'}]})])).toBe('DENY')
    expect(status([tp({...k, options: [{name: 'override-method', value: 'magic'}]})])).toBe('UNKNOWN')
    expect(status([tp({...k, options: [{name: 'disable-kprobe-multi', value: 'yes'}]})])).toBe('UNKNOWN')
    expect(status([tp({...k, options: [{name: 'some-future-option', value: 'x'}]})])).toBe('DENY')
  })
})

describe('hooks.ts classification (which hooks see an exec, a connect, a server)', () => {
  it('classifies syscall spellings, kernel functions and LSM hooks', async () => {
    const {classify} = await import('../../src/layers/tetragon/index.js')
    expect(classify('__x64_sys_connect')).toEqual(['connect'])
    expect(classify('__sys_connect')).toEqual(['connect'])
    expect(classify('security_socket_connect')).toEqual(['connect'])
    expect(classify('tcp_sendmsg')).toEqual(['connect', 'serve'])
    expect(classify('inet_csk_accept')).toEqual(['serve'])
    expect(classify('sys_execve')).toEqual(['exec'])
    expect(classify('security_file_open')).toEqual(['always'])
    expect(classify('udp_sendmsg')).toEqual(['other'])
    expect(classify('tcp_close')).toEqual(['other'])
  })
})
