// Running the live diagnosis in-process against the nock-served fake cluster.
import nock from 'nock'
import {afterEach, beforeEach} from 'vitest'
import type {RequestRecord} from '../../src/cluster/index.js'
import {diagnoseLive, type LiveRequest} from '../../src/diagnose/live.js'
import type {Diagnosis} from '../../src/diagnose/model.js'
import {kubeconfigFor, SERVER} from './fake-cluster.js'

export function useNock(): void {
  beforeEach(() => nock.disableNetConnect())
  afterEach(() => {
    nock.cleanAll()
    nock.enableNetConnect()
  })
}

export interface RunOptions {
  source?: string
  target?: string
  clientBinary?: string
  evidence?: boolean
  hubbleServer?: string
  requestTimeoutMs?: number
  records?: RequestRecord[]
  server?: string
  port?: string
  method?: string
  path?: string
}

export function liveRequest(opts: RunOptions = {}): LiveRequest {
  return {
    source: opts.source ?? 'commerce/checkout',
    target: opts.target ?? 'commerce/payments',
    ...(opts.clientBinary ? {clientBinary: opts.clientBinary} : {}),
    ...(opts.port ? {port: opts.port} : {}),
    ...(opts.method ? {method: opts.method, path: opts.path ?? '/'} : {}),
    specPaths: [],
    profile: 'seed',
    connect: {
      kubeconfig: kubeconfigFor(opts.server ?? SERVER),
      requestTimeoutMs: opts.requestTimeoutMs ?? 2000,
      ...(opts.records ? {recorder: (r: RequestRecord) => opts.records!.push(r)} : {}),
    },
    evidence: {
      enabled: opts.evidence ?? false,
      sinceSeconds: 900,
      ...(opts.hubbleServer ? {hubbleServer: opts.hubbleServer} : {}),
    },
  }
}

export function run(opts: RunOptions = {}): Promise<Diagnosis> {
  return diagnoseLive(liveRequest(opts))
}

export const layer = (d: Diagnosis, id: string) => d.layers.find((l) => l.layer === id)!
export const statuses = (d: Diagnosis) => d.layers.map((l) => `${l.layer}:${l.status}`)
