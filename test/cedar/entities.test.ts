import {describe, expect, it} from 'vitest'
import {externalEndpointEntity, isDigestPinned, parseImageRef, uidText} from '../../src/layers/cedar/entities.js'

describe('ImageRef parsing (§3.2)', () => {
  it.each([
    ['ghcr.io/acme/app:v1', {registry: 'ghcr.io/acme', name: 'app', tag: 'v1'}],
    ['nginx', {registry: 'docker.io/library', name: 'nginx', tag: 'latest'}],
    ['nginx:1.27', {registry: 'docker.io/library', name: 'nginx', tag: '1.27'}],
    ['acme/app:2', {registry: 'docker.io', name: 'acme/app', tag: '2'}],
    ['localhost:5000/app', {registry: 'localhost:5000', name: 'app', tag: 'latest'}],
    ['localhost:5000/team/app:3', {registry: 'localhost:5000/team', name: 'app', tag: '3'}],
    ['registry.example.com/commerce/payments@sha256:4f1c', {registry: 'registry.example.com/commerce', name: 'payments', tag: 'sha256:4f1c'}],
    ['r.io/app:1.0@sha256:ab', {registry: 'r.io', name: 'app:1.0', tag: 'sha256:ab'}],
  ])('%s', (image, expected) => {
    expect(parseImageRef(image)).toEqual(expected)
  })

  it('digest pinning means @sha256:', () => {
    expect(isDigestPinned('r.io/a@sha256:00')).toBe(true)
    expect(isDigestPinned('r.io/a:sha256')).toBe(false)
  })
})

describe('entity ids', () => {
  it('port is a String attribute and the uid escapes like Cedar', () => {
    expect(externalEndpointEntity('api.stripe.com', 443, 'https')).toEqual({
      type: 'Lattice::ExternalEndpoint',
      id: 'api.stripe.com:443',
      attrs: {host: 'api.stripe.com', port: '443', protocol: 'https'},
    })
    expect(uidText('Lattice::SecurityOverride', 'allowedBinary:/usr/bin/"x"')).toBe('Lattice::SecurityOverride::"allowedBinary:/usr/bin/\\"x\\""')
  })
})
