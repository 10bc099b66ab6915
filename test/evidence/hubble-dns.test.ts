// Hubble L7 DNS records (cilium/cilium api/v1/flow/flow.proto: Flow.l7 = 15, Layer7.dns = 100,
// DNS.query/ips/rcode) normalized into FlowRecord.dns, and classified for an external
// destination: the host's lookups (REFUSED/DROPPED by the DNS proxy, NXDOMAIN, answers) and
// A's packets to the resolved addresses or to `reserved:world` on the port.
import {describe, expect, it} from 'vitest'
import {flowFromJson} from '../../src/layers/cilium/hubble/index.js'
import {annotateExternalL4, classifyExternalFlows} from '../../src/diagnose/external-live-evidence.js'
import {parseExternalTarget} from '../../src/diagnose/external-target.js'
import {layerResult} from '../../src/core/result.js'

const dns = (o: {verdict: string; type: string; rcode?: number; ips?: string[]; query?: string}) => flowFromJson({
  flow: {
    time: '2026-05-20T08:00:00Z', verdict: o.verdict, Type: 'L7', source: {namespace: 'commerce', pod_name: 'payments-1'}, destination: {namespace: 'kube-system', pod_name: 'coredns-1'},
    IP: {source: '10.244.2.21', destination: '10.244.0.10'}, l4: {UDP: {source_port: 40001, destination_port: 53}}, is_reply: false,
    l7: {type: o.type, dns: {query: o.query ?? 'api.stripe.com.', ...(o.rcode !== undefined ? {rcode: o.rcode} : {}), ...(o.ips ? {ips: o.ips} : {})}},
  },
})!

describe('Hubble DNS records', () => {
  it('protojson l7.dns → FlowRecord.dns (rcode 0 omitted by protojson means NOERROR)', () => {
    expect(dns({verdict: 'FORWARDED', type: 'RESPONSE', ips: ['54.187.174.169']}).dns).toEqual({query: 'api.stripe.com.', type: 'RESPONSE', ips: ['54.187.174.169']})
    expect(dns({verdict: 'DROPPED', type: 'REQUEST', rcode: 5}).dns).toMatchObject({type: 'REQUEST', rcode: 5})
    expect(flowFromJson({flow: {time: '2026-05-20T08:00:00Z', verdict: 'FORWARDED', source: {}}})!.dns).toBeUndefined()
  })

  it('classifies the host\'s lookups and the packets to its resolved addresses', () => {
    const target = parseExternalTarget('api.stripe.com')
    const answer = dns({verdict: 'FORWARDED', type: 'RESPONSE', ips: ['54.187.174.169']})
    const other = dns({verdict: 'FORWARDED', type: 'RESPONSE', query: 'example.org.', ips: ['93.184.216.34']})
    const toResolved = {time: '2026-05-20T08:00:01Z', verdict: 'DROPPED', dropReason: 'POLICY_DENIED', source: {namespace: 'commerce', pod: 'payments-1'}, destination: {ip: '54.187.174.169'}, destinationPort: 443}
    const toOther = {...toResolved, destination: {ip: '93.184.216.34'}}
    const c = classifyExternalFlows([answer, other, toResolved, toOther], target)
    expect(c.dns).toEqual([answer])
    expect(c.toDestination).toEqual([toResolved])
  })

  it('NXDOMAIN is named on the L4 line without overruling it; a REFUSED lookup overrules a PASS', () => {
    const target = parseExternalTarget('api.stripe.com')
    const pass = layerResult('l4', 'PASS', 'CiliumNetworkPolicy x allows payments → api.stripe.com:443')
    const nx = annotateExternalL4(pass, classifyExternalFlows([dns({verdict: 'FORWARDED', type: 'RESPONSE', rcode: 3})], target), target, [])
    expect(nx.status).toBe('PASS')
    expect(nx.summary).toMatch(/DNS lookup of api.stripe.com failed \(NXDOMAIN\)/)
    const warnings: string[] = []
    const refused = annotateExternalL4(pass, classifyExternalFlows([dns({verdict: 'FORWARDED', type: 'RESPONSE', rcode: 5})], target), target, warnings)
    expect(refused.status).toBe('DENY')
    expect(warnings[0]).toMatch(/refused by DNS policy.*add a DNS rule matching api.stripe.com/)
  })
})
