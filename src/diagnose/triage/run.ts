// `platform debug triage`: every denial in the window, grouped, and each group diagnosed with
// the same pair pipeline (issue 9.1). The evidence arrives as record streams — exported files
// here (`hubble observe -o jsonpb`, ztunnel and waypoint logs, Tetragon export-stdout), the
// cluster's readers for the live view — so memory stays flat in the number of records: only
// the groups are kept. Each distinct pair is diagnosed once (cached for the run).

import {open} from 'node:fs/promises'
import type {CompileOptions} from '../../core/constants.js'
import {InputError} from '../../core/errors.js'
import type {FlowRecord, MeshAccessRecord, ProcessEventRecord} from '../../core/evidence.js'
import type {ResultStatus} from '../model.js'
import {denialFromEvent, denialFromFlow, denialFromMesh, partyOfEndpoint, partyText, type Denial, type DenialLayer, type EvidenceSource, type Party} from './denials.js'
import {DenialGroups, type DenialGroup} from './groups.js'

export const TRIAGE_API_VERSION = 'platform.lattice.dev/v1alpha1'

export interface EvidenceFiles {
  flows?: string[]
  ztunnelLogs?: string[]
  waypointLogs?: string[]
  tetragonEvents?: string[]
}

export interface TriageRequest {
  files: EvidenceFiles
  /** Only denials whose source or destination is in this namespace; undefined = all. */
  namespace?: string
  layers?: DenialLayer[]
  /** Keep records at or after this time (ISO); undefined = everything in the files. */
  since?: string
  specPaths: string[]
  policyPaths: string[]
  options: CompileOptions
  /** At most this many groups are diagnosed (most frequent first); the rest are listed. */
  maxDiagnosed?: number
}

export interface SourceCoverage {
  source: EvidenceSource
  state: 'read' | 'partial' | 'unavailable' | 'not-asked'
  files?: string[]
  /** Live: agents (ztunnel or Tetragon per node, waypoint pods, Relay) read / asked. */
  agents?: {read: number; asked: number}
  /** Records read (all verdicts), denials kept, replies skipped. */
  records: number
  denials: number
  skippedReplies?: number
  lostEvents?: number
  /** Time of the oldest and newest record read: the window actually covered. */
  from?: string
  to?: string
  reason?: string
}

export interface TriageVerdict {
  status: ResultStatus | 'NOT-DIAGNOSED'
  blockedAt: string | null
  explanation: string
  fix?: {summary: string; verified: boolean}
}

export interface TriageRow extends DenialGroup {
  verdict: TriageVerdict
}

export interface TriageReport {
  apiVersion: typeof TRIAGE_API_VERSION
  kind: 'Triage'
  namespace: string | null
  since: string | null
  sources: SourceCoverage[]
  denials: number
  groups: TriageRow[]
}

type Parsed = {records: AsyncIterable<unknown>; toDenial: (r: any) => Denial | undefined; isReply?: (r: any) => boolean; lost?: (r: any) => number}

async function parserFor(source: EvidenceSource, file: string): Promise<Parsed> {
  // Opened before streaming, so a missing or unreadable file fails here, with its name.
  const stream = (await open(file, 'r')).createReadStream()
  if (source === 'hubble') {
    const {parseHubbleJsonl, isLostEvents} = await import('../../layers/cilium/hubble/index.js')
    return {
      records: parseHubbleJsonl(stream),
      toDenial: (r) => (isLostEvents(r) ? undefined : denialFromFlow(r as FlowRecord)),
      isReply: (r) => !isLostEvents(r) && (r as FlowRecord).verdict === 'DROPPED' && (r as FlowRecord).isReply === true,
      lost: (r) => (isLostEvents(r) ? Number((r as {numEventsLost?: number}).numEventsLost ?? 0) : 0),
    }
  }
  if (source === 'ztunnel') {
    const {parseZtunnelLog} = await import('../../layers/istio/logs/index.js')
    // One connection, one denial: the destination's inbound access record. The source's
    // outbound echo and the policy-decision line logged for the same connection (it names
    // only the peer address) are not counted again.
    return {records: parseZtunnelLog(stream), toDenial: ztunnelDenial}
  }
  if (source === 'waypoint') {
    const {parseWaypointLog} = await import('../../layers/istio/logs/index.js')
    return {records: parseWaypointLog(stream), toDenial: (r: MeshAccessRecord) => denialFromMesh(r)}
  }
  const {parseTetragonStream} = await import('../../layers/tetragon/events/index.js')
  return {records: parseTetragonStream(stream, {types: ['kprobe']}), toDenial: (r: ProcessEventRecord) => denialFromEvent(r)}
}

/** One connection, one denial: the destination's inbound access record (see parserFor). */
export function ztunnelDenial(r: MeshAccessRecord): Denial | undefined {
  return r.direction === 'outbound' || !r.message?.startsWith('connection ') ? undefined : denialFromMesh(r)
}

const FILES_OF: Record<EvidenceSource, keyof EvidenceFiles> = {hubble: 'flows', ztunnel: 'ztunnelLogs', waypoint: 'waypointLogs', tetragon: 'tetragonEvents'}
const LAYER_OF: Record<EvidenceSource, DenialLayer> = {hubble: 'l4', ztunnel: 'l7', waypoint: 'l7', tetragon: 'runtime'}

export function inScope(d: Denial, req: Pick<TriageRequest, 'namespace' | 'layers' | 'since'>): boolean {
  if (req.layers && !req.layers.includes(d.layer)) return false
  if (req.since && d.time < req.since) return false
  if (req.namespace && d.source.namespace !== req.namespace && d.destination.namespace !== req.namespace) return false
  return true
}

/**
 * Pod IP → workload, learned from the records themselves (Hubble endpoints, ztunnel access
 * records): waypoint access logs name the caller only by address.
 */
export class AddressBook {
  private readonly byIp = new Map<string, Party>()
  learn(r: unknown): void {
    const f = r as Partial<FlowRecord>
    if (f.source && f.destination) {
      for (const ep of [f.source, f.destination]) if (ep.ip && ep.namespace) this.byIp.set(ep.ip, partyOfEndpoint(ep))
      return
    }
    const m = r as Partial<MeshAccessRecord>
    const ip = m.srcAddr?.replace(/:\d+$/, '')
    if (ip && m.srcWorkload && m.srcNamespace) this.byIp.set(ip, {kind: 'workload', namespace: m.srcNamespace, name: m.srcWorkload.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '')})
  }
  resolve(p: Party): Party {
    return p.kind === 'external' ? this.byIp.get(p.name) ?? p : p
  }
}

/** Streams every file of every source into the groups; a file that cannot be read makes its source unavailable. */
export async function readDenials(req: Pick<TriageRequest, 'files' | 'namespace' | 'layers' | 'since'>, groups = new DenialGroups()): Promise<{groups: DenialGroups; sources: SourceCoverage[]}> {
  const sources: SourceCoverage[] = []
  const book = new AddressBook()
  for (const source of ['hubble', 'ztunnel', 'waypoint', 'tetragon'] as EvidenceSource[]) {
    const files = req.files[FILES_OF[source]] ?? []
    if (files.length === 0 || (req.layers && !req.layers.includes(LAYER_OF[source]))) {
      sources.push({source, state: 'not-asked', records: 0, denials: 0})
      continue
    }
    const cov: SourceCoverage = {source, state: 'read', files, records: 0, denials: 0}
    try {
      for (const file of files) {
        const p = await parserFor(source, file)
        for await (const r of p.records) {
          cov.records++
          const time = (r as {time?: string}).time
          if (time) {
            if (!cov.from || time < cov.from) cov.from = time
            if (!cov.to || time > cov.to) cov.to = time
          }
          if (p.lost) {
            const n = p.lost(r)
            if (n > 0) cov.lostEvents = (cov.lostEvents ?? 0) + n
          }
          if (p.isReply?.(r)) {
            cov.skippedReplies = (cov.skippedReplies ?? 0) + 1
            continue
          }
          book.learn(r)
          const raw = p.toDenial(r)
          const d = raw && raw.layer === 'l7' ? {...raw, source: book.resolve(raw.source)} : raw
          if (!d || !inScope(d, req)) continue
          cov.denials++
          groups.add(d)
        }
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      sources.push({source, state: 'unavailable', files, records: cov.records, denials: cov.denials, reason: code === 'ENOENT' ? `${(err as {path?: string}).path ?? files.join(', ')}: no such file` : (err as Error).message})
      continue
    }
    sources.push(cov)
  }
  return {groups, sources}
}

/** `ns/name` of a group's party when it names a Lattice service or mesh member of the specs. */
export type Resolve = (namespace: string | undefined, name: string) => string | undefined

/** Diagnoses each group with the pair pipeline (or the external one), once per distinct question. */
export async function diagnoseGroups(list: DenialGroup[], req: TriageRequest, resolve: Resolve): Promise<TriageRow[]> {
  const {diagnoseOffline} = await import('../offline.js')
  const {diagnoseExternalOffline} = await import('../external.js')
  const cache = new Map<string, Promise<TriageVerdict>>()
  const limit = req.maxDiagnosed ?? 50
  const rows: TriageRow[] = []
  for (const [i, g] of list.entries()) {
    const not = (explanation: string): TriageVerdict => ({status: 'NOT-DIAGNOSED', blockedAt: null, explanation})
    if (i >= limit) {
      rows.push({...g, verdict: not(`not diagnosed: only the ${limit} most frequent groups are (--max-groups)`)})
      continue
    }
    if (g.layer === 'runtime') {
      rows.push({...g, verdict: runtimeVerdict(g, resolve)})
      continue
    }
    const source = resolve(g.source.namespace, g.source.name)
    if (!source) {
      rows.push({...g, verdict: not(`${partyText(g.source)} is not a Lattice service or mesh member in the specs`)})
      continue
    }
    const run = async (): Promise<TriageVerdict> => {
      if (g.destination.kind === 'external') {
        const {parseExternalTarget} = await import('../external-target.js')
        const d = await diagnoseExternalOffline({specPaths: req.specPaths, policyPaths: req.policyPaths, source, target: parseExternalTarget(`${g.destination.name}:${g.port ?? 443}${g.protocol === 'UDP' ? '/udp' : ''}`), options: req.options})
        return verdictOf(d)
      }
      const target = resolve(g.destination.namespace, g.destination.name)
      if (!target) return not(`${partyText(g.destination)} is not a Lattice service or mesh member in the specs`)
      // The wire port of an ambient pair (HBONE 15008) is no port of B: diagnose every port.
      const port = g.port !== undefined && g.port !== 15008 ? String(g.port) : undefined
      const d = await diagnoseOffline({specPaths: req.specPaths, policyPaths: req.policyPaths, source, target, ...(port ? {port} : {}), options: req.options})
      return verdictOf(d)
    }
    const key = `${source}|${g.destination.kind}|${partyText(g.destination)}|${g.port ?? ''}`
    if (!cache.has(key)) cache.set(key, run().catch((err) => (err instanceof InputError ? not(err.message) : Promise.reject(err))))
    rows.push({...g, verdict: await cache.get(key)!})
  }
  return rows
}

export function verdictOf(d: import('../model.js').Diagnosis): TriageVerdict {
  const v: TriageVerdict = {status: d.result.status, blockedAt: d.result.blockedAt, explanation: d.result.explanation}
  if (d.fix) v.fix = {summary: d.fix.summary, verified: d.fix.verified}
  return v
}

/** A SIGKILL: the binary is outside the workload's allowlist (or hit another runtime policy). */
export function runtimeVerdict(g: DenialGroup, resolve: Resolve): TriageVerdict {
  const binary = g.destination.name
  const who = partyText(g.source)
  const by = g.policies.length > 0 ? ` by ${g.policies.join(', ')}` : ''
  const key = resolve(g.source.namespace, g.source.name)
  const explanation = `Tetragon killed ${binary} in ${who}${by}.`
  if (!key) return {status: 'BLOCKED', blockedAt: 'runtime', explanation}
  return {
    status: 'BLOCKED',
    blockedAt: 'runtime',
    explanation,
    fix: {summary: `if ${g.source.name} must run ${binary}: add it to spec.workload.containers.<name>.security.allowedBinaries of ${key}, with a Cedar permit for OverrideSecurity allowedBinary:${binary}`, verified: false},
  }
}

export async function triageOffline(req: TriageRequest): Promise<TriageReport> {
  const {loadSpecs} = await import('../../spec/load.js')
  const specs = await loadSpecs(req.specPaths)
  const byKey = new Set([...specs.services, ...specs.meshMembers].map((s) => `${s.metadata.namespace}/${s.metadata.name}`))
  const resolve: Resolve = (ns, name) => (ns && byKey.has(`${ns}/${name}`) ? `${ns}/${name}` : undefined)
  const {groups, sources} = await readDenials(req)
  const rows = await diagnoseGroups(groups.list(), req, resolve)
  return {apiVersion: TRIAGE_API_VERSION, kind: 'Triage', namespace: req.namespace ?? null, since: req.since ?? null, sources, denials: groups.denials, groups: rows}
}
