// One rule of an ingress/egress (or *Deny) section against one flow: its peer fields and its
// L4 part together, as pkg/policy/rule.go mergeIngress/mergeEgress combine them:
// - peers listed, no toPorts/icmps (absent or `[]`): every port ("L3-only rule");
// - no peer field, toPorts listed: any peer on those ports (wildcard selector);
// - no peer field, no toPorts, no icmps (`{}`): nothing — the deny-all pattern, which only
//   puts the direction into default-deny (LATTICE-SPEC §10.10);
// - icmps without toPorts: ICMP only, never a TCP/UDP/SCTP flow.

import {peerMatches, peerSelection, type PeerContext} from './peer-match.js'
import type {L4Peer} from './peer.js'
import {hasToPorts, toPortsMatch, type L4Flow} from './ports.js'
import {both, type Tri} from './tri.js'

export interface RuleOutcome {
  matched: Tri
  /** Matched without checking the peer's identity. */
  broad: boolean
}

/**
 * The mutual authentication an allow rule asks for (`authentication.mode`, formerly
 * `auth.type`): `required` needs a SPIFFE handshake between the two identities before any
 * packet passes; `test-always-fail` never completes (cilium-cli echo_ingress_auth_always_fail.go
 * expects ResultDropAuthRequired). Cilium merges a rule's auth into every policy entry for
 * the same traffic, so another rule without it does not lift it (pkg/policy mapstate).
 */
export function authOf(rule: Record<string, any>): 'required' | 'always-fail' | undefined {
  const mode = String(rule.authentication?.mode ?? rule.auth?.type ?? '').toLowerCase()
  if (mode === '' || mode === 'disabled') return undefined
  return mode === 'test-always-fail' || mode === 'always-fail' ? 'always-fail' : 'required'
}

/** `deny`: a deny section's rule, whose toPorts carry no L7 part (PortDenyRule). */
export function ruleMatches(rule: Record<string, any>, dir: 'from' | 'to', peer: L4Peer, flow: L4Flow, ctx: PeerContext, deny = false): RuleOutcome {
  const selection = peerSelection(rule, dir)
  if (selection.kind === 'none') return {matched: 'no', broad: false}
  const ports = hasToPorts(rule.toPorts)
  const icmp = Array.isArray(rule.icmps) && rule.icmps.length > 0
  if (selection.kind === 'wildcard') {
    if (!ports) return {matched: 'no', broad: false}
    return {matched: toPortsMatch(rule.toPorts, flow, ctx.notes, ctx.where, !deny), broad: true}
  }
  const peerMatch = peerMatches(rule, dir, peer, ctx, selection.fields)
  if (peerMatch.matched === 'no') return {matched: 'no', broad: false}
  const portMatch: Tri = ports ? toPortsMatch(rule.toPorts, flow, ctx.notes, ctx.where, !deny) : icmp ? 'no' : 'yes'
  return {matched: both(peerMatch.matched, portMatch), broad: peerMatch.broad}
}

/** Why a rule can never match, for the L4 line (`ingress: [{}] allows nothing`), or undefined. */
export function inertReason(rule: Record<string, any>, dir: 'from' | 'to', section: string): string | undefined {
  const selection = peerSelection(rule, dir)
  if (selection.kind === 'none') return `${section} rule with ${selection.field}: [] selects nothing`
  const icmp = Array.isArray(rule.icmps) && rule.icmps.length > 0
  const verb = section.endsWith('Deny') ? 'denies' : 'allows'
  if (selection.kind === 'wildcard' && !hasToPorts(rule.toPorts) && !icmp) {
    return Object.keys(rule).length === 0 ? `${section}: [{}] ${verb} nothing` : `${section} rule without peer or ports ${verb} nothing`
  }
  return undefined
}
