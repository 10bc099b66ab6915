// Credentials in server URLs are never printed (issue 7.12), and an empty or broken
// kubeconfig is a one-line input error (issue 10.5).
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {connect, Redactor} from '../../src/cluster/index.js'
import {urlSecrets} from '../../src/cluster/redact.js'
import {InputError} from '../../src/core/errors.js'
import {tempDir} from './fixtures.js'

const isolated = {env: {}, homeDir: undefined, inClusterPathPrefix: '/nonexistent'}

describe('server URLs with credentials', () => {
  const redactor = new Redactor()
  it.each([
    ['could not read the cluster at https://alice:S3cret@k8s.example:6443: refused', 'could not read the cluster at https://[redacted]@k8s.example:6443: refused'],
    ['GET https://tok3n@k8s.example/api failed', 'GET https://[redacted]@k8s.example/api failed'],
    ['https://k8s.example/?token=abc123&x=1: timeout', 'https://k8s.example/?token=[redacted]&x=1: timeout'],
    ['https://k8s.example/api?access_token=abc123', 'https://k8s.example/api?access_token=[redacted]'],
    ['https://s3.example/b?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA', 'https://s3.example/b?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]'],
  ])('redacts %j', (input, expected) => {
    expect(redactor.redact(input)).toBe(expected)
    expect(redactor.redact(redactor.redact(input))).toBe(expected) // idempotent: messages pass twice
  })

  it('leaves ordinary URLs and selectors alone', () => {
    for (const text of ['https://k8s.example:6443/api/v1/namespaces/commerce/pods?labelSelector=app.kubernetes.io%2Fname%3Dx', 'http://127.0.0.1:8001', 'user@example.com wrote']) {
      expect(redactor.redact(text)).toBe(text)
    }
  })

  it('knows the literal secrets of a server URL, so they are redacted wherever they reappear', () => {
    expect(urlSecrets('https://alice:p%40ss@h:1/?token=qt&labelSelector=a')).toEqual(['alice', 'p@ss', 'qt'])
    expect(urlSecrets('not a url')).toEqual([])
  })

  it('the cluster info shows the server without its credentials', async () => {
    const file = path.join(tempDir(), 'config')
    writeFileSync(file, `apiVersion: v1
kind: Config
current-context: c
clusters: [{name: c, cluster: {server: "https://alice:S3cretPassw0rd@k8s.example:6443/?token=QueryT0ken", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
`)
    const cluster = await connect({kubeconfig: file}, isolated)
    expect(cluster.info.server).toBe('https://[redacted]@k8s.example:6443/?token=[redacted]')
  })
})

describe('empty or broken kubeconfig', () => {
  async function message(text: string): Promise<string> {
    const file = path.join(tempDir(), 'config')
    writeFileSync(file, text)
    const err = await connect({kubeconfig: file}, isolated).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(InputError)
    const m = (err as InputError).message
    expect(m).not.toContain('\n')
    return m.replace(file, 'FILE')
  }

  it.each([
    ['', 'kubeconfig FILE: empty (no clusters, users or contexts)'],
    ['  \n\n', 'kubeconfig FILE: empty (no clusters, users or contexts)'],
    ['{}', 'kubeconfig FILE: empty (no clusters, users or contexts)'],
    ['apiVersion: v1\nclusters: [\n', 'kubeconfig FILE: invalid YAML at line 3'],
  ])('%j', async (text, expected) => {
    expect(await message(text)).toBe(expected)
  })
})
