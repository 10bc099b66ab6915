import {readFileSync} from 'node:fs'
import {isIP} from 'node:net'
import {Ajv, type ValidateFunction} from 'ajv'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {defaultCompileOptions} from '../../src/core/constants.js'
import type {KubeObject} from '../../src/core/kube.js'
import {ciliumBaseline, compileCilium} from '../../src/layers/cilium/index.js'
import {hasShared, sharedPath} from '../helpers/shared.js'
import {commerceGraph, fleetGraph} from './fixtures.js'

// Go RE2 `\pC` / `\PC` become `\p{C}` / `\P{C}` so JavaScript (u flag) accepts them
// (upstream/SOURCES.md).
function regExp(pattern: string, flags?: string): RegExp {
  return new RegExp(pattern.replace(/\\([pP])([A-Z])/g, '\\$1{$2}'), flags ?? 'u')
}
regExp.code = 'regExpForGo'

function isCidr(s: string): boolean {
  const [ip, bits, extra] = s.split('/')
  const v = isIP(ip ?? '')
  return v !== 0 && extra === undefined && bits !== undefined && /^\d+$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128)
}

function validatorFor(file: string): {version: string; validate: ValidateFunction} {
  const crd = parse(readFileSync(sharedPath('upstream', 'crds', 'cilium', file), 'utf8'))
  const version = crd.spec.versions.find((v: {served: boolean; storage: boolean}) => v.served && v.storage)
  const ajv = new Ajv({strict: false, allErrors: true, code: {regExp: regExp as never}})
  // `cidr` is checked for real (CIDR rules are emitted); the others only annotate numbers/strings.
  ajv.addFormat('cidr', (s: string) => isCidr(s))
  for (const f of ['int32', 'int64', 'date-time', 'idn-hostname']) ajv.addFormat(f, true)
  return {version: `${crd.spec.group}/${version.name}`, validate: ajv.compile(version.schema.openAPIV3Schema)}
}

describe.skipIf(!hasShared)('every emitted object validates against the served CRD schema', () => {
  const schemas: Record<string, {version: string; validate: ValidateFunction}> = hasShared
    ? {
        CiliumNetworkPolicy: validatorFor('ciliumnetworkpolicies.yaml'),
        CiliumClusterwideNetworkPolicy: validatorFor('ciliumclusterwidenetworkpolicies.yaml'),
      }
    : {}

  function check(objs: KubeObject[]): void {
    for (const o of objs) {
      const s = schemas[o.kind]
      expect(s, o.kind).toBeDefined()
      expect(o.apiVersion).toBe(s.version)
      const ok = s.validate(o)
      expect(ok, `${o.kind} ${o.metadata.name}: ${JSON.stringify(s.validate.errors)}`).toBe(true)
    }
  }

  it.each(['seed', 'upstream'] as const)('baseline (%s)', (profile) => check(ciliumBaseline(defaultCompileOptions({profile}))))

  it('the seed fleet (ambient/non-ambient, waypoint, fqdn/cidr/entity/udp, permissive/webhook, peers, cross-namespace)', () => {
    const objs = [...compileCilium(fleetGraph(), defaultCompileOptions()), ...compileCilium(commerceGraph(), defaultCompileOptions())]
    expect(objs.length).toBeGreaterThan(6)
    check(objs)
  })

  it('the upstream fleet without wildcard hosts', () => {
    const g = fleetGraph()
    for (const n of g.nodes.values()) n.egress = n.egress.filter((r) => !r.target.fqdn?.includes('*'))
    check(compileCilium(g, defaultCompileOptions({profile: 'upstream'})))
  })

  it('upstream\'s `*.` host in matchName is rejected by the schema (why the seed profile uses matchPattern)', () => {
    const api = compileCilium(fleetGraph(), defaultCompileOptions({profile: 'upstream'})).find((o) => JSON.stringify(o).includes('*.s3'))!
    expect(schemas.CiliumNetworkPolicy.validate(api)).toBe(false)
  })
})
