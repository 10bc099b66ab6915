// Shared-volume owner consent (LATTICE-SPEC §3.3 AccessVolume, first layer). The owner is
// the service in the volume's namespace declaring a `volume` resource with the same `id`
// and a `size`; it must list the consumer in `params.allowedConsumers` as `<svc>` (same
// namespace) or `<ns>/<svc>`.

import type {LatticeService, ResourceSpec} from '../../spec/model.js'

export interface VolumeReference {
  resourceKey: string
  volumeId: string
  namespace: string
}

/** `type: volume` with an `id` and no `size`: a reference to someone else's volume. */
export function volumeReferences(svc: LatticeService): VolumeReference[] {
  const out: VolumeReference[] = []
  for (const [key, r] of Object.entries(svc.spec.workload.resources)) {
    if (r.type === 'volume' && r.id && !hasSize(r)) out.push({resourceKey: key, volumeId: r.id, namespace: r.namespace ?? svc.metadata.namespace})
  }
  return out
}

const hasSize = (r: ResourceSpec) => r.params?.size !== undefined && r.params?.size !== null

export function findVolumeOwner(ref: VolumeReference, services: LatticeService[]): LatticeService | undefined {
  return services.find(
    (s) =>
      s.metadata.namespace === ref.namespace &&
      Object.values(s.spec.workload.resources).some((r) => r.type === 'volume' && r.id === ref.volumeId && hasSize(r)),
  )
}

/** The consent failure text, or undefined when the owner lists the consumer. */
export function consentFailure(consumer: LatticeService, ref: VolumeReference, services: LatticeService[]): string | undefined {
  const owner = findVolumeOwner(ref, services)
  if (!owner) return `no owner found for volume '${ref.volumeId}' in namespace '${ref.namespace}'`
  const resource = Object.values(owner.spec.workload.resources).find((r) => r.type === 'volume' && r.id === ref.volumeId && hasSize(r))!
  const raw = resource.params?.allowedConsumers
  const consumers = Array.isArray(raw) ? raw.map(String) : []
  const {namespace, name} = consumer.metadata
  const listed = consumers.some((c) => c === `${namespace}/${name}` || (c === name && namespace === owner.metadata.namespace))
  if (listed) return undefined
  return `not in allowedConsumers of volume '${ref.volumeId}' owned by '${owner.metadata.namespace}/${owner.metadata.name}'`
}
