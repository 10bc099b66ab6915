// The Cedar requests one LatticeService produces (LATTICE-SPEC §3.3 table), in upstream
// gate order. Volumes are not here: their owner-consent step is not a Cedar question
// (see volumes.ts and service.ts).

import type {LatticeService} from '../../spec/model.js'
import {parseEndpoint, parseEntityId} from '../../spec/endpoints.js'
import {allContainers} from '../../spec/security.js'
import type {GateName} from './gates.js'
import {securityOverrides} from './overrides.js'
import {
  type CedarEntity,
  externalEndpointEntity,
  imageEntity,
  isDigestPinned,
  meshEntity,
  secretPathEntity,
  securityOverrideEntity,
} from './entities.js'

export interface GateRequest {
  gate: GateName
  resource: CedarEntity
  /** Resource key (secrets, endpoints), override id, mesh direction or image. */
  item: string
  container?: string
  /** False for checks the cluster does not enforce (image gates, entity egress). */
  enforced: boolean
  /** §3.7 message fragment before `: <reason>`, e.g. `'stripe' (api.stripe.com:443)`. */
  subject: string
  /** Entity egress (§8 D19): evaluated, but a denial is only a warning. */
  entityEgress?: boolean
}

const outbound = (direction: string) => direction === 'outbound' || direction === 'both'
const inbound = (direction: string) => direction === 'inbound' || direction === 'both'

export function secretRequests(svc: LatticeService): GateRequest[] {
  const out: GateRequest[] = []
  for (const [key, r] of Object.entries(svc.spec.workload.resources)) {
    if (r.type !== 'secret') continue
    const provider = typeof r.params?.provider === 'string' ? r.params.provider : ''
    out.push({gate: 'AccessSecret', resource: secretPathEntity(provider, r.id ?? key), item: key, enforced: true, subject: `'${key}'`})
  }
  return out
}

export function overrideRequests(svc: LatticeService): GateRequest[] {
  return securityOverrides(svc).map((o) => ({
    gate: 'OverrideSecurity' as const,
    resource: securityOverrideEntity(o.id, o.category),
    item: o.id,
    ...(o.container !== undefined ? {container: o.container} : {}),
    enforced: true,
    subject: o.container !== undefined ? `'${o.id}' (container '${o.container}')` : `'${o.id}'`,
  }))
}

export function endpointRequests(svc: LatticeService): GateRequest[] {
  const out: GateRequest[] = []
  for (const [key, r] of Object.entries(svc.spec.workload.resources)) {
    if (r.type !== 'external-service' || !outbound(r.direction)) continue
    const seen = new Set<string>()
    const endpoints = r.params?.endpoints
    if (endpoints && typeof endpoints === 'object') {
      for (const url of Object.values(endpoints as Record<string, unknown>)) {
        // Unparsable URLs are admission's finding (A10); Cedar never sees them upstream.
        const ep = typeof url === 'string' ? parseEndpoint(url) : undefined
        if (!ep) continue
        const resource = externalEndpointEntity(ep.host, ep.port, ep.protocol)
        if (seen.has(resource.id)) continue
        seen.add(resource.id)
        out.push({gate: 'AccessExternalEndpoint', resource, item: key, enforced: true, subject: `'${key}' (${resource.id})`})
      }
    }
    const entity = parseEntityId(r.id)
    if (entity) {
      const resource = externalEndpointEntity(`entity:${entity.entity}`, entity.port, 'tcp')
      out.push({gate: 'AccessExternalEndpoint', resource, item: key, enforced: false, entityEgress: true, subject: `'${key}' (${resource.id})`})
    }
  }
  return out
}

export function imageRequests(svc: LatticeService): GateRequest[] {
  const out: GateRequest[] = []
  for (const {name, spec} of allContainers(svc)) {
    // "." is filled in at render time: there is no image to judge yet.
    if (!spec.image || spec.image === '.') continue
    const resource = imageEntity(spec.image)
    const base = {resource, item: spec.image, container: name, enforced: false, subject: `'${spec.image}' (container '${name}')`}
    out.push({gate: 'DeployImage', ...base})
    if (!isDigestPinned(spec.image)) out.push({gate: 'AllowTagReference', ...base})
  }
  return out
}

/** `id: "*"` inbound (→ Mesh::"inbound") and an open `advertise` (→ Mesh::"advertise"). */
export function wildcardRequests(svc: LatticeService): GateRequest[] {
  const out: GateRequest[] = []
  const resources = Object.values(svc.spec.workload.resources)
  if (resources.some((r) => r.type === 'service' && inbound(r.direction) && r.id === '*')) {
    out.push({gate: 'AllowWildcard', resource: meshEntity('inbound'), item: 'inbound', enforced: true, subject: 'inbound'})
  }
  if (svc.spec.advertise?.allowedServices?.includes('*')) {
    out.push({gate: 'AllowWildcard', resource: meshEntity('advertise'), item: 'advertise', enforced: true, subject: 'advertise'})
  }
  return out
}
