// Issue 10.3: `platform compile -o yaml|json | kubectl apply --dry-run=client -f -` works.
// kubectl needs the API server's discovery to map kinds to resources, so a minimal discovery
// endpoint (only the groups the compiler emits) stands in for a cluster. Skipped without kubectl.
import {spawn, spawnSync} from 'node:child_process'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cli} from '../helpers/cli.js'

const kubectl = spawnSync('kubectl', ['version', '--client'], {encoding: 'utf8'}).status === 0
let server: http.Server
let url = ''

beforeAll(async () => {
  const groups: Record<string, Array<[string, string, boolean]>> = {
    'lattice.dev/v1alpha1': [['latticemeshmembers', 'LatticeMeshMember', true]],
    'cilium.io/v2': [['ciliumnetworkpolicies', 'CiliumNetworkPolicy', true], ['ciliumclusterwidenetworkpolicies', 'CiliumClusterwideNetworkPolicy', false]],
    'cilium.io/v1alpha1': [['tracingpolicies', 'TracingPolicy', false], ['tracingpoliciesnamespaced', 'TracingPolicyNamespaced', true]],
    'security.istio.io/v1': [['authorizationpolicies', 'AuthorizationPolicy', true], ['peerauthentications', 'PeerAuthentication', true]],
    'networking.istio.io/v1': [['serviceentries', 'ServiceEntry', true]],
    'gateway.networking.k8s.io/v1': [['gateways', 'Gateway', true]],
  }
  server = http.createServer((req, res) => {
    const u = (req.url ?? '').split('?')[0]
    const json = (o: unknown) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(o)) }
    if (u === '/api') return json({kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: []})
    if (u === '/api/v1') return json({kind: 'APIResourceList', groupVersion: 'v1', resources: [{name: 'namespaces', kind: 'Namespace', namespaced: false, singularName: 'namespace', verbs: ['get', 'list', 'create']}]})
    if (u === '/apis') {
      const byGroup: Record<string, Array<{groupVersion: string; version: string}>> = {}
      for (const gv of Object.keys(groups)) { const [g, v] = gv.split('/'); (byGroup[g] ??= []).push({groupVersion: gv, version: v}) }
      return json({kind: 'APIGroupList', apiVersion: 'v1', groups: Object.entries(byGroup).map(([name, versions]) => ({name, versions, preferredVersion: versions[0]}))})
    }
    const m = /^\/apis\/(.+\/[^/]+)$/.exec(u)
    if (m && groups[m[1]]) return json({kind: 'APIResourceList', apiVersion: 'v1', groupVersion: m[1], resources: groups[m[1]].map(([name, kind, namespaced]) => ({name, kind, namespaced, singularName: kind.toLowerCase(), verbs: ['get', 'list', 'create', 'patch']}))})
    res.statusCode = 404; json({kind: 'Status', status: 'Failure', code: 404, reason: 'NotFound'})
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function run(cmd: string, args: string[], input: string): Promise<{status: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (status) => resolve({status: status ?? -1, stdout, stderr}))
    child.stdin.end(input)
  })
}

describe.skipIf(!kubectl)('compile output into kubectl (client dry run)', () => {
  it.each(['yaml', 'json'])('-o %s: every object is read and accepted', async (format) => {
    const out = cli(['compile', '--specs', 'examples/commerce', '-o', format])
    expect(out.code).toBe(0)
    // Asynchronously: the discovery server runs in this process.
    const r = await run('kubectl', ['--server', url, 'apply', '--dry-run=client', '--validate=false', '-f', '-'], out.stdout)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const created = r.stdout.trim().split('\n')
    expect(created.every((l) => l.endsWith('created (dry run)'))).toBe(true)
    expect(created.length).toBeGreaterThan(40)
  }, 90_000)
})
