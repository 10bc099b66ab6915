// Semantic rules on spec.workload.service and scaling: A13 (port names), A23–A25, A28–A30.

import {isRecord, type Json} from '../../spec/coerce.js'
import {DNS_LABEL_HINT, isDnsLabel} from './grammar.js'
import type {IssueSink} from './issues.js'

const EXTERNAL_SERVICE_TYPES = ['NodePort', 'LoadBalancer']

export function serviceRules(spec: Json, sink: IssueSink): void {
  const workload = isRecord(spec.workload) ? spec.workload : {}
  const service = isRecord(workload.service) ? workload.service : undefined
  if (service) {
    portRules(service, sink)
    exposureRules(spec, service, sink)
  }
  replicaRules(spec, sink)
}

function portRules(service: Json, sink: IssueSink): void {
  if (!isRecord(service.ports)) return
  const base = ['spec', 'workload', 'service', 'ports']
  const seen = new Set<number>()
  for (const [name, p] of Object.entries(service.ports)) {
    if (!isDnsLabel(name)) sink.add('A13', [...base, name], `port name '${name}' is not a valid DNS label (${DNS_LABEL_HINT})`)
    if (name.length > 15) sink.add('A23', [...base, name], `port name '${name}' exceeds 15 character IANA service name limit`)
    if (!isRecord(p)) continue
    if (p.port === 0) sink.add('A24', [...base, name, 'port'], `service port '${name}': port cannot be 0`)
    if (p.targetPort === 0) sink.add('A24', [...base, name, 'targetPort'], `service port '${name}': target_port cannot be 0`)
    if (typeof p.port === 'number' && Number.isInteger(p.port) && p.port !== 0) {
      if (seen.has(p.port)) sink.add('A25', [...base, name, 'port'], `duplicate service port number: ${p.port}`)
      seen.add(p.port)
    }
  }
}

function exposureRules(spec: Json, service: Json, sink: IssueSink): void {
  const base = ['spec', 'workload', 'service']
  const serviceType = typeof service.serviceType === 'string' ? service.serviceType : 'ClusterIP'
  const external = EXTERNAL_SERVICE_TYPES.includes(serviceType)
  if (external && spec.ingress !== undefined && spec.ingress !== null) {
    sink.add('A29', [...base, 'serviceType'], `service.serviceType=${serviceType} is mutually exclusive with spec.ingress; pick exactly one external-access path`)
  }
  const hasHostnames = Array.isArray(service.hostnames) && service.hostnames.length > 0
  if (service.publishDns === true) {
    if (!external) sink.add('A30', [...base, 'publishDns'], `service.publishDns=true requires serviceType=NodePort or LoadBalancer; got ${serviceType}`)
    if (!hasHostnames) sink.add('A30', [...base, 'hostnames'], 'service.publishDns=true requires at least one entry in service.hostnames')
  }
  // `tls: {}` is the written-out default (§1.6), not a TLS request.
  if (isRecord(service.tls) && Object.keys(service.tls).length > 0) {
    if (!external) sink.add('A30', [...base, 'tls'], `service.tls requires serviceType=NodePort or LoadBalancer; got ${serviceType}`)
    if (!hasHostnames) sink.add('A30', [...base, 'hostnames'], 'service.tls requires at least one entry in service.hostnames')
  }
}

function replicaRules(spec: Json, sink: IssueSink): void {
  const autoscaling = isRecord(spec.autoscaling) ? spec.autoscaling : undefined
  const max = autoscaling?.max
  const replicas = spec.replicas === undefined || spec.replicas === null ? 1 : spec.replicas
  if (typeof max === 'number' && typeof replicas === 'number' && replicas > max) {
    sink.add('A28', ['spec', 'replicas'], 'replicas cannot exceed autoscaling max')
  }
}
