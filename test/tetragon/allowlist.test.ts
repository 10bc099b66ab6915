import {describe, expect, it} from 'vitest'
import {allowlistOf, entrypointsOf} from '../../src/layers/tetragon/index.js'
import {checkout, container, service} from './fixtures.js'

describe('allowlistOf (§7.3)', () => {
  it('builds the §7.3 example exactly', () => {
    const svc = service('media', 'php', {
      main: container({
        command: ['/usr/sbin/php-fpm'],
        security: {allowedBinaries: ['/usr/bin/convert', '/usr/bin/ffmpeg']},
        livenessProbe: {exec: {command: ['/bin/sh', '-c', 'pgrep php-fpm']}},
      }),
    })
    const a = allowlistOf(svc)
    expect(a).toMatchObject({wildcard: false, warnings: []})
    expect(a.values).toEqual(['/bin/sh', '/usr/bin/convert', '/usr/bin/ffmpeg', '/usr/sbin/php-fpm'])
  })

  it('gives checkout [/bin/sh, /srv/checkout, /usr/bin/curl] (§7.7)', () => {
    expect(allowlistOf(checkout()).values).toEqual(['/bin/sh', '/srv/checkout', '/usr/bin/curl'])
  })

  it('takes command[0] of init sidecars, every probe kind and backup hooks, never arguments or httpGet', () => {
    const svc = service(
      'ns',
      'app',
      {
        main: container({
          command: ['/app', '--flag', '/not/a/binary'],
          readinessProbe: {exec: {command: ['/bin/ready']}},
          startupProbe: {exec: {command: ['/bin/start']}},
          livenessProbe: {httpGet: {path: '/healthz', port: 8080}},
        }),
      },
      {
        sidecars: {init: {...container({command: ['/bin/migrate', 'up']}), init: true}},
        backup: {hooks: {pre: [{name: 'freeze', container: 'main', command: ['/usr/bin/fsfreeze', '-f']}], post: [{command: ['/usr/bin/fsfreeze', '-u']}]}},
      },
    )
    expect(allowlistOf(svc).values).toEqual(['/app', '/bin/migrate', '/bin/ready', '/bin/start', '/usr/bin/fsfreeze'])
    expect(entrypointsOf(svc)).toEqual(['/app', '/bin/migrate'])
  })

  it('warns on relative exec probe entries (they never match)', () => {
    const svc = service('ns', 'db', {main: container({command: ['/usr/bin/postgres'], livenessProbe: {exec: {command: ['pg_isready', '-q']}}})})
    const a = allowlistOf(svc)
    expect(a.values).toContain('pg_isready')
    expect(a.warnings).toHaveLength(1)
    expect(a.warnings[0]).toMatch(/container 'main' livenessProbe exec command 'pg_isready' is relative/)
  })
})

describe('wildcards (§7.4, §7.5)', () => {
  it('explicit * in any container or sidecar disables the policy', () => {
    const svc = service('ns', 'a', {main: container({command: ['/a']})}, {sidecars: {tools: container({command: ['/t'], security: {allowedBinaries: ['*']}})}})
    const a = allowlistOf(svc)
    expect(a.wildcard).toBe(true)
    expect(a.values).toEqual([])
    expect(a.reason).toMatch(/sidecar 'tools'.*explicit wildcard/)
  })

  it('a container with neither command nor allowedBinaries is an implicit wildcard', () => {
    const svc = service('ns', 'a', {main: container({command: ['/a']}), second: container()})
    expect(allowlistOf(svc)).toMatchObject({wildcard: true})
    expect(allowlistOf(svc).reason).toMatch(/container 'second' has no command and no allowedBinaries/)
  })

  it('allowedBinaries without command is enough (no implicit wildcard)', () => {
    const svc = service('ns', 'a', {main: container({security: {allowedBinaries: ['/usr/bin/app']}})})
    expect(allowlistOf(svc)).toMatchObject({wildcard: false, values: ['/usr/bin/app']})
  })

  it('unions allowlists across containers and sidecars', () => {
    const svc = service('ns', 'a', {main: container({command: ['/a'], security: {allowedBinaries: ['/x']}})}, {sidecars: {s: container({command: ['/b'], security: {allowedBinaries: ['/x', '/y']}})}})
    expect(allowlistOf(svc).values).toEqual(['/a', '/b', '/x', '/y'])
  })
})
