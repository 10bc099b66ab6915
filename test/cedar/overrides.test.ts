import {describe, expect, it} from 'vitest'
import {DEFAULT_CAPABILITIES, securityOverrides} from '../../src/layers/cedar/overrides.js'
import type {SecuritySpec} from '../../src/spec/model.js'
import {container, service} from './fixtures.js'

const ids = (security: SecuritySpec, extra: Parameters<typeof container>[0] = {}) =>
  securityOverrides(service({name: 's', containers: {main: container({...extra, security})}})).map((o) => o.id)

describe('OverrideSecurity catalogue (§3.4)', () => {
  it('restricted defaults with a command need no override', () => {
    expect(ids({})).toEqual([])
  })

  it('pod-level triggers produce one request each, without a container', () => {
    const svc = service({name: 's', spec: {hostNetwork: true, shareProcessNamespace: true, automountServiceAccountToken: true}})
    expect(securityOverrides(svc)).toEqual([
      {id: 'hostNetwork', category: 'pod'},
      {id: 'shareProcessNamespace', category: 'pod'},
      {id: 'automountServiceAccountToken', category: 'pod'},
    ])
  })

  it('pod-level fields set to false need nothing', () => {
    expect(securityOverrides(service({name: 's', spec: {hostNetwork: false, automountServiceAccountToken: false}}))).toEqual([])
  })

  it.each<[SecuritySpec, string[]]>([
    [{capabilities: ['NET_ADMIN', 'SYS_TIME']}, ['capability:NET_ADMIN', 'capability:SYS_TIME']],
    [{privileged: true}, ['privileged']],
    [{runAsUser: 0}, ['runAsRoot']],
    [{runAsNonRoot: false}, ['runAsRoot']],
    [{runAsUser: 0, runAsNonRoot: false}, ['runAsRoot']],
    [{runAsUser: 1000}, []],
    [{runAsGroup: 0}, ['runAsRootGroup']],
    [{readOnlyRootFilesystem: false}, ['readWriteRootFilesystem']],
    [{readOnlyRootFilesystem: true}, []],
    [{allowPrivilegeEscalation: true}, ['allowPrivilegeEscalation']],
    [{seccompProfile: 'Unconfined'}, ['seccomp:Unconfined']],
    [{seccompProfile: 'Localhost', seccompLocalhostProfile: 'p.json'}, ['seccomp:Localhost']],
    [{seccompProfile: 'RuntimeDefault'}, []],
    [{apparmorProfile: 'Unconfined'}, ['apparmor:Unconfined']],
    [{apparmorProfile: 'Localhost'}, ['apparmor:Localhost']],
    [{allowedBinaries: ['/usr/bin/curl', '/usr/bin/jq']}, ['allowedBinary:/usr/bin/curl', 'allowedBinary:/usr/bin/jq']],
    [{allowedBinaries: ['*']}, ['allowedBinary:*']],
    [{dropCapabilities: ['ALL']}, []],
    [{dropCapabilities: ['all']}, []],
  ])('security %j → %j', (security, expected) => {
    expect(ids(security)).toEqual(expected)
  })

  it('a partial drop needs every default capability that is neither dropped nor added', () => {
    const got = ids({dropCapabilities: ['NET_RAW', 'cap_mknod'], capabilities: ['CHOWN']})
    const remaining = DEFAULT_CAPABILITIES.filter((c) => !['NET_RAW', 'MKNOD', 'CHOWN'].includes(c)).map((c) => `capability:${c}`)
    expect(got).toEqual(['capability:CHOWN', ...remaining])
    expect(got).not.toContain('capability:NET_RAW')
    expect(got).not.toContain('capability:MKNOD')
  })

  it('a partial drop on a privileged container adds no capability requests', () => {
    expect(ids({dropCapabilities: ['NET_RAW'], privileged: true})).toEqual(['privileged'])
  })

  it('an empty dropCapabilities list keeps every default capability', () => {
    expect(ids({dropCapabilities: []})).toEqual(DEFAULT_CAPABILITIES.map((c) => `capability:${c}`))
  })

  it('implicit allowedBinary:* when a container has neither command nor allowedBinaries (§7.5)', () => {
    expect(ids({}, {command: undefined})).toEqual(['allowedBinary:*'])
    expect(ids({allowedBinaries: []}, {command: []})).toEqual(['allowedBinary:*'])
    expect(ids({allowedBinaries: ['/bin/app']}, {command: undefined})).toEqual(['allowedBinary:/bin/app'])
    // explicit and implicit wildcard collapse into one request
    expect(ids({allowedBinaries: ['*']}, {command: undefined})).toEqual(['allowedBinary:*'])
  })

  it('sidecars count fully and keep their container name', () => {
    const svc = service({name: 's', containers: {main: container()}, spec: {sidecars: {proxy: {...container({command: undefined}), init: false}}}})
    expect(securityOverrides(svc)).toEqual([{id: 'allowedBinary:*', category: 'binary', container: 'proxy'}])
  })

  it('one request per container for the same override', () => {
    const svc = service({name: 's', containers: {a: container({security: {privileged: true}}), b: container({security: {privileged: true}})}})
    expect(securityOverrides(svc).map((o) => `${o.container}:${o.id}:${o.category}`)).toEqual(['a:privileged:container', 'b:privileged:container'])
  })
})
