import {describe, expect, it} from 'vitest'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {h8} from '../../src/core/names.js'
import {compileTetragon, tetragonBaseline} from '../../src/layers/tetragon/index.js'
import {graph, node} from '../helpers/graph.js'
import {checkout, container, payments, service} from './fixtures.js'

const seed = defaultCompileOptions({profile: 'seed'})
const upstream = defaultCompileOptions({profile: 'upstream'})
const emptyGraph = graph([], [])
const namesOf = (objs: Array<{metadata: {name: string}}>) => objs.map((o) => o.metadata.name)

describe('compileTetragon: §7.7 complete example', () => {
  it('seed profile: four policies for checkout', () => {
    const out = compileTetragon([checkout()], emptyGraph, seed)
    expect(namesOf(out)).toEqual(['allow-binaries-checkout', 'block-rootfs-write-checkout', 'block-setuid-checkout', 'block-capset-checkout'])
    for (const o of out) {
      expect(o).toMatchObject({
        apiVersion: 'cilium.io/v1alpha1',
        kind: 'TracingPolicyNamespaced',
        metadata: {namespace: 'commerce', labels: {'app.kubernetes.io/managed-by': 'lattice', 'app.kubernetes.io/name': o.metadata.name}},
        spec: {podSelector: {matchLabels: {'app.kubernetes.io/name': 'checkout'}}},
      })
      expect(o.spec.kprobes).toHaveLength(1)
      expect(o.spec.kprobes[0].syscall).toBe(false)
    }
    expect(out[0].spec.kprobes[0]).toEqual({
      call: 'security_bprm_check',
      syscall: false,
      args: [{index: 0, type: 'linux_binprm', label: 'filename'}],
      selectors: [{matchArgs: [{index: 0, operator: 'NotEqual', values: ['/bin/sh', '/srv/checkout', '/usr/bin/curl']}], matchActions: [{action: 'Sigkill'}]}],
    })
    expect(out.map((o) => o.spec.kprobes[0].call)).toEqual(['security_bprm_check', 'security_file_open', 'security_task_fix_setuid', 'security_capset'])
  })

  it('upstream profile: only allow-binaries', () => {
    expect(namesOf(compileTetragon([checkout()], emptyGraph, upstream))).toEqual(['allow-binaries-checkout'])
  })

  it('include filters services by node key', () => {
    const out = compileTetragon([checkout(), payments()], emptyGraph, upstream, (k) => k === 'commerce/payments')
    expect(namesOf(out)).toEqual(['allow-binaries-payments'])
  })
})

describe('aggregation (§7.4)', () => {
  const names = (svc: ReturnType<typeof service>) => namesOf(compileTetragon([svc], emptyGraph, seed))

  it('any readOnlyRootFilesystem: false removes block-rootfs-write', () => {
    const svc = service('ns', 'a', {main: container({command: ['/a']})}, {sidecars: {s: container({command: ['/s'], security: {readOnlyRootFilesystem: false}})}})
    expect(names(svc)).toEqual(['allow-binaries-a', 'block-setuid-a', 'block-capset-a'])
  })

  it('any effective root removes block-setuid (runAsUser 0 or runAsNonRoot false)', () => {
    expect(names(service('ns', 'a', {main: container({command: ['/a'], security: {runAsUser: 0}})}))).not.toContain('block-setuid-a')
    expect(names(service('ns', 'a', {main: container({command: ['/a'], security: {runAsNonRoot: false}})}))).not.toContain('block-setuid-a')
    expect(names(service('ns', 'a', {main: container({command: ['/a'], security: {runAsUser: 1000}})}))).toContain('block-setuid-a')
  })

  it('any added capability or privileged container removes block-capset', () => {
    expect(names(service('ns', 'a', {main: container({command: ['/a'], security: {capabilities: ['NET_ADMIN']}})}))).not.toContain('block-capset-a')
    expect(names(service('ns', 'a', {main: container({command: ['/a']}), b: container({command: ['/b'], security: {privileged: true}})}))).not.toContain('block-capset-a')
  })

  it('wildcards remove only allow-binaries', () => {
    expect(names(service('ns', 'a', {main: container({security: {allowedBinaries: ['*']}})}))).toEqual(['block-rootfs-write-a', 'block-setuid-a', 'block-capset-a'])
    expect(names(service('ns', 'a', {main: container()}))).toEqual(['block-rootfs-write-a', 'block-setuid-a', 'block-capset-a'])
    expect(namesOf(compileTetragon([service('ns', 'a', {main: container()})], emptyGraph, upstream))).toEqual([])
  })

  it('rootfs guard exempts volume mounts and pseudo filesystems, and only write opens', () => {
    const svc = service('ns', 'a', {main: container({command: ['/a'], volumes: {'/data': {}, '/var/cache/': {medium: 'Memory'}}})})
    const rootfs = compileTetragon([svc], emptyGraph, seed).find((o) => o.metadata.name === 'block-rootfs-write-a')!
    const k = rootfs.spec.kprobes[0]
    expect(k.args).toEqual([{index: 0, type: 'file', label: 'path'}, {index: 0, type: 'uint32', resolve: 'f_mode', label: 'f_mode'}])
    expect(k.selectors[0].matchArgs).toEqual([
      {index: 0, operator: 'NotPrefix', values: ['/data/', '/dev/', '/proc/', '/sys/', '/var/cache/']},
      {args: [1], operator: 'Mask', values: ['2']},
    ])
  })
})

describe('waypoint runtime policy (§7.6, Appendix B)', () => {
  it('emits waypoint-runtime-cfb240ef for commerce when a member needs the waypoint', () => {
    const g = graph([node({ns: 'commerce', name: 'payments', egress: [{target: {fqdn: 'api.stripe.com'}, ports: [443], protocol: 'TCP'}]})], [])
    const out = compileTetragon([], g, upstream)
    expect(out).toEqual([{
      apiVersion: 'cilium.io/v1alpha1',
      kind: 'TracingPolicyNamespaced',
      metadata: {name: 'waypoint-runtime-cfb240ef', namespace: 'commerce', labels: {'app.kubernetes.io/managed-by': 'lattice', 'app.kubernetes.io/name': 'waypoint-runtime-cfb240ef'}},
      spec: {
        podSelector: {matchLabels: {'gateway.networking.k8s.io/gateway-name': 'commerce-waypoint'}},
        kprobes: [{
          call: 'security_bprm_check',
          syscall: false,
          args: [{index: 0, type: 'file', label: 'binary'}],
          selectors: [{matchArgs: [{index: 0, operator: 'NotEqual', values: ['/usr/local/bin/envoy', '/usr/local/bin/pilot-agent']}], matchActions: [{action: 'Sigkill'}]}],
        }],
      },
    }])
    // The member that needs the waypoint is excluded: no waypoint policy.
    expect(compileTetragon([], g, upstream, () => false)).toEqual([])
  })

  it('emits nothing for namespaces without a waypoint', () => {
    expect(compileTetragon([], graph([node({ns: 'commerce', name: 'payments'})], []), seed)).toEqual([])
  })

  it('emits it for waypoint-enforced members (methods/paths)', () => {
    const g = graph([node({ns: 'shop', name: 'a'}), node({ns: 'shop', name: 'b'})], [{from: 'shop/a', to: 'shop/b', l7: {methods: ['GET']}}])
    expect(namesOf(compileTetragon([], g, seed))).toEqual([`waypoint-runtime-${h8('shop')}`])
    // Only the caller is included: it does not need the waypoint, so none is emitted.
    expect(compileTetragon([], g, seed, (k) => k === 'shop/a')).toEqual([])
  })
})

describe('tetragonBaseline (§7.1)', () => {
  it('seed: four kill hooks plus write opens of the sensitive files', () => {
    const [b] = tetragonBaseline(seed)
    expect(b).toMatchObject({kind: 'TracingPolicy', metadata: {name: 'lattice-baseline-runtime', labels: {'app.kubernetes.io/managed-by': 'lattice'}}})
    expect(b.metadata.namespace).toBeUndefined()
    expect(b.spec.podSelector).toEqual({matchLabels: {'app.kubernetes.io/managed-by': 'lattice'}})
    expect(b.spec.kprobes.map((k: {call: string}) => k.call)).toEqual([
      'security_ptrace_access_check', 'security_kernel_module_request', 'security_sb_mount', 'security_sb_umount', 'security_file_open',
    ])
    const open = b.spec.kprobes[4]
    expect(open.selectors[0].matchArgs).toEqual([
      {index: 0, operator: 'Equal', values: ['/etc/passwd', '/etc/shadow', '/etc/sudoers']},
      {args: [1], operator: 'Mask', values: ['2']},
    ])
    expect(open.selectors[0].matchActions).toEqual([{action: 'Sigkill'}])
  })

  it('upstream: no file_open entry', () => {
    const [b] = tetragonBaseline(upstream)
    expect(b.spec.kprobes).toHaveLength(4)
  })
})
