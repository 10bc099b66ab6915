// Which specs a question about a few members needs in the service graph: the members
// themselves, every service they name and every service that names them (so all their
// edges and §4.7 findings are exact), and every LatticeMeshMember (dependsAll and the
// implicit callers of §4.6 reach across the fleet). Edges among the other specs cannot
// change these members' policies, so a 5,000-service fleet need not be matched for one pair.

import {targetOf} from '../spec/security.js'
import {keyOf, type SpecSet} from '../spec/model.js'
import {hasIngressRoutes, ingressGatewayKey} from '../graph/gateways.js'

export function neighborhood(specs: SpecSet, core: Set<string>): Set<string> {
  const out = new Set(core)
  for (const m of specs.meshMembers) out.add(keyOf(m))
  for (const svc of specs.services) {
    const key = keyOf(svc)
    // The namespace ingress gateway (§10.15) exists through, and calls, the services with routes.
    if (core.has(ingressGatewayKey(svc.metadata.namespace)) && hasIngressRoutes(svc)) out.add(key)
    const inCore = core.has(key)
    for (const [name, r] of Object.entries(svc.spec.workload.resources)) {
      if (r.type !== 'service') continue
      const t = targetOf(svc.metadata.namespace, name, r)
      const target = `${t.namespace}/${t.name}`
      if (inCore) out.add(target)
      else if (core.has(target)) out.add(key)
    }
  }
  return out
}

/**
 * The names whose spec documents the neighbourhood of `core` needs beyond the documents
 * that name a core member (those spell the member's name already): the services core
 * members name, the volumes they mount (Cedar looks up the owner's consent), and the
 * services naming a core member (so a second definition of any of them is still reported
 * as a duplicate), and every LatticeMeshMember (the neighbourhood holds their keys, so a
 * LatticeService of the same name is in the graph too). Used to pick which documents to
 * parse (src/spec/staged.ts).
 */
export function neighbourhoodNames(specs: SpecSet, core: Set<string>): Set<string> {
  const out = new Set<string>(specs.meshMembers.map((m) => m.metadata.name))
  for (const svc of specs.services) {
    const inCore = core.has(keyOf(svc))
    for (const [name, r] of Object.entries(svc.spec.workload.resources)) {
      if (inCore && r.type === 'volume' && r.id !== undefined) out.add(r.id)
      if (r.type !== 'service') continue
      const t = targetOf(svc.metadata.namespace, name, r)
      if (inCore) out.add(t.name)
      else if (core.has(`${t.namespace}/${t.name}`)) out.add(svc.metadata.name)
    }
  }
  return out
}
