// The built CLI loads @kubernetes/client-node from the build's one-file bundle, not from
// the package's ~940 modules (about 1 s and 55 MB at the start of every live diagnosis).
import {existsSync} from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {type Duplex, PassThrough} from 'node:stream'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, it} from 'vitest'
import * as pkg from '@kubernetes/client-node'
import {PROJECT_ROOT} from '../helpers/shared.js'

const built = path.join(PROJECT_ROOT, 'dist', 'src', 'cluster', 'client-node.js')

describe('client-node bundle', () => {
  it('is what the built code loads, and it works', async () => {
    expect(existsSync(built), 'npm run build produces dist/ (global setup builds it)').toBe(true)
    const mod = (await import(pathToFileURL(built).href)) as typeof import('../../src/cluster/client-node.js')
    expect(existsSync(new URL(mod.BUNDLE_URL))).toBe(true)
    const {KubeConfig, PortForward} = await mod.loadClientNode()
    expect(KubeConfig).not.toBe(pkg.KubeConfig)
    expect(typeof PortForward).toBe('function')
    const kc = new KubeConfig()
    kc.loadFromString(
      JSON.stringify({
        apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
        clusters: [{name: 'k', cluster: {server: 'https://127.0.0.1:6443'}}],
        users: [{name: 'u', user: {token: 'bundle-test-token'}}],
        contexts: [{name: 'c', context: {cluster: 'k', user: 'u'}}],
      }),
    )
    const options: {headers?: Record<string, string>} = {}
    await kc.applyToHTTPSOptions(options)
    expect(options.headers?.Authorization).toBe('Bearer bundle-test-token')
  })

  // The bundle drops the modules it declares free of side effects and swaps node-fetch's
  // whatwg-url for Node's URL (scripts/bundle-client-node.mjs): the users the CLI meets
  // must still authenticate exactly as with the package itself.
  it('authenticates token, client-certificate and exec-plugin users as the package does', async () => {
    const mod = (await import(pathToFileURL(built).href)) as typeof import('../../src/cluster/client-node.js')
    const {KubeConfig} = await mod.loadClientNode()
    const credential = JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: {token: 'exec-plugin-token'}})
    const users = [
      {name: 'token', user: {token: 'bundle-test-token'}},
      {name: 'cert', user: {'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64')}},
      {name: 'exec', user: {exec: {apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`], interactiveMode: 'Never'}}},
    ]
    const config = (user: string) =>
      JSON.stringify({
        apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
        clusters: [{name: 'k', cluster: {server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from('CA').toString('base64')}}],
        users, contexts: [{name: 'c', context: {cluster: 'k', user}}],
      })
    for (const user of ['token', 'cert', 'exec']) {
      const applied = async (Ctor: typeof pkg.KubeConfig) => {
        const kc = new Ctor()
        kc.loadFromString(config(user))
        const options: {headers?: Record<string, string>; ca?: unknown; cert?: unknown; key?: unknown} = {}
        await kc.applyToHTTPSOptions(options)
        return {headers: options.headers, ca: String(options.ca), cert: String(options.cert), key: String(options.key)}
      }
      const fromBundle = await applied(KubeConfig)
      expect(fromBundle, user).toEqual(await applied(pkg.KubeConfig))
      expect(fromBundle.ca).toBe('CA')
    }
    const exec = new KubeConfig()
    exec.loadFromString(config('exec'))
    const options: {headers?: Record<string, string>} = {}
    await exec.applyToHTTPSOptions(options)
    expect(options.headers?.Authorization).toBe('Bearer exec-plugin-token')
  })

  // PortForward (the Hubble Relay's default path) keeps its WebSocket client in the bundle.
  it("the bundle's PortForward asks the API server for a port-forward WebSocket", async () => {
    const mod = (await import(pathToFileURL(built).href)) as typeof import('../../src/cluster/client-node.js')
    const {KubeConfig, PortForward} = await mod.loadClientNode()
    const server = http.createServer()
    const upgrade = new Promise<{url?: string; headers: http.IncomingHttpHeaders}>((resolve) =>
      server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
        resolve({url: req.url, headers: req.headers})
        socket.destroy()
      }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      // (plain HTTP needs the skip-TLS flag in client-node; src/cluster sets it for http:// servers)
      const kc = new KubeConfig()
      kc.loadFromString(
        JSON.stringify({
          apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
          clusters: [{name: 'k', cluster: {server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'insecure-skip-tls-verify': true}}],
          users: [{name: 'u', user: {token: 'pf-token'}}],
          contexts: [{name: 'c', context: {cluster: 'k', user: 'u'}}],
        }),
      )
      void new PortForward(kc).portForward('kube-system', 'hubble-relay-0', [4245], new PassThrough(), null, new PassThrough()).catch(() => undefined)
      const {url, headers} = await upgrade
      expect(url).toBe('/api/v1/namespaces/kube-system/pods/hubble-relay-0/portforward?ports=4245')
      expect(headers.upgrade?.toLowerCase()).toBe('websocket')
      expect(headers.authorization).toBe('Bearer pf-token')
    } finally {
      server.close()
    }
  })

  it('the source tree falls back to the package', async () => {
    const {loadClientNode} = await import('../../src/cluster/client-node.js')
    expect((await loadClientNode()).KubeConfig).toBe(pkg.KubeConfig)
  })
})
