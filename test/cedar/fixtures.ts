// LatticeService / CedarPolicy values built directly in the normalized model shape
// (src/spec/model.ts), so these tests do not depend on the YAML normalizer.
import type {CedarPolicyObject, ContainerSpec, LatticeService, LatticeServiceSpec, ResourceSpec} from '../../src/spec/model.js'
import type {CedarPolicySet} from '../../src/layers/cedar/index.js'
import {type CedarEntity, toEntityJson} from '../../src/layers/cedar/entities.js'
import type {CedarWasm} from '../../src/layers/cedar/wasm.js'

export function container(partial: Partial<ContainerSpec> = {}): ContainerSpec {
  return {image: 'registry.example.com/app:1.0', command: ['/app'], variables: {}, files: {}, volumes: {}, security: {}, ...partial}
}

export function resource(partial: Partial<ResourceSpec> & {type: string}): ResourceSpec {
  return {direction: 'outbound', directionSet: true, ...partial}
}

export interface ServiceInput {
  ns?: string
  name: string
  containers?: Record<string, ContainerSpec>
  resources?: Record<string, ResourceSpec>
  spec?: Partial<LatticeServiceSpec>
}

export function service(input: ServiceInput): LatticeService {
  const ns = input.ns ?? 'commerce'
  return {
    kind: 'LatticeService',
    metadata: {name: input.name, namespace: ns},
    spec: {
      replicas: 1,
      workload: {containers: input.containers ?? {main: container()}, resources: input.resources ?? {}},
      sidecars: {},
      sysctls: {},
      imagePullSecrets: [],
      ...input.spec,
    },
    origin: {file: 'test', index: 0},
    raw: {apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService', metadata: {name: input.name, namespace: ns}},
  }
}

export function policyObject(
  name: string,
  policies: string,
  opts: {priority?: number; enabled?: boolean; namespace?: string; inherited?: boolean} = {},
): CedarPolicyObject {
  const namespace = opts.namespace ?? 'lattice-system'
  const labels = opts.inherited ? {'lattice.dev/inherited': 'true'} : undefined
  return {
    kind: 'CedarPolicy',
    metadata: {name, namespace, ...(labels ? {labels} : {})},
    spec: {priority: opts.priority ?? 0, enabled: opts.enabled ?? true, propagate: true, policies},
    origin: {file: 'test', index: 0},
    raw: {apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy', metadata: {name, namespace}},
  }
}

/** §1.1: the seed 001 pair. */
export const checkout = service({
  name: 'checkout',
  containers: {
    main: container({
      image: 'registry.example.com/commerce/checkout:2.7.1',
      command: ['/srv/checkout'],
      security: {runAsUser: 10001, allowedBinaries: ['/usr/bin/curl']},
      livenessProbe: {exec: {command: ['/bin/sh', '-c', 'test -e /tmp/alive']}},
    }),
  },
  resources: {payments: resource({type: 'service', direction: 'outbound'})},
})

export const payments = service({
  name: 'payments',
  containers: {
    main: container({
      image: 'registry.example.com/commerce/payments@sha256:4f1c0a9e2b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a',
      command: ['/usr/local/bin/payments'],
      variables: {STRIPE_TOKEN: '${secret.stripe-key.token}'},
    }),
  },
  resources: {
    checkout: resource({type: 'service', direction: 'inbound'}),
    stripe: resource({type: 'external-service', direction: 'outbound', params: {endpoints: {api: 'https://api.stripe.com'}}}),
    'stripe-key': resource({type: 'secret', id: 'commerce/payments/stripe', params: {provider: 'vault-prod', keys: ['token']}}),
  },
})

/** §3.6: the commerce-payments CedarPolicy. */
export const COMMERCE_PAYMENTS_POLICIES = `
permit (
  principal == Lattice::Service::"commerce/payments",
  action == Lattice::Action::"AccessSecret",
  resource == Lattice::SecretPath::"vault-prod:commerce/payments/stripe"
);
permit (
  principal,
  action == Lattice::Action::"AccessExternalEndpoint",
  resource
) when { principal.namespace == "commerce" && resource.host like "*.stripe.com" };
permit (
  principal == Lattice::Service::"commerce/checkout",
  action == Lattice::Action::"OverrideSecurity",
  resource == Lattice::SecurityOverride::"allowedBinary:/usr/bin/curl"
);
forbid (
  principal,
  action == Lattice::Action::"OverrideSecurity",
  resource
) when { resource.override_id == "privileged" && principal.namespace == "commerce" };
`

export const permitAll = (action: string) => `permit(principal, action == Lattice::Action::"${action}", resource);`

/**
 * One plain cedar-wasm `isAuthorized` call against the whole set with full entities: the
 * reference the engine's answers (buckets, guards, pruned entities) must equal.
 */
export function plainIsAuthorized(cedar: CedarWasm, set: CedarPolicySet, action: string, principal: CedarEntity, resource: CedarEntity) {
  const plain = cedar.isAuthorized({
    principal: {type: principal.type, id: principal.id},
    action: {type: 'Lattice::Action', id: action},
    resource: {type: resource.type, id: resource.id},
    context: {},
    entities: [toEntityJson(principal), toEntityJson(resource)],
    policies: {staticPolicies: Object.fromEntries(set.policies.map((p) => [p.id, p.text]))},
  })
  if (plain.type !== 'success') throw new Error(JSON.stringify(plain.errors))
  return plain.response
}
