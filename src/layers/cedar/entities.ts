// Cedar entities of the `Lattice` namespace and their identifier formats (LATTICE-SPEC
// §3.2). Each request carries exactly the principal and the resource, with exactly these
// attributes (all Strings) and no parents: services have no entity hierarchy.

export interface CedarEntity {
  type: string
  id: string
  attrs: Record<string, string>
}

export const ACTION_TYPE = 'Lattice::Action'

/** `Lattice::SecretPath::"vault-prod:commerce/payments/stripe"` (Cedar's own uid syntax). */
export function uidText(type: string, id: string): string {
  return `${type}::${JSON.stringify(id)}`
}

export function entityUidText(e: CedarEntity): string {
  return uidText(e.type, e.id)
}

export function actionUidText(action: string): string {
  return uidText(ACTION_TYPE, action)
}

/** Principal for every workload gate: `Lattice::Service::"<ns>/<name>"`. */
export function serviceEntity(namespace: string, name: string): CedarEntity {
  return {type: 'Lattice::Service', id: `${namespace}/${name}`, attrs: {namespace, name, kind: 'service'}}
}

/** Principal from a graph node key (`ns/name`); the name may itself contain no `/`. */
export function serviceEntityFromKey(key: string): CedarEntity {
  const slash = key.indexOf('/')
  return slash === -1 ? serviceEntity('default', key) : serviceEntity(key.slice(0, slash), key.slice(slash + 1))
}

export function secretPathEntity(provider: string, remoteKey: string): CedarEntity {
  return {type: 'Lattice::SecretPath', id: `${provider}:${remoteKey}`, attrs: {path: remoteKey, provider}}
}

export function securityOverrideEntity(overrideId: string, category: string): CedarEntity {
  return {type: 'Lattice::SecurityOverride', id: overrideId, attrs: {category, override_id: overrideId}}
}

/** `port` is a String on purpose: policies compare `resource.port == "443"`. */
export function externalEndpointEntity(host: string, port: number, protocol: string): CedarEntity {
  return {type: 'Lattice::ExternalEndpoint', id: `${host}:${port}`, attrs: {host, port: String(port), protocol}}
}

export function volumeEntity(namespace: string, volumeId: string): CedarEntity {
  return {type: 'Lattice::Volume', id: `${namespace}/${volumeId}`, attrs: {namespace, volume_id: volumeId}}
}

export function meshEntity(direction: 'inbound' | 'outbound' | 'advertise'): CedarEntity {
  return {type: 'Lattice::Mesh', id: direction, attrs: {}}
}

export function imageEntity(image: string): CedarEntity {
  return {type: 'Lattice::ImageRef', id: image, attrs: {...parseImageRef(image)}}
}

export interface ImageRefParts {
  registry: string
  name: string
  tag: string
}

/**
 * §3.2 image parsing: the tag starts at the last `@` (digest) or at the last `:` not
 * followed by a `/` (a registry port is followed by one); no tag ⇒ `latest`. A single
 * path segment is a Docker Hub library image; a first segment containing `.` or `:` is a
 * registry host and the registry is everything up to the last `/`; otherwise the
 * registry is `docker.io` and the name keeps its path (`acme/app`).
 */
export function parseImageRef(image: string): ImageRefParts {
  let repo = image
  let tag = 'latest'
  const at = image.lastIndexOf('@')
  if (at !== -1) {
    repo = image.slice(0, at)
    tag = image.slice(at + 1)
  } else {
    const colon = image.lastIndexOf(':')
    if (colon !== -1 && !image.slice(colon + 1).includes('/')) {
      repo = image.slice(0, colon)
      tag = image.slice(colon + 1)
    }
  }
  const slash = repo.indexOf('/')
  if (slash === -1) return {registry: 'docker.io/library', name: repo, tag}
  const first = repo.slice(0, slash)
  if (first.includes('.') || first.includes(':')) {
    const last = repo.lastIndexOf('/')
    return {registry: repo.slice(0, last), name: repo.slice(last + 1), tag}
  }
  return {registry: 'docker.io', name: repo, tag}
}

export function isDigestPinned(image: string): boolean {
  return image.includes('@sha256:')
}

export function toEntityJson(e: CedarEntity) {
  return {uid: {type: e.type, id: e.id}, attrs: e.attrs, parents: []}
}
