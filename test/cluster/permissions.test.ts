import {readFileSync} from 'node:fs'
import path from 'node:path'
import nock from 'nock'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {parseAllDocuments} from 'yaml'
import DebugPermissions from '../../commands/debug/permissions.js'
import {checkPermissions, formatPermissionReport, PERMISSIONS, RESOURCES, type RequestRecord} from '../../src/cluster/index.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {SERVER, testCluster, TOKEN, writeKubeconfig} from './fixtures.js'

beforeEach(() => nock.disableNetConnect())
afterEach(() => {
  nock.cleanAll()
  nock.enableNetConnect()
  vi.restoreAllMocks()
})

interface Rule {apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[]}

function rbacRules(): {docs: Array<Record<string, any>>; rules: Rule[]} {
  const docs = parseAllDocuments(readFileSync(path.join(PROJECT_ROOT, 'deploy', 'rbac.yaml'), 'utf8')).map((d) => d.toJS())
  return {docs, rules: docs.flatMap((d) => d.rules ?? [])}
}

/** group|resource[/subresource]|verb|name-or-* : comparable across RBAC rules and the permission list. */
function tuplesOfRules(rules: Rule[]): string[] {
  return rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.flatMap((v) =>
    (r.resourceNames ?? ['*']).map((n) => `${g}|${res}|${v}|${n}`))))).sort()
}

function tuplesOfPermissions(): string[] {
  return [...new Set(PERMISSIONS.flatMap((p) => (p.resourceNames ?? ['*']).map((n) =>
    `${p.group}|${p.resource}${p.subresource ? `/${p.subresource}` : ''}|${p.verb}|${n}`)))].sort()
}

describe('deploy/rbac.yaml', () => {
  it('is one ClusterRole platform-debug-readonly', () => {
    const {docs} = rbacRules()
    expect(docs.map((d) => [d.apiVersion, d.kind, d.metadata.name])).toEqual([['rbac.authorization.k8s.io/v1', 'ClusterRole', 'platform-debug-readonly']])
  })

  it('grants exactly the permission list: no more, no less', () => {
    expect(tuplesOfRules(rbacRules().rules)).toEqual(tuplesOfPermissions())
  })

  it('never grants Secrets, wildcards, writes or exec', () => {
    const {rules} = rbacRules()
    for (const rule of rules) {
      expect(rule.resources.join(',')).not.toMatch(/secrets|\*|exec|attach|proxy/)
      expect(rule.apiGroups).not.toContain('*')
      for (const verb of rule.verbs) expect(['get', 'list', 'create']).toContain(verb)
      if (rule.verbs.includes('create')) expect(rule.resources.every((r) => ['pods/portforward', 'selfsubjectaccessreviews'].includes(r))).toBe(true)
    }
  })

  it('the permission list covers every resource the CLI reads', () => {
    const granted = new Set(PERMISSIONS.map((p) => `${p.group}|${p.resource}`))
    for (const r of Object.values(RESOURCES)) expect(granted.has(`${r.group}|${r.resource}`), r.resource).toBe(true)
  })
})

type Review = {verb: string; group: string; resource: string; subresource?: string; namespace?: string; name?: string}

/** Answers SelfSubjectAccessReviews like an API server; `deny` decides per request. */
function reviewServer(deny: (a: Review) => boolean, seen: Review[] = []): nock.Scope {
  return nock(SERVER).persist().post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews').reply((_uri, body) => {
    const request = body as {apiVersion: string; kind: string; spec: {resourceAttributes: Review}}
    expect(request).toMatchObject({apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview'})
    const attrs = request.spec.resourceAttributes
    seen.push(attrs)
    const allowed = !deny(attrs)
    return [201, {...request, metadata: {creationTimestamp: null}, status: {allowed, ...(allowed ? {reason: 'RBAC: allowed by ClusterRoleBinding "platform-debug"'} : {})}}]
  })
}

describe('checkPermissions', () => {
  it('asks one review per permission, namespace and name, and lists what is missing', async () => {
    const seen: Review[] = []
    reviewServer((a) => a.resource === 'ciliumnetworkpolicies' && a.namespace === 'commerce', seen)
    const records: RequestRecord[] = []
    const report = await checkPermissions(await testCluster({records}), ['commerce', 'shop'])
    for (const r of records) expect([r.method, r.path]).toEqual(['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'])
    expect(seen).toContainEqual({verb: 'get', group: '', resource: 'configmaps', namespace: 'cilium-system', name: 'cilium-config'})
    expect(seen).toContainEqual({verb: 'create', group: '', resource: 'pods', subresource: 'portforward', namespace: 'kube-system'})
    expect(seen).toContainEqual({verb: 'list', group: 'cilium.io', resource: 'ciliumclusterwidenetworkpolicies'})
    expect(report.missing.map((m) => m.namespace)).toEqual(['commerce'])
    const lines = formatPermissionReport(report)
    expect(lines).toContain('MISSING list ciliumnetworkpolicies.cilium.io (commerce)')
    expect(lines).toContain('OK   list ciliumnetworkpolicies.cilium.io (shop)')
    expect(lines).toContain('OK   get configmaps istio (istio-system)')
    expect(lines).toContain('OK   get pods/log (istio-system)')
    expect(lines).toContain('OK   list authorizationpolicies.security.istio.io (istio-system)')
    expect(lines).toContain('OK   get namespaces')
    expect(lines).toHaveLength(records.length)
  })

  it('reports a review that could not be made as an error, not as OK', async () => {
    nock(SERVER).persist().post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews').reply(500, 'oops')
    const report = await checkPermissions(await testCluster(), ['commerce'], PERMISSIONS.slice(0, 1))
    expect(report.missing).toHaveLength(1)
    expect(formatPermissionReport(report)[0]).toMatch(/^ERROR list latticeservices\.lattice\.dev \(commerce\): server error: /)
  })
})

describe('platform debug permissions', () => {
  async function run(argv: string[]): Promise<{out: string; err: string; exit: number}> {
    let out = ''
    let err = ''
    // oclif writes through console.log / console.error.
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void (out += `${args.join(' ')}\n`))
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void (err += `${args.join(' ')}\n`))
    // The command body runs inside guard, which writes to the streams (and waits for them to flush).
    const capture = (add: (s: string) => void) => ((chunk: unknown, ...rest: unknown[]) => {
      add(String(chunk))
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined
      done?.()
      return true
    }) as typeof process.stdout.write
    vi.spyOn(process.stdout, 'write').mockImplementation(capture((s) => (out += s)))
    vi.spyOn(process.stderr, 'write').mockImplementation(capture((s) => (err += s)))
    let exit = 0
    try {
      await DebugPermissions.run(argv, PROJECT_ROOT)
    } catch (error) {
      // this.exit() throws EEXIT; this.error() throws a CLIError that oclif's runner would print.
      const e = error as {oclif?: {exit?: number}; code?: string; message: string}
      if (e.oclif?.exit === undefined) throw error
      exit = e.oclif.exit
      if (e.code !== 'EEXIT') err += `${e.message}\n`
    } finally {
      vi.restoreAllMocks()
    }
    return {out, err, exit}
  }

  it('prints OK/MISSING lines and exits 1 when anything is missing', async () => {
    reviewServer((a) => a.resource === 'pods' && a.subresource === 'portforward')
    const {out, exit} = await run(['--kubeconfig', writeKubeconfig(), '-n', 'commerce'])
    expect(exit).toBe(1)
    expect(out).toContain('OK   list ciliumnetworkpolicies.cilium.io (commerce)\n')
    expect(out).toContain('MISSING create pods/portforward (kube-system)\n')
    expect(out).not.toContain(TOKEN)
  })

  it('exits 0 when everything is granted, using the context namespace by default', async () => {
    const seen: Review[] = []
    reviewServer(() => false, seen)
    const {out, exit} = await run(['--kubeconfig', writeKubeconfig()])
    expect(exit).toBe(0)
    expect(out).not.toContain('MISSING')
    expect(seen.some((a) => a.namespace === 'commerce' && a.resource === 'latticeservices')).toBe(true)
  })

  it('exits 2 with one line for an unknown context', async () => {
    const {err, exit} = await run(['--kubeconfig', writeKubeconfig(), '--context', 'nope'])
    expect(exit).toBe(2)
    expect(err).toContain('unknown context "nope"')
    expect(err).toContain('(available: prod, staging)')
  })

  it('-o json is a PermissionReport that follows schema/permissions.schema.json', async () => {
    reviewServer((a) => a.resource === 'pods' && a.subresource === 'portforward')
    const {out, exit} = await run(['--kubeconfig', writeKubeconfig(), '-n', 'commerce', '-o', 'json'])
    expect(exit).toBe(1)
    const doc = JSON.parse(out)
    const {Ajv} = await import('ajv')
    const {readFileSync} = await import('node:fs')
    const path = await import('node:path')
    const validate = new Ajv({allErrors: true}).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'permissions.schema.json'), 'utf8')))
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
    expect(doc).toMatchObject({apiVersion: 'platform.lattice.dev/v1alpha1', kind: 'PermissionReport', allGranted: false})
    expect(doc.checks).toContainEqual(expect.objectContaining({verb: 'create', resource: 'pods', subresource: 'portforward', namespace: 'kube-system', status: 'missing'}))
    expect(out).not.toContain(TOKEN)
  })
})
