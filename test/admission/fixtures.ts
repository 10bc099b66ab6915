// A valid LatticeService (the seed 001 callee, with one resource of every type) that tests
// mutate to break exactly one rule.
import {normalizeService} from '../../src/spec/normalize.js'
import type {LatticeService} from '../../src/spec/model.js'

export function validRaw(): any {
  return {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeService',
    metadata: {name: 'payments', namespace: 'commerce'},
    spec: {
      replicas: 3,
      workload: {
        containers: {
          main: {
            image: 'registry.example.com/commerce/payments:1.2.3',
            command: ['/usr/local/bin/payments'],
            resources: {requests: {cpu: '100m', memory: '128Mi'}, limits: {cpu: 1, memory: '512Mi'}},
            files: {'/etc/payments/config.yaml': {content: 'a: 1', mode: '0644'}},
            security: {runAsUser: 10001},
          },
        },
        service: {ports: {http: {port: 8080}}},
        resources: {
          checkout: {type: 'service', direction: 'inbound'},
          stripe: {type: 'external-service', direction: 'outbound', params: {endpoints: {api: 'https://api.stripe.com'}}},
          'stripe-key': {type: 'secret', id: 'commerce/payments/stripe', params: {provider: 'vault-prod', keys: ['token'], refreshInterval: '1h30m', secretType: 'Opaque'}},
          data: {type: 'volume', id: 'payments-data', params: {size: '1Gi'}},
          accel: {type: 'gpu', params: {count: 1, memory: '20Gi', compute: 50}},
          db: {type: 'postgres', params: {version: '16'}},
        },
      },
    },
  }
}

export function svcOf(raw: unknown, file = 'payments.yaml'): LatticeService {
  return normalizeService(raw, {file, index: 0})
}

/** The raw spec after `mutate`, as a normalized service. */
export function mutated(mutate: (raw: any) => void, file?: string): LatticeService {
  const raw = validRaw()
  mutate(raw)
  return svcOf(raw, file)
}

export const C = ['spec', 'workload', 'containers', 'main'].join('.')
export const R = 'spec.workload.resources'
export const P = 'spec.workload.service.ports'
