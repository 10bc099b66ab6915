// A full live diagnosis with every evidence source enabled reads and only reads: every
// request is a GET (the SelfSubjectAccessReview POST and the port-forward upgrade are the only
// exceptions the request layer allows, and neither is needed with --hubble-server) and
// nothing ever touches a Secret. Checked twice: at the request layer (the recorder sees every
// request before it is sent) and on the wire (what nock was actually asked).
import nock from 'nock'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {RequestRecord} from '../../src/cluster/index.js'
import type {RunningServer} from '../evidence/upstreamGrpc.js'
import {hasShared} from '../helpers/shared.js'
import {evidencePods, logKey, startHubble, tetragonKill, ztunnelAllowed, ztunnelDenials} from './evidence-fixtures.js'
import {FakeCluster, NODE_A, NODE_B, seedDocs, serveWithNock} from './fake-cluster.js'
import {run, useNock} from './run.js'

useNock()

describe('a full live diagnosis with evidence is read-only', () => {
  let hubble: RunningServer | undefined
  beforeAll(async () => {
    if (hasShared) hubble = await startHubble({kind: 'drops'})
  })
  afterAll(async () => hubble?.stop())

  it('sends only GETs, never a path with /secrets, and reads every evidence source', async () => {
    const cluster = await FakeCluster.create({
      docs: seedDocs(), extra: evidencePods(), useWaypoint: 'commerce-waypoint',
      logs: {
        [logKey.ztunnel(NODE_A)]: ztunnelAllowed(), [logKey.ztunnel(NODE_B)]: ztunnelDenials(),
        [logKey.tetragon(NODE_A)]: tetragonKill('/usr/bin/wget'), [logKey.tetragon(NODE_B)]: '',
      },
    })
    const scope = serveWithNock(cluster)
    const wire: Array<{method: string; path: string}> = []
    scope.on('request', (req: {method: string; path: string}) => wire.push({method: req.method, path: req.path}))
    const unmatched: string[] = []
    const onNoMatch = (req: {method?: string; path?: string}) => unmatched.push(`${req.method} ${req.path}`)
    nock.emitter.on('no match', onNoMatch)
    const records: RequestRecord[] = []
    try {
      // Without the upstream protos, a Hubble address nothing listens on: still no port-forward.
      const d = await run({evidence: true, hubbleServer: hubble?.address ?? '127.0.0.1:1', records, clientBinary: '/usr/bin/wget'})
      expect(d.result.status).toBe('BLOCKED')
    } finally {
      nock.emitter.removeListener('no match', onNoMatch)
    }

    expect(unmatched).toEqual([])
    expect(records.length).toBeGreaterThan(25)
    for (const r of records) {
      expect(r.method, `${r.method} ${r.path}`).toBe('GET')
      expect(r.upgrade).toBeUndefined()
      expect(decodeURIComponent(r.path).toLowerCase()).not.toContain('/secrets')
    }
    expect(wire).toHaveLength(records.length)
    for (const w of wire) {
      expect(w.method).toBe('GET')
      expect(decodeURIComponent(w.path).toLowerCase()).not.toContain('/secrets')
      expect(w.path).not.toMatch(/\/portforward|\/exec|\/attach|\/proxy/)
    }
    // The evidence readers really ran: ztunnel, waypoint and Tetragon pods and their logs.
    const paths = records.map((r) => `${r.path}${r.query.labelSelector ? `?${r.query.labelSelector}` : ''}${r.query.container ? `#${r.query.container}` : ''}`)
    expect(paths).toContain('/api/v1/namespaces/istio-system/pods?app=ztunnel')
    expect(paths).toContain('/api/v1/namespaces/kube-system/pods?app.kubernetes.io/name=tetragon')
    expect(paths).toContain('/api/v1/namespaces/commerce/pods?gateway.networking.k8s.io/gateway-name=commerce-waypoint')
    expect(paths).toContain('/api/v1/namespaces/istio-system/pods/ztunnel-worker-a/log#istio-proxy')
    expect(paths).toContain('/api/v1/namespaces/istio-system/pods/ztunnel-worker-b/log#istio-proxy')
    expect(paths).toContain('/api/v1/namespaces/kube-system/pods/tetragon-worker-a/log#export-stdout')
    // The evidence window is sent to the server, not applied after downloading everything.
    for (const r of records.filter((x) => x.path.endsWith('/log'))) expect(r.query.sinceSeconds).toBe('900')
  })
})
