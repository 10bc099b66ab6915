// The built CLI end to end against a live cluster: a real HTTP server on 127.0.0.1 serves the
// same fake API (nock does not cross processes), the CLI gets --kubeconfig pointing at it and
// -o json. The JSON follows schema/diagnosis.schema.json, exit codes are 0/1/3 for
// ALLOWED/BLOCKED/UNKNOWN, and nothing else is written to stderr.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Ajv} from 'ajv'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {cliAsync} from '../helpers/cli.js'
import {FakeCluster, kubeconfigFor, seedDocs, serveOverHttp} from './fake-cluster.js'


const schema = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'diagnosis.schema.json'), 'utf8'))
const validate = new Ajv({allErrors: true}).compile(schema)

describe('platform debug connectivity against a live cluster (built CLI, -o json)', () => {
  it.each([
    ['ALLOWED', 0, {docs: seedDocs()}, {}],
    ['BLOCKED', 1, {docs: seedDocs({payments: {}})}, {}],
    ['UNKNOWN', 3, {docs: seedDocs()}, {'/apis/cilium.io/v2/namespaces/commerce/ciliumnetworkpolicies': {http: 403}}],
  ] as const)('%s → exit %i, schema-valid JSON, empty stderr', async (status, code, scenario, faults) => {
    const api = await serveOverHttp(await FakeCluster.create(scenario), faults)
    try {
      const r = await cliAsync(['debug', 'connectivity', 'commerce/checkout', 'commerce/payments', '--kubeconfig', kubeconfigFor(api.url), '-o', 'json', '--request-timeout', '5s'])
      expect(r.stderr).toBe('')
      const report = JSON.parse(r.stdout)
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
      expect(report.result.status).toBe(status)
      expect(r.code).toBe(code)
      expect(report.source).toEqual({namespace: 'commerce', name: 'checkout', kind: 'LatticeService'})
      if (status === 'BLOCKED') expect(report.result).toMatchObject({blockedAt: 'l4', explanation: 'Bilateral inbound declaration on payments does not include checkout.'})
      if (status === 'UNKNOWN') expect(report.layers.find((l: {layer: string}) => l.layer === 'l4').status).toBe('UNKNOWN')
      // Evidence is on by default: the CLI looked for ztunnel/Tetragon pods and hubble-relay, read-only.
      expect(api.requests.every((x) => x.method === 'GET')).toBe(true)
      expect(api.requests.some((x) => x.url.startsWith('/api/v1/namespaces/istio-system/pods?'))).toBe(true)
      expect(api.requests.some((x) => x.url.includes('/secrets'))).toBe(false)
    } finally {
      await api.close()
    }
  })
})
