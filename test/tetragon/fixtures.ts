// LatticeService values built directly (the YAML normalizer is tested elsewhere).
import type {ContainerSpec, LatticeService, SidecarSpec} from '../../src/spec/model.js'

export function container(partial: Partial<ContainerSpec> = {}): ContainerSpec {
  return {image: 'registry.example.com/app:1', variables: {}, files: {}, volumes: {}, security: {}, ...partial}
}

export function service(
  ns: string,
  name: string,
  containers: Record<string, ContainerSpec>,
  extra: {sidecars?: Record<string, SidecarSpec>; backup?: {hooks?: Record<string, unknown>}} = {},
): LatticeService {
  const metadata = {name, namespace: ns}
  return {
    kind: 'LatticeService',
    metadata,
    spec: {
      replicas: 1,
      workload: {containers, resources: {}},
      sidecars: extra.sidecars ?? {},
      sysctls: {},
      imagePullSecrets: [],
      backup: extra.backup,
    },
    origin: {file: 'test', index: 0},
    raw: {apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService', metadata},
  }
}

/** checkout of LATTICE-SPEC §1.1. */
export function checkout(): LatticeService {
  return service('commerce', 'checkout', {
    main: container({
      command: ['/srv/checkout'],
      args: ['--listen', ':8080'],
      security: {runAsUser: 10001, allowedBinaries: ['/usr/bin/curl']},
      readinessProbe: {httpGet: {path: '/ready', port: 8080}},
      livenessProbe: {exec: {command: ['/bin/sh', '-c', 'test -e /tmp/alive']}},
    }),
  })
}

/** payments of LATTICE-SPEC §1.1. */
export function payments(): LatticeService {
  return service('commerce', 'payments', {main: container({command: ['/usr/local/bin/payments']})})
}
