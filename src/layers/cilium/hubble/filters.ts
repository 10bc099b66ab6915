// Server-side Hubble flow filters for "flows between A and B". Hubble ANDs the fields of one
// FlowFilter and ORs the filters of a whitelist, so a pair in both directions is two filters:
// {source=A, destination=B} and {source=B, destination=A}. Filtering on the server keeps
// Relay from streaming the whole cluster's buffer to the CLI.

export interface FlowQuery {
  /** Start of the window (GetFlowsRequest.since). */
  since: Date
  until?: Date
  /** Keep streaming new flows until the signal aborts (no deadline then). */
  follow?: boolean
  /** Maximum number of flows (GetFlowsRequest.number); 0/undefined = no limit. */
  limit?: number
  /** `namespace/pod-name` (Hubble matches it as a prefix, so `ns/deploy-` works). */
  sourcePod?: string[]
  destinationPod?: string[]
  /** Cilium label selectors, e.g. `k8s:app=checkout`. */
  sourceLabel?: string[]
  destinationLabel?: string[]
  /** Restrict a side given only by labels to these namespaces (both sides). */
  namespaces?: string[]
  sourceNamespaces?: string[]
  destinationNamespaces?: string[]
  /** Verdict names, e.g. ['DROPPED']. */
  verdicts?: string[]
  /** Also match B → A (replies and B-initiated traffic). */
  bothDirections?: boolean
  /** Explicit server-side filters (e.g. hopWhitelist); replaces the fields above. */
  whitelist?: FlowFilterMessage[]
}

/** FlowFilter as proto-loader expects it (camelCase field names, enum names as strings). */
export interface FlowFilterMessage {
  sourceIp?: string[]
  destinationIp?: string[]
  destinationPort?: string[]
  sourcePort?: string[]
  sourcePod?: string[]
  destinationPod?: string[]
  sourceLabel?: string[]
  destinationLabel?: string[]
  verdict?: string[]
}

interface Side {
  pods?: string[]
  labels?: string[]
  namespaces?: string[]
}

function nonEmpty(list: string[] | undefined): string[] | undefined {
  const kept = list?.filter((s) => s.length > 0)
  return kept && kept.length > 0 ? kept : undefined
}

function applySide(filter: FlowFilterMessage, which: 'source' | 'destination', side: Side): void {
  const pods = nonEmpty(side.pods)
  const labels = nonEmpty(side.labels)
  const namespaces = nonEmpty(side.namespaces)
  // A namespace is expressed as the pod prefix "ns/" (what `hubble observe -n` sends).
  const podField = pods ?? namespaces?.map((ns) => (ns.endsWith('/') ? ns : `${ns}/`))
  if (which === 'source') {
    if (podField) filter.sourcePod = podField
    if (labels) filter.sourceLabel = labels
  } else {
    if (podField) filter.destinationPod = podField
    if (labels) filter.destinationLabel = labels
  }
}

function filterFor(src: Side, dst: Side, verdicts: string[] | undefined): FlowFilterMessage {
  const f: FlowFilterMessage = {}
  applySide(f, 'source', src)
  applySide(f, 'destination', dst)
  if (verdicts) f.verdict = verdicts
  return f
}

/** The whitelist for a query: A→B, plus B→A when bothDirections. Empty filters are dropped. */
export function buildFlowWhitelist(q: FlowQuery): FlowFilterMessage[] {
  if (q.whitelist) return q.whitelist
  const a: Side = {pods: q.sourcePod, labels: q.sourceLabel, namespaces: q.sourceNamespaces ?? q.namespaces}
  const b: Side = {pods: q.destinationPod, labels: q.destinationLabel, namespaces: q.destinationNamespaces ?? q.namespaces}
  const verdicts = nonEmpty(q.verdicts?.map((v) => v.toUpperCase()))
  const filters = [filterFor(a, b, verdicts)]
  if (q.bothDirections) filters.push(filterFor(b, a, verdicts))
  return filters.filter((f) => Object.keys(f).length > 0)
}
