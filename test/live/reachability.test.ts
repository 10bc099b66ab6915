// `--from A --all` against a live cluster (issue 7 point 7): the built CLI reads the fake
// API over HTTP (test/live/fake-cluster.ts), lists A's peers (its namespace and what it
// declares outbound), gives each the live pair verdict, and exits 1/3/0 like offline.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Ajv} from 'ajv'
import {describe, expect, it} from 'vitest'
import {cliAsync} from '../helpers/cli.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {FakeCluster, kubeconfigFor, seedDocs, serveOverHttp} from './fake-cluster.js'


const validate = new Ajv({allErrors: true}).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'reachability.schema.json'), 'utf8')))

describe('--from A --all against a live cluster', () => {
  it.each([
    ['ALLOWED', 0, 'seed 001', seedDocs(), []],
    ['BLOCKED', 1, 'payments does not allow checkout', seedDocs({payments: {}}), []],
    ['BLOCKED', 1, '--client-binary /usr/bin/wget, not in checkout\'s allowlist', seedDocs(), ['--client-binary', '/usr/bin/wget']],
  ] as const)('%s → exit %i (%s), schema-valid, read-only', async (status, code, _label, docs, extra) => {
    const api = await serveOverHttp(await FakeCluster.create({docs: [...docs]}))
    try {
      const args = ['debug', 'connectivity', '--from', 'commerce/checkout', '--all', '--kubeconfig', kubeconfigFor(api.url), '--request-timeout', '5s', '--no-evidence', ...extra]
      const r = await cliAsync([...args, '-o', 'json'])
      expect(r.stderr).toBe('')
      const doc = JSON.parse(r.stdout)
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
      expect(doc).toMatchObject({kind: 'Reachability', source: 'commerce/checkout', policySource: 'cluster'})
      expect(doc.peers.map((p: any) => p.target)).toEqual(['commerce/payments'])
      expect(doc.result.status).toBe(status)
      expect(r.code).toBe(code)
      if (extra.length) expect(doc.peers[0]).toMatchObject({status: 'BLOCKED', blockedAt: 'runtime'})
      const text = await cliAsync(args)
      expect(text.code).toBe(code)
      expect(text.stdout.split('\n')[0]).toMatch(/^Reachability from commerce\/checkout( \(client binary \/usr\/bin\/wget\))?: 1 peer$/)
      for (const l of text.stdout.split('\n')) expect(l.length).toBeLessThanOrEqual(80)
      expect(api.requests.every((x) => x.method === 'GET')).toBe(true)
      expect(api.requests.some((x) => x.url.includes('/secrets'))).toBe(false)
    } finally {
      await api.close()
    }
  }, 60_000)
})
