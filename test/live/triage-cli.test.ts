// The built CLI, `platform debug triage` live: no evidence files, so it reads the cluster
// (--kubeconfig at a real HTTP server on 127.0.0.1 serving the fake API; nock does not cross
// processes) and an in-process Hubble Relay (--hubble-server). Exit 1 (groups denied), JSON
// per schema/triage.schema.json, the dead source as a warning on stderr, GETs only on the wire.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Ajv} from 'ajv'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {cliAsync} from '../helpers/cli.js'
import {evidencePods, logKey, tetragonKill, ztunnelDenials} from './evidence-fixtures.js'
import {FakeCluster, IP_A, IP_B, kubeconfigFor, NODE_A, NODE_B, NS, POD_A, POD_B, seedDocs, serveOverHttp} from './fake-cluster.js'
import {startFlowServer} from './triage-fixtures.js'


const schema = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'triage.schema.json'), 'utf8'))
const validate = new Ajv({allErrors: true, strict: false}).compile(schema)
const A = {namespace: NS, pod: POD_A, app: 'checkout', ip: IP_A}
const B = {namespace: NS, pod: POD_B, app: 'payments', ip: IP_B}

describe('platform debug triage against a live cluster (built CLI)', () => {
  it('-n commerce -o json: groups of every layer, exit 1, read-only', async () => {
    const api = await serveOverHttp(await FakeCluster.create({
      docs: seedDocs({payments: {}}), extra: evidencePods(),
      logs: {[logKey.ztunnel(NODE_B)]: ztunnelDenials(60), [logKey.tetragon(NODE_A)]: tetragonKill('/usr/bin/wget')},
    }))
    const hubble = await startFlowServer([
      {src: A, dst: B, dport: 15008, verdict: 'DROPPED', secondsAgo: 30},
      {src: B, dst: A, dport: 41000, verdict: 'DROPPED', reply: true, secondsAgo: 29},
    ])
    try {
      const r = await cliAsync(['debug', 'triage', '-n', NS, '--since', '10m', '--kubeconfig', kubeconfigFor(api.url), '--hubble-server', hubble.address, '-o', 'json', '--request-timeout', '5s'])
      expect(r.stderr).toBe('')
      const report = JSON.parse(r.stdout)
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
      expect(r.code).toBe(1)
      expect(report.groups.map((g: {key: string}) => g.key).sort()).toEqual([
        `l4|${NS}/checkout|${NS}/payments|15008|TCP`, `l7|${NS}/checkout|${NS}/payments|15008|`, `runtime|${NS}/checkout|/usr/bin/wget||`,
      ])
      expect(report.groups.find((g: {layer: string}) => g.layer === 'l4').verdict).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
      expect(api.requests.length).toBeGreaterThan(10)
      expect(api.requests.every((x) => x.method === 'GET')).toBe(true)
      expect(api.requests.some((x) => x.url.toLowerCase().includes('/secrets'))).toBe(false)
      expect(api.requests.some((x) => /\/portforward|\/exec|\/attach|\/proxy/.test(x.url))).toBe(false)
    } finally {
      hubble.stop()
      await api.close()
    }
  }, 40_000)

  it('text: a Hubble Relay that cannot be reached is a warning on stderr and a coverage line; the rest is still grouped', async () => {
    const api = await serveOverHttp(await FakeCluster.create({docs: seedDocs({payments: {}}), extra: evidencePods(), logs: {[logKey.ztunnel(NODE_B)]: ztunnelDenials(60)}}))
    try {
      const r = await cliAsync(['debug', 'triage', '-n', NS, '--kubeconfig', kubeconfigFor(api.url), '--request-timeout', '5s'])
      expect(r.code).toBe(1)
      expect(r.stderr).toBe('warning: hubble evidence unavailable: port-forward to kube-system/hubble-relay: not found: get services hubble-relay in namespace kube-system\n')
      expect(r.stdout).toContain('hubble: unavailable (port-forward to kube-system/hubble-relay: not found')
      expect(r.stdout).toContain(`1× L7 ${NS}/checkout → ${NS}/payments:15008 (HBONE)`)
    } finally {
      await api.close()
    }
  }, 40_000)

  it('--specs without evidence files is an input error (exit 2)', async () => {
    const r = await cliAsync(['debug', 'triage', '-n', NS, '--specs', 'examples/commerce'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--specs is for offline triage of exported evidence/)
  })
})
