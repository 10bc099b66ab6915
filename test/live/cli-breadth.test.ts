// The built CLI against a live (HTTP-served fake) cluster for external destinations and
// plain workloads (issues 9.2, 9.3): schema-valid JSON, exit codes, GET only, no --specs.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Ajv} from 'ajv'
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {cliAsync} from '../helpers/cli.js'
import {FakeCluster, kubeconfigFor, NODE_B, NS, pod, seedDocs, serveOverHttp} from './fake-cluster.js'


const validate = new Ajv({allErrors: true}).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'diagnosis.schema.json'), 'utf8')))
const waypointPod = pod('commerce-waypoint-5f7d8c9b6-h4k8s', 'commerce-waypoint', {ip: '10.244.2.50', node: NODE_B, sa: 'commerce-waypoint', labels: {'gateway.networking.k8s.io/gateway-name': 'commerce-waypoint'}})
const legacyDeploy = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'legacy-billing', namespace: NS, labels: {app: 'legacy-billing'}},
  spec: {selector: {matchLabels: {app: 'legacy-billing'}}, template: {metadata: {labels: {app: 'legacy-billing'}}, spec: {containers: [{name: 'main', image: 'r/legacy:1'}]}}},
} as unknown as KubeObject

async function live(args: string[], extra: KubeObject[] = []) {
  const api = await serveOverHttp(await FakeCluster.create({docs: seedDocs(), extra: [waypointPod, ...extra]}))
  try {
    const r = await cliAsync(['debug', 'connectivity', ...args, '--kubeconfig', kubeconfigFor(api.url), '--request-timeout', '5s', '--no-evidence'])
    return {...r, requests: api.requests}
  } finally {
    await api.close()
  }
}

describe('built CLI, live: external destinations and plain workloads', () => {
  it('A → https URL: ALLOWED, exit 0, schema-valid JSON, GET only', async () => {
    const r = await live(['commerce/payments', 'https://api.stripe.com/v1/charges', '-o', 'json'])
    expect(r.stderr).toBe('')
    const report = JSON.parse(r.stdout)
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
    expect(report.result.status).toBe('ALLOWED')
    expect(report.target).toMatchObject({kind: 'External', name: 'api.stripe.com'})
    expect(r.code).toBe(0)
    expect(r.requests.every((x) => x.method === 'GET')).toBe(true)
  })

  it('undeclared host: BLOCKED at L4, exit 1, the text names the external-service fix', async () => {
    const r = await live(['checkout', 'api.stripe.com:443', '-n', 'commerce', '--width', '300'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/checkout declares no external-service for api\.stripe\.com:443/)
    expect(r.stdout).toMatch(/external-service/)
  })

  it('deploy/NAME → svc/NAME: SKIP for the Lattice-only layers, BLOCKED at L4, exit 1, schema-valid JSON', async () => {
    const legacyPod = pod('legacy-billing-6c9f7d8b54-zz9xq', 'legacy-billing', {ip: '10.244.1.77', node: NODE_B, labels: {app: 'legacy-billing'}})
    const r = await live(['deploy/legacy-billing', 'svc/payments', '-n', 'commerce', '-o', 'json'], [legacyDeploy, legacyPod])
    expect(r.stderr).toBe('')
    const report = JSON.parse(r.stdout)
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
    expect(report.layers.slice(0, 3).map((l: {status: string}) => l.status)).toEqual(['SKIP', 'SKIP', 'SKIP'])
    expect(report.source).toMatchObject({name: 'legacy-billing', kind: 'Deployment'})
    expect(report.result).toMatchObject({status: 'BLOCKED', blockedAt: 'l4'})
    expect(r.code).toBe(1)
    expect(r.requests.every((x) => x.method === 'GET')).toBe(true)
  })

  it('deploy/NAME → an external host: SKIP for the Lattice-only layers, a verdict from the live egress policies, exit 1, schema-valid JSON; offline it is an input error', async () => {
    const legacyPod = pod('legacy-billing-6c9f7d8b54-zz9xq', 'legacy-billing', {ip: '10.244.1.77', node: NODE_B, labels: {app: 'legacy-billing'}})
    const r = await live(['deploy/legacy-billing', 'api.stripe.com', '-n', 'commerce', '-o', 'json'], [legacyDeploy, legacyPod])
    expect(r.stderr).toBe('')
    const report = JSON.parse(r.stdout)
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
    expect(report.layers.slice(0, 3).map((l: {status: string}) => l.status)).toEqual(['SKIP', 'SKIP', 'SKIP'])
    expect(report.source).toMatchObject({name: 'legacy-billing', kind: 'Deployment'})
    expect(report.target).toMatchObject({kind: 'External', name: 'api.stripe.com'})
    expect(report.result.status).toBe('BLOCKED')
    expect(r.code).toBe(1)
    expect(r.requests.every((x) => x.method === 'GET')).toBe(true)
    const offline = await cliAsync(['debug', 'connectivity', 'deploy/legacy-billing', 'api.stripe.com', '--specs', path.join(PROJECT_ROOT, 'examples', 'commerce')])
    expect(offline.code).toBe(2)
    expect(offline.stderr.trim()).toMatch(/'deploy\/legacy-billing' names a Kubernetes workload, not a Lattice service: workloads are read from a cluster/)
  })

  it('an unknown kind is exit 2 with a one-line error', async () => {
    const r = await live(['commerce/checkout', 'kube-system/cm/coredns'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })
})
