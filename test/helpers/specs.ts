// Writing spec fixtures to temporary directories, and the seed 001 pair (LATTICE-SPEC §1.1)
// with the §3.6 Cedar policies as a base that scenarios modify.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'

export function writeSpecs(docs: unknown[], name = 'specs.yaml'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'platform-test-'))
  writeFileSync(path.join(dir, name), docs.map((d) => (typeof d === 'string' ? d : stringify(d))).join('---\n'))
  return dir
}

type Res = Record<string, Record<string, unknown>>

export function service(ns: string, name: string, resources: Res = {}, extra: {ports?: Record<string, unknown> | null; container?: Record<string, unknown>; spec?: Record<string, unknown>} = {}) {
  const ports = extra.ports === null ? undefined : (extra.ports ?? {http: {port: 8080}})
  return {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeService',
    metadata: {name, namespace: ns},
    spec: {
      workload: {
        containers: {
          main: {
            image: `registry.example.com/${ns}/${name}:1.0.0`,
            command: [`/usr/local/bin/${name}`],
            resources: {limits: {cpu: '500m', memory: '256Mi'}},
            ...(extra.container ?? {}),
          },
        },
        ...(ports ? {service: {ports}} : {}),
        resources,
      },
      ...(extra.spec ?? {}),
    },
  }
}

export function cedar(name: string, policies: string) {
  return {apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy', metadata: {name, namespace: 'lattice-system'}, spec: {policies}}
}

export const out = (extra: Record<string, unknown> = {}) => ({type: 'service', direction: 'outbound', ...extra})
export const inb = (extra: Record<string, unknown> = {}) => ({type: 'service', direction: 'inbound', ...extra})
export const both = (extra: Record<string, unknown> = {}) => ({type: 'service', direction: 'both', ...extra})

/** The seed 001 pair: checkout → payments, payments holds a Vault secret and calls Stripe. */
export function seedPair(opts: {checkout?: Res; payments?: Res; checkoutContainer?: Record<string, unknown>} = {}) {
  const checkout = service('commerce', 'checkout', opts.checkout ?? {payments: out()}, {
    container: {command: ['/srv/checkout'], security: {runAsUser: 10001, allowedBinaries: ['/usr/bin/curl']}, livenessProbe: {exec: {command: ['/bin/sh', '-c', 'test -e /tmp/alive']}}, ...(opts.checkoutContainer ?? {})},
  })
  const payments = service('commerce', 'payments', opts.payments ?? {
    checkout: inb(),
    stripe: {type: 'external-service', direction: 'outbound', params: {endpoints: {api: 'https://api.stripe.com'}}},
    'stripe-key': {type: 'secret', id: 'commerce/payments/stripe', params: {provider: 'vault-prod', keys: ['token']}},
  })
  return [checkout, payments]
}

export const SEED_POLICIES = cedar('commerce-payments', `
permit (
  principal == Lattice::Service::"commerce/payments",
  action == Lattice::Action::"AccessSecret",
  resource == Lattice::SecretPath::"vault-prod:commerce/payments/stripe"
);
permit (principal, action == Lattice::Action::"AccessExternalEndpoint", resource)
  when { principal.namespace == "commerce" && resource.host like "*.stripe.com" };
permit (
  principal == Lattice::Service::"commerce/checkout",
  action == Lattice::Action::"OverrideSecurity",
  resource == Lattice::SecurityOverride::"allowedBinary:/usr/bin/curl"
);
forbid (principal, action == Lattice::Action::"OverrideSecurity", resource)
  when { resource.override_id == "privileged" && principal.namespace == "commerce" };
`)
