import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import nock from 'nock'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {connect, type ConnectEnvironment} from '../../src/cluster/index.js'
import {InputError} from '../../src/core/errors.js'
import {list, OTHER_SERVER, SERVER, STAGING_TOKEN, tempDir, TOKEN, writeKubeconfig} from './fixtures.js'

const none: ConnectEnvironment = {env: {}, homeDir: undefined, inClusterPathPrefix: '/nonexistent'}

beforeEach(() => nock.disableNetConnect())
afterEach(() => {
  nock.cleanAll()
  nock.enableNetConnect()
})

async function failure(run: () => Promise<unknown>): Promise<InputError> {
  try {
    await run()
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected connect to fail')
}

describe('connect: kubeconfig and context', () => {
  it('uses the current context, its namespace and its credentials', async () => {
    const cluster = await connect({kubeconfig: writeKubeconfig()}, none)
    expect(cluster.info).toMatchObject({contextName: 'prod', namespace: 'commerce', server: SERVER})
    nock(SERVER, {reqheaders: {authorization: `Bearer ${TOKEN}`}})
      .get('/api/v1/namespaces/commerce/pods').reply(200, list('v1', 'Pod', []))
    expect(await cluster.pods('commerce')).toEqual({ok: true, items: []})
  })

  it('selects --context, and defaults the namespace to `default` when the context has none', async () => {
    const cluster = await connect({kubeconfig: writeKubeconfig(), context: 'staging'}, none)
    expect(cluster.info).toMatchObject({contextName: 'staging', namespace: 'default', server: OTHER_SERVER})
    nock(OTHER_SERVER, {reqheaders: {authorization: `Bearer ${STAGING_TOKEN}`}})
      .get('/api/v1/namespaces/default/services').reply(200, list('v1', 'Service', []))
    expect((await cluster.services(cluster.namespace)).ok).toBe(true)
  })

  it('lets --namespace override the context namespace', async () => {
    const cluster = await connect({kubeconfig: writeKubeconfig(), namespace: 'media'}, none)
    expect(cluster.namespace).toBe('media')
  })

  it('names the available contexts when the context is unknown', async () => {
    const file = writeKubeconfig()
    const error = await failure(() => connect({kubeconfig: file, context: 'qa'}, none))
    expect(error.message).toBe(`unknown context "qa" in ${file} (available: prod, staging)`)
  })

  it('asks for --context when there is no current-context', async () => {
    const file = writeKubeconfig(tempDir(), {'current-context': ''})
    const error = await failure(() => connect({kubeconfig: file}, none))
    expect(error.message).toMatch(/has no current-context; pass --context \(available: prod, staging\)$/)
  })

  it('reports a missing --kubeconfig file', async () => {
    const error = await failure(() => connect({kubeconfig: '/nonexistent/kubeconfig'}, none))
    expect(error.message).toBe('kubeconfig /nonexistent/kubeconfig not found')
  })

  it('falls back to KUBECONFIG (first file wins on duplicates), then ~/.kube/config', async () => {
    const first = writeKubeconfig()
    const secondDir = tempDir()
    const second = path.join(secondDir, 'extra')
    writeFileSync(second, [
      'apiVersion: v1', 'kind: Config', 'current-context: extra',
      'clusters: [{name: extra, cluster: {server: "https://extra.test", insecure-skip-tls-verify: true}}, {name: prod, cluster: {server: "https://shadowed.test"}}]',
      'users: [{name: extra, user: {token: abcdefgh}}]',
      'contexts: [{name: extra, context: {cluster: extra, user: extra, namespace: ops}}]',
    ].join('\n'))
    const viaEnv = await connect({}, {...none, env: {KUBECONFIG: `${first}${path.delimiter}/nonexistent${path.delimiter}${second}`}})
    expect(viaEnv.info).toMatchObject({contextName: 'prod', server: SERVER})
    const extra = await connect({context: 'extra'}, {...none, env: {KUBECONFIG: `${first}${path.delimiter}${second}`}})
    expect(extra.info).toMatchObject({contextName: 'extra', namespace: 'ops', server: 'https://extra.test'})

    const home = tempDir()
    mkdirSync(path.join(home, '.kube'))
    writeKubeconfig(path.join(home, '.kube'))
    const viaHome = await connect({}, {...none, homeDir: home})
    expect(viaHome.info).toMatchObject({contextName: 'prod', source: path.join(home, '.kube', 'config')})
  })

  it('uses the in-cluster service account when nothing else is configured', async () => {
    const root = tempDir()
    const sa = path.join(root, 'var/run/secrets/kubernetes.io/serviceaccount')
    mkdirSync(sa, {recursive: true})
    writeFileSync(path.join(sa, 'token'), TOKEN)
    writeFileSync(path.join(sa, 'namespace'), 'platform-tools')
    writeFileSync(path.join(sa, 'ca.crt'), '')
    const cluster = await connect({}, {env: {KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443'}, homeDir: undefined, inClusterPathPrefix: root})
    expect(cluster.info).toMatchObject({source: 'in-cluster service account', namespace: 'platform-tools', server: 'https://10.96.0.1:443'})
  })

  it('says where it looked when there is no configuration at all', async () => {
    const error = await failure(() => connect({}, none))
    expect(error.message).toMatch(/^no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG/)
  })

  it('never quotes the kubeconfig (and its token) in a parse error', async () => {
    const file = path.join(tempDir(), 'broken')
    writeFileSync(file, `apiVersion: v1\nusers:\n- name: prod\n  user:\n    token: ${TOKEN}\n   bad: [indent\n`)
    const error = await failure(() => connect({kubeconfig: file}, none))
    expect(error.message).toMatch(/^kubeconfig .*broken: invalid YAML at line \d+$/)
    expect(error.message).not.toContain(TOKEN.slice(0, 12))
  })

  it('never puts the token in a connection error', async () => {
    const net = await import('node:net')
    const server = net.createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as {port: number}).port
    await new Promise<void>((r) => server.close(() => r()))
    nock.enableNetConnect('127.0.0.1')
    const file = writeKubeconfig(tempDir(), {
      clusters: [{name: 'prod', cluster: {server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true}}, {name: 'staging', cluster: {server: OTHER_SERVER}}],
    })
    const cluster = await connect({kubeconfig: file, requestTimeoutMs: 2000}, none)
    const result = await cluster.pods('commerce')
    expect(result).toMatchObject({ok: false, status: 'unreachable'})
    if (!result.ok) {
      expect(result.reason).toMatch(/^unreachable: list pods in namespace commerce: .*ECONNREFUSED/)
      expect(result.reason).not.toContain(TOKEN)
    }
  })
})
