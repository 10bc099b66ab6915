import {describe, expect, it} from 'vitest'
import {dnsCaptureWarning} from '../../src/diagnose/live-state.js'
import type {KubeObject} from '../../src/core/kube.js'

const pod = (annotations: Record<string, string> = {}): KubeObject => ({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'payments-1', namespace: 'commerce', labels: {'app.kubernetes.io/name': 'payments'}, annotations}})
const cnp = (egress: unknown[]): KubeObject => ({apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: {name: 'p', namespace: 'commerce'}, spec: {endpointSelector: {matchLabels: {'k8s:app.kubernetes.io/name': 'payments'}}, egress}})
const fqdn = cnp([{toFQDNs: [{matchName: 'api.stripe.com'}], toPorts: [{ports: [{port: '443', protocol: 'TCP'}]}]}])

describe('§5.4.5 DNS capture by ztunnel', () => {
  it('warns for an ambient pod whose policies use toFQDNs', () => {
    expect(dnsCaptureWarning({ok: true, items: [pod()]}, [fqdn], true)).toMatch(/^L4: DNS captured by ztunnel .* FQDN rules of commerce\/payments may not learn addresses/)
  })
  it('stays quiet when the pod opted out, is not ambient, or has no FQDN rule', () => {
    expect(dnsCaptureWarning({ok: true, items: [pod({'ambient.istio.io/dns-capture': 'false'})]}, [fqdn], true)).toBeUndefined()
    expect(dnsCaptureWarning({ok: true, items: [pod({'ambient.istio.io/bypass-dns-capture': 'true'})]}, [fqdn], true)).toBeUndefined()
    expect(dnsCaptureWarning({ok: true, items: [pod()]}, [fqdn], false)).toBeUndefined()
    expect(dnsCaptureWarning({ok: true, items: [pod()]}, [cnp([{toEntities: ['world']}])], true)).toBeUndefined()
  })
})
