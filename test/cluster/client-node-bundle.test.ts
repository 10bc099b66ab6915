// The built CLI loads @kubernetes/client-node from the build's one-file bundle, not from
// the package's ~940 modules (about 1 s and 55 MB at the start of every live diagnosis).
import {existsSync} from 'node:fs'
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

  it('the source tree falls back to the package', async () => {
    const {loadClientNode} = await import('../../src/cluster/client-node.js')
    expect((await loadClientNode()).KubeConfig).toBe(pkg.KubeConfig)
  })
})
