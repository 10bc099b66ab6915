// Typed-parse errors, rule order, seed-shape files, §2.4 warnings, LatticeMeshMember
// admission and the Admission layer line.
import {describe, expect, it} from 'vitest'
import {SEED_EXEMPT_NAMESPACES} from '../../src/core/constants.js'
import {admissionLayer, admitMeshMember, admitService, admitSpecSet, formatIssue, validateService} from '../../src/layers/admission/index.js'
import {normalizeMeshMember} from '../../src/spec/normalize.js'
import {C, R, mutated, svcOf, validRaw} from './fixtures.js'

const opts = {exemptNamespaces: SEED_EXEMPT_NAMESPACES}
const DES = 'failed to deserialize LatticeService: '
const errorsOf = (mutate: (r: any) => void) => admitService(mutated(mutate), opts).errors.map((e) => `${e.rule} ${e.path}: ${e.message}`)
const warningsOf = (mutate: (r: any) => void) => admitService(mutated(mutate), opts).warnings.map((e) => `${e.rule} ${e.path}: ${e.message}`)

describe('typed parse (serde-style messages)', () => {
  it('reports wrong types, out-of-range integers and missing required fields', () => {
    expect(errorsOf((r) => (r.spec.replicas = 'three'))).toEqual([`parse spec.replicas: ${DES}invalid type: string "three", expected u32`])
    expect(errorsOf((r) => (r.spec.workload.service.ports.http.port = 70000))).toEqual([`parse spec.workload.service.ports.http.port: ${DES}invalid value: integer \`70000\`, expected u16`])
    expect(errorsOf((r) => delete r.spec.workload.containers.main.image)).toEqual([`parse ${C}.image: ${DES}missing field \`image\``])
    expect(errorsOf((r) => (r.spec.workload.containers.main.command = '/bin/app'))).toEqual([`parse ${C}.command: ${DES}invalid type: string "/bin/app", expected a sequence`])
    expect(errorsOf((r) => (r.spec.workload.service.serviceType = 'ExternalName'))).toEqual([`parse spec.workload.service.serviceType: ${DES}unknown variant \`ExternalName\`, expected one of \`ClusterIP\`, \`NodePort\`, \`LoadBalancer\``])
    expect(errorsOf((r) => delete r.spec)).toEqual([`parse spec: ${DES}missing field \`spec\``])
  })

  it('A3 also catches a direction of the wrong type', () => {
    expect(errorsOf((r) => (r.spec.workload.resources.checkout.direction = 5))).toEqual([
      `A3 ${R}.checkout.direction: ${DES}invalid type: integer \`5\`, expected one of \`outbound\`, \`inbound\`, \`both\``,
    ])
  })

  it('a file mode written as a YAML number is a type error, as the CRD schema rejects it', () => {
    expect(errorsOf((r) => (r.spec.workload.containers.main.files['/etc/payments/config.yaml'].mode = 644))).toEqual([
      `parse ${C}.files["/etc/payments/config.yaml"].mode: ${DES}invalid type: integer \`644\`, expected a string`,
    ])
  })
})

describe('rule order', () => {
  it('system namespace, then parse errors, then semantic rules in §2.2 order; all are kept for validate', () => {
    const svc = mutated((r) => {
      r.metadata.namespace = 'istio-system'
      r.spec.workload.containers.main.image = '' // A14
      r.spec.workload.resources.stripe.params.endpoints = {} // A9
      r.spec.workload.resources.checkout.direction = 'in' // A3 (parse)
    })
    expect(validateService(svc, opts).map((e) => e.rule)).toEqual(['A1', 'A3', 'A9', 'A14'])
    expect(admissionLayer([admitService(svc, opts)], 'file').summary).toBe("workload CRDs cannot be deployed in system namespace 'istio-system'")
  })
})

describe('seed-shape files (§1.11)', () => {
  const seedRaw = () => {
    const raw = validRaw()
    const main = raw.spec.workload.containers.main
    delete main.security
    raw.spec.workload.containers = [{name: 'main', ...main, securityContext: {runAsUser: 10001, capabilities: {drop: ['ALL'], add: ['NET_BIND_SERVICE']}}}]
    return raw
  }

  it('admits the rewritten CRD shape for files and reports paths by map key', () => {
    const svc = svcOf(seedRaw(), 'seed.yaml')
    expect(admitService(svc, opts).errors).toEqual([])
    svc.raw.spec.workload.containers[0].image = ''
    expect(admitService(svc, opts).errors.map((e) => e.path)).toEqual([`${C}.image`])
  })

  it('rejects the seed shape for live objects, as the CRD does', () => {
    const svc = svcOf(seedRaw(), 'cluster')
    expect(admitService(svc, opts).errors.map((e) => e.message)).toEqual([`${DES}invalid type: sequence, expected a map`])
  })
})

describe('§2.4 warnings', () => {
  it('W1: params on a service resource', () => {
    expect(warningsOf((r) => (r.spec.workload.resources.checkout.params = {timeout: '5s'}))).toEqual([
      `W1 ${R}.checkout.params: resource 'checkout': params on a 'service' resource are ignored (timeout; only the methods/paths/ports extension is read)`,
    ])
    expect(warningsOf((r) => (r.spec.workload.resources.checkout.params = {methods: ['GET']}))).toEqual([])
    expect(warningsOf((r) => (r.spec.workload.resources.peer = {type: 'service', direction: 'outbound', params: {methods: ['GET']}}))).toEqual([
      `W1 ${R}.peer.params: resource 'peer': params methods/paths/ports only apply to inbound declarations; ignored on an outbound 'service' resource`,
    ])
  })

  it('W2: a service resource without direction', () => {
    expect(warningsOf((r) => delete r.spec.workload.resources.checkout.direction)).toEqual([
      `W2 ${R}.checkout.direction: resource 'checkout': no direction set; it defaults to 'outbound' (write it explicitly)`,
    ])
  })

  it('W3: relative exec probe only while a binary allowlist applies', () => {
    const probe = (r: any) => (r.spec.workload.containers.main.livenessProbe = {exec: {command: ['nc', '-z', 'localhost', '8080']}})
    expect(warningsOf(probe)).toEqual([
      `W3 ${C}.livenessProbe.exec.command[0]: container 'main' livenessProbe: exec command[0] 'nc' is not an absolute path; Tetragon matches absolute paths, so the binary allowlist will kill this probe`,
    ])
    expect(warningsOf((r) => { probe(r); r.spec.workload.containers.main.security.allowedBinaries = ['*'] })).toEqual([])
    expect(warningsOf((r) => { probe(r); delete r.spec.workload.containers.main.command })).toEqual([])
  })

  it('W4: wildcard endpoint host; W5: entity written as an endpoint', () => {
    expect(warningsOf((r) => (r.spec.workload.resources.stripe.params.endpoints.api = 'https://*.stripe.com'))).toEqual([
      `W4 ${R}.stripe.params.endpoints.api: resource 'stripe' endpoint 'api': wildcard host '*.stripe.com' needs a toFQDNs matchPattern; upstream Lattice emits it as matchName, which Cilium never matches`,
    ])
    expect(warningsOf((r) => (r.spec.workload.resources.stripe.params.endpoints.api = 'entity:kube-apiserver:6443'))).toEqual([
      `W5 ${R}.stripe.params.endpoints.api: resource 'stripe' endpoint 'api': 'entity:kube-apiserver:6443' parses as a DNS host named 'entity:kube-apiserver'; to select a Cilium entity set 'id: entity:kube-apiserver:6443' on the resource instead`,
    ])
  })
})

describe('LatticeMeshMember admission', () => {
  const member = (spec: unknown, namespace = 'media') =>
    normalizeMeshMember({apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', metadata: {name: 'nzbget', namespace}, spec}, {file: 'lmm.yaml', index: 0})
  const errors = (spec: unknown, namespace?: string) => admitMeshMember(member(spec, namespace), opts).errors.map((e) => `${e.rule} ${e.path}: ${e.message}`)

  it('accepts a selector target with DNS-label ports', () => {
    expect(errors({target: {selector: {app: 'nzbget'}}, ports: [{name: 'http', port: 6789}]})).toEqual([])
  })

  it('applies the system-namespace check, port names and target rules', () => {
    expect(errors({target: {namespace: 'media'}}, 'kube-system')).toEqual([`A1 metadata.namespace: workload CRDs cannot be deployed in system namespace 'kube-system'`])
    expect(errors({target: {selector: {app: 'x'}}, ports: [{name: 'Web_UI', port: 80}]})).toEqual([
      `A13 spec.ports[0].name: port name 'Web_UI' is not a valid DNS label (must be lowercase alphanumeric with hyphens, max 63 chars)`,
    ])
    expect(errors({target: {namespace: ''}})).toEqual(['M1 spec.target.namespace: target namespace cannot be empty'])
    expect(errors({target: {selector: {}}})).toEqual(['M2 spec.target.selector: target selector must have at least one label'])
    expect(errors({target: {selector: {'': 'x'}}})).toEqual(['M2 spec.target.selector: target selector label keys cannot be empty'])
    expect(errors({target: {}})).toEqual(['parse spec.target: failed to deserialize LatticeMeshMember: target must specify exactly one of selector or namespace'])
  })
})

describe('admissionLayer', () => {
  const bad = () => admitService(mutated((r) => {
    r.spec.workload.containers.main.command = ['payments']
    delete r.spec.workload.containers.main.resources.limits
  }), opts)

  it('PASS (spec valid) when every report is clean, carrying §2.4 warnings', () => {
    const ok = admitService(mutated((r) => delete r.spec.workload.resources.checkout.direction), opts)
    const result = admissionLayer([ok], 'file')
    expect(result).toMatchObject({layer: 'admission', status: 'PASS', summary: 'spec valid', reasons: [], evidence: []})
    expect(result.warnings).toEqual([
      `payments.yaml: commerce/payments: ${R}.checkout.direction: resource 'checkout': no direction set; it defaults to 'outbound' (write it explicitly)`,
    ])
  })

  it('FAIL for files with the first error as summary and every error as a reason', () => {
    const result = admissionLayer([admitService(svcOf(validRaw()), opts), bad()], 'file')
    expect(result.status).toBe('FAIL')
    expect(result.summary).toBe("'main': command[0] 'payments' must be an absolute path (start with '/')")
    expect(result.reasons).toEqual([
      `payments.yaml: commerce/payments: ${C}.command[0]: 'main': command[0] 'payments' must be an absolute path (start with '/')`,
      `payments.yaml: commerce/payments: ${C}.resources.limits: container 'main' must have resource limits`,
    ])
    expect(result.evidence[0]).toEqual({kind: 'LatticeService', namespace: 'commerce', name: 'payments', detail: `${C}.command[0]`, source: 'admission'})
  })

  it('WARN for live objects (admitted earlier, failing today)', () => {
    const result = admissionLayer([bad()], 'live')
    expect(result.status).toBe('WARN')
    expect(result.summary).toBe("'main': command[0] 'payments' must be an absolute path (start with '/'); admitted earlier, fails today's rules")
  })

  it('formatIssue and admitSpecSet', () => {
    expect(formatIssue({rule: 'A14', file: 'f.yaml', object: 'ns/a', path: 'spec.x', message: 'boom'})).toBe('f.yaml: ns/a: spec.x: boom')
    const set = {services: [svcOf(validRaw())], meshMembers: [], cedarPolicies: [], others: [], warnings: []}
    expect(admitSpecSet(set, opts).map((r) => r.object)).toEqual(['commerce/payments'])
  })
})
