// One case per admission rule A1–A30 (LATTICE-SPEC §2.2), with the sub-cases of A11, A22,
// A24 and A30: each breaks exactly one rule of a valid spec and asserts the exact message
// and field path of the only error.
import {describe, expect, it} from 'vitest'
import {SEED_EXEMPT_NAMESPACES} from '../../src/core/constants.js'
import {admitService} from '../../src/layers/admission/index.js'
import {C, P, R, mutated, svcOf, validRaw} from './fixtures.js'

const opts = {exemptNamespaces: SEED_EXEMPT_NAMESPACES}
const DNS = '(must be lowercase alphanumeric with hyphens, max 63 chars)'
const DES = 'failed to deserialize LatticeService: '

interface Case {
  name: string
  rule: string
  mutate: (raw: any) => void
  path: string
  message: string
  object?: string
}

const cases: Case[] = [
  {name: 'A1 system namespace', rule: 'A1', mutate: (r) => (r.metadata.namespace = 'kube-system'), path: 'metadata.namespace', message: "workload CRDs cannot be deployed in system namespace 'kube-system'", object: 'kube-system/payments'},
  {name: 'A3 unknown direction', rule: 'A3', mutate: (r) => (r.spec.workload.resources.checkout.direction = 'sideways'), path: `${R}.checkout.direction`, message: DES + 'unknown variant `sideways`, expected one of `outbound`, `inbound`, `both`'},
  {name: 'A4 custom type not a DNS label', rule: 'A4', mutate: (r) => (r.spec.workload.resources.db.type = 'Postgres'), path: `${R}.db.type`, message: DES + "invalid resource type 'Postgres' (custom types must be DNS labels: lowercase alphanumeric with hyphens, starting with a letter, max 63 chars)"},
  {name: 'A5 secret without params', rule: 'A5', mutate: (r) => delete r.spec.workload.resources['stripe-key'].params, path: `${R}.stripe-key.params`, message: "secret resource requires 'params' with 'provider'"},
  {name: 'A6 secret with empty provider', rule: 'A6', mutate: (r) => (r.spec.workload.resources['stripe-key'].params.provider = ''), path: `${R}.stripe-key.params.provider`, message: "secret resource requires 'provider' in params"},
  {name: 'A7 bad refresh interval', rule: 'A7', mutate: (r) => (r.spec.workload.resources['stripe-key'].params.refreshInterval = '1x'), path: `${R}.stripe-key.params.refreshInterval`, message: "secret resource refresh_interval '1x': unknown unit 'x' (expected h, m or s; e.g., '1h', '30m', '1h30m', '45s')"},
  {name: 'A8 unknown secret type', rule: 'A8', mutate: (r) => (r.spec.workload.resources['stripe-key'].params.secretType = 'kubernetes.io/magic'), path: `${R}.stripe-key.params.secretType`, message: "secret resource secret_type 'kubernetes.io/magic' is not a recognized K8s secret type (valid: Opaque, kubernetes.io/service-account-token, kubernetes.io/dockercfg, kubernetes.io/dockerconfigjson, kubernetes.io/basic-auth, kubernetes.io/ssh-auth, kubernetes.io/tls, bootstrap.kubernetes.io/token)"},
  {name: 'A9 external service without endpoints', rule: 'A9', mutate: (r) => (r.spec.workload.resources.stripe.params.endpoints = {}), path: `${R}.stripe.params.endpoints`, message: 'external service resource requires at least one endpoint in params'},
  {name: 'A10 endpoint URL does not parse (CIDR range)', rule: 'A10', mutate: (r) => (r.spec.workload.resources.stripe.params.endpoints.api = '10.0.0.0/8:5432'), path: `${R}.stripe.params.endpoints.api`, message: "invalid endpoint URL for 'api': 10.0.0.0/8:5432"},
  {name: 'A11 gpu without params', rule: 'A11', mutate: (r) => delete r.spec.workload.resources.accel.params, path: `${R}.accel.params`, message: "gpu resource requires 'params' with 'count'"},
  {name: 'A11 gpu count 0', rule: 'A11', mutate: (r) => (r.spec.workload.resources.accel.params.count = 0), path: `${R}.accel.params.count`, message: 'gpu count must be greater than 0'},
  {name: 'A11 gpu compute out of range', rule: 'A11', mutate: (r) => (r.spec.workload.resources.accel.params.compute = 150), path: `${R}.accel.params.compute`, message: "gpu compute '150' must be between 1 and 100 (percent of the device)"},
  {name: 'A11 gpu bad memory', rule: 'A11', mutate: (r) => (r.spec.workload.resources.accel.params.memory = '20GB'), path: `${R}.accel.params.memory`, message: "gpu memory '20GB': invalid quantity (expected e.g., '20Gi', '512Mi')"},
  {name: 'A12 no containers', rule: 'A12', mutate: (r) => (r.spec.workload.containers = {}), path: 'spec.workload.containers', message: 'service must have at least one container'},
  {name: 'A13 container name', rule: 'A13', mutate: (r) => (r.spec.workload.containers = {Main: r.spec.workload.containers.main}), path: 'spec.workload.containers.Main', message: `container name 'Main' is not a valid DNS label ${DNS}`},
  {name: 'A13 sidecar name', rule: 'A13', mutate: (r) => (r.spec.sidecars = {log_shipper: {image: 'fluent-bit:3'}}), path: 'spec.sidecars.log_shipper', message: `sidecar name 'log_shipper' is not a valid DNS label ${DNS}`},
  {name: 'A13 resource name', rule: 'A13', mutate: (r) => (r.spec.workload.resources['2fa'] = {type: 'service', direction: 'outbound'}), path: `${R}["2fa"]`, message: `resource name '2fa' is not a valid DNS label ${DNS}`},
  {name: 'A13 port name', rule: 'A13', mutate: (r) => (r.spec.workload.service.ports = {HTTP: {port: 8080}}), path: `${P}.HTTP`, message: `port name 'HTTP' is not a valid DNS label ${DNS}`},
  {name: 'A14 empty image', rule: 'A14', mutate: (r) => (r.spec.workload.containers.main.image = ''), path: `${C}.image`, message: "container 'main': image cannot be empty"},
  {name: 'A15 image with whitespace', rule: 'A15', mutate: (r) => (r.spec.workload.containers.main.image = 'nginx :1'), path: `${C}.image`, message: "container 'main': image 'nginx :1' contains invalid characters"},
  {name: 'A16 image with shell metacharacters', rule: 'A16', mutate: (r) => (r.spec.workload.containers.main.image = 'nginx;rm'), path: `${C}.image`, message: "container 'main': image 'nginx;rm' contains shell metacharacters"},
  {name: 'A17 relative command[0]', rule: 'A17', mutate: (r) => (r.spec.workload.containers.main.command = ['payments', '--x']), path: `${C}.command[0]`, message: "'main': command[0] 'payments' must be an absolute path (start with '/')"},
  {name: 'A17 relative command[0] in a sidecar', rule: 'A17', mutate: (r) => (r.spec.sidecars = {proxy: {image: 'envoy:1', command: ['envoy']}}), path: 'spec.sidecars.proxy.command[0]', message: "'proxy': command[0] 'envoy' must be an absolute path (start with '/')"},
  {name: 'A18 no limits', rule: 'A18', mutate: (r) => delete r.spec.workload.containers.main.resources.limits, path: `${C}.resources.limits`, message: "container 'main' must have resource limits"},
  {name: 'A19 bad cpu', rule: 'A19', mutate: (r) => (r.spec.workload.containers.main.resources.limits.cpu = '1 core'), path: `${C}.resources.limits.cpu`, message: "container 'main' limits.cpu: invalid quantity '1 core' (expected e.g., '100m', '1', '0.5')"},
  {name: 'A20 bad memory', rule: 'A20', mutate: (r) => (r.spec.workload.containers.main.resources.requests.memory = '128MB'), path: `${C}.resources.requests.memory`, message: "container 'main' requests.memory: invalid quantity '128MB' (expected e.g., '128Mi', '1Gi')"},
  {name: 'A21 file without content', rule: 'A21', mutate: (r) => (r.spec.workload.containers.main.files['/etc/payments/config.yaml'] = {mode: '0644'}), path: `${C}.files["/etc/payments/config.yaml"]`, message: "container 'main' file '/etc/payments/config.yaml': must specify content, binary_content, or source"},
  {name: 'A22 mode length', rule: 'A22', mutate: (r) => (r.spec.workload.containers.main.files['/etc/payments/config.yaml'].mode = '64'), path: `${C}.files["/etc/payments/config.yaml"].mode`, message: "container 'main' file '/etc/payments/config.yaml': mode '64' must be 3-4 octal digits (e.g., '0644')"},
  {name: 'A22 non-octal mode', rule: 'A22', mutate: (r) => (r.spec.workload.containers.main.files['/etc/payments/config.yaml'].mode = '0684'), path: `${C}.files["/etc/payments/config.yaml"].mode`, message: "container 'main' file '/etc/payments/config.yaml': mode '0684' contains non-octal digits"},
  {name: 'A22 special bits', rule: 'A22', mutate: (r) => (r.spec.workload.containers.main.files['/etc/payments/config.yaml'].mode = '4755'), path: `${C}.files["/etc/payments/config.yaml"].mode`, message: "container 'main' file '/etc/payments/config.yaml': mode '4755' sets special bits (setuid/setgid/sticky) which are not allowed"},
  {name: 'A22 world-writable', rule: 'A22', mutate: (r) => (r.spec.workload.containers.main.files['/etc/payments/config.yaml'].mode = '0666'), path: `${C}.files["/etc/payments/config.yaml"].mode`, message: "container 'main' file '/etc/payments/config.yaml': mode '0666' is world-writable which is not allowed"},
  {name: 'A23 port name too long', rule: 'A23', mutate: (r) => (r.spec.workload.service.ports = {'payments-http-api': {port: 8080}}), path: `${P}.payments-http-api`, message: "port name 'payments-http-api' exceeds 15 character IANA service name limit"},
  {name: 'A24 port 0', rule: 'A24', mutate: (r) => (r.spec.workload.service.ports.http.port = 0), path: `${P}.http.port`, message: "service port 'http': port cannot be 0"},
  {name: 'A24 targetPort 0', rule: 'A24', mutate: (r) => (r.spec.workload.service.ports.http.targetPort = 0), path: `${P}.http.targetPort`, message: "service port 'http': target_port cannot be 0"},
  {name: 'A25 duplicate port number', rule: 'A25', mutate: (r) => (r.spec.workload.service.ports.alt = {port: 8080, targetPort: 9090}), path: `${P}.alt.port`, message: 'duplicate service port number: 8080'},
  {name: 'A26 volume id too long', rule: 'A26', mutate: (r) => (r.spec.workload.resources.data.id = 'a'.repeat(51)), path: `${R}.data.id`, message: `resource 'data': id '${'a'.repeat(51)}' exceeds 50 character limit (it names the shared PVC 'vol-<id>' and the pod label 'lattice.io/vol-<id>')`},
  {name: 'A26 volume id not a DNS label', rule: 'A26', mutate: (r) => (r.spec.workload.resources.data.id = 'Shared_Data'), path: `${R}.data.id`, message: `resource 'data': id 'Shared_Data' is not a valid DNS label ${DNS}`},
  {name: 'A27 init sidecar without command', rule: 'A27', mutate: (r) => (r.spec.sidecars = {migrate: {image: 'migrate:1', init: true}}), path: 'spec.sidecars.migrate.command', message: "sidecar 'migrate': init containers must specify a command"},
  {name: 'A28 replicas above autoscaling max', rule: 'A28', mutate: (r) => (r.spec.autoscaling = {max: 2, metrics: []}), path: 'spec.replicas', message: 'replicas cannot exceed autoscaling max'},
  {name: 'A29 LoadBalancer with ingress', rule: 'A29', mutate: (r) => { r.spec.workload.service.serviceType = 'LoadBalancer'; r.spec.ingress = {routes: {web: {hosts: ['pay.example.com']}}} }, path: 'spec.workload.service.serviceType', message: 'service.serviceType=LoadBalancer is mutually exclusive with spec.ingress; pick exactly one external-access path'},
  {name: 'A30 publishDns on ClusterIP', rule: 'A30', mutate: (r) => { r.spec.workload.service.publishDns = true; r.spec.workload.service.hostnames = ['pay.example.com'] }, path: 'spec.workload.service.publishDns', message: 'service.publishDns=true requires serviceType=NodePort or LoadBalancer; got ClusterIP'},
  {name: 'A30 publishDns without hostnames', rule: 'A30', mutate: (r) => { r.spec.workload.service.publishDns = true; r.spec.workload.service.serviceType = 'NodePort' }, path: 'spec.workload.service.hostnames', message: 'service.publishDns=true requires at least one entry in service.hostnames'},
  {name: 'A30 tls on ClusterIP', rule: 'A30', mutate: (r) => { r.spec.workload.service.tls = {issuer: 'letsencrypt'}; r.spec.workload.service.hostnames = ['pay.example.com'] }, path: 'spec.workload.service.tls', message: 'service.tls requires serviceType=NodePort or LoadBalancer; got ClusterIP'},
  {name: 'A30 tls without hostnames', rule: 'A30', mutate: (r) => { r.spec.workload.service.tls = {issuer: 'letsencrypt'}; r.spec.workload.service.serviceType = 'LoadBalancer' }, path: 'spec.workload.service.hostnames', message: 'service.tls requires at least one entry in service.hostnames'},
]

describe('admission rules A1–A30', () => {
  it('accepts the valid base spec without errors or warnings', () => {
    const report = admitService(svcOf(validRaw()), opts)
    expect(report).toEqual({object: 'commerce/payments', kind: 'LatticeService', errors: [], warnings: []})
  })

  it.each(cases)('$name', ({rule, mutate, path, message, object = 'commerce/payments'}) => {
    const report = admitService(mutated(mutate), opts)
    expect(report.errors).toEqual([{rule, message, path, file: 'payments.yaml', object}])
  })

  it('A2: no object', () => {
    const svc = svcOf(undefined)
    expect(admitService(svc, opts).errors).toEqual([{rule: 'A2', message: 'no object in admission request', path: '', file: 'payments.yaml', object: 'default/'}])
  })

  it('A4 rejects my_db and 123db, accepts postgres and my-db; built-in names always win', () => {
    const errorsFor = (type: string) => admitService(mutated((r) => (r.spec.workload.resources.db.type = type)), opts).errors.map((e) => e.rule)
    expect(errorsFor('my_db')).toEqual(['A4'])
    expect(errorsFor('123db')).toEqual(['A4'])
    expect(errorsFor('my-db')).toEqual([])
    expect(errorsFor('postgres')).toEqual([])
  })

  it('A7 explains each kind of bad duration and accepts 1h, 30m, 1h30m, 45s', () => {
    const why = (v: unknown) => admitService(mutated((r) => (r.spec.workload.resources['stripe-key'].params.refreshInterval = v)), opts).errors.map((e) => e.message)
    expect(why('1')).toEqual(["secret resource refresh_interval '1': missing unit after '1' (expected h, m or s; e.g., '1h', '30m', '1h30m', '45s')"])
    expect(why('h')).toEqual(["secret resource refresh_interval 'h': missing number before 'h' (e.g., '1h', '30m', '1h30m', '45s')"])
    expect(why('')).toEqual(["secret resource refresh_interval '': empty duration (e.g., '1h', '30m', '1h30m', '45s')"])
    for (const ok of ['1h', '30m', '1h30m', '45s']) expect(why(ok)).toEqual([])
  })

  it('A19/A20 accept Kubernetes quantities written as numbers or strings', () => {
    const errors = admitService(mutated((r) => (r.spec.workload.containers.main.resources = {requests: {cpu: 0.5, memory: '1e3'}, limits: {cpu: '2k', memory: '1.5Gi'}})), opts).errors
    expect(errors).toEqual([])
  })

  it('A26 exempts the wildcard id', () => {
    expect(admitService(mutated((r) => (r.spec.workload.resources.data.id = '*')), opts).errors).toEqual([])
  })

  it('A30 treats `tls: {}` (the written-out default) as unset', () => {
    expect(admitService(mutated((r) => (r.spec.workload.service.tls = {})), opts).errors).toEqual([])
  })

  it('A1 uses the configured exempt list', () => {
    const svc = mutated((r) => (r.metadata.namespace = 'velero'))
    expect(admitService(svc, opts).errors).toEqual([])
    expect(admitService(svc, {exemptNamespaces: ['velero']}).errors.map((e) => e.rule)).toEqual(['A1'])
  })
})
