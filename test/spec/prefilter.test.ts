// The pre-filter may skip a document only when it is certainly a plain LatticeService, and
// a needle is only trusted when no other spelling of it exists.
import {describe, expect, it} from 'vitest'
import {isPlainServiceDocument, isSafeNeedle} from '../../src/spec/prefilter.js'

const service = (body = '') => `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: checkout
  namespace: commerce
spec:
  workload:
    resources:
      payments: {type: service, direction: outbound}
${body}`

describe('isSafeNeedle', () => {
  it('accepts names that only a literal string can spell', () => {
    for (const s of ['checkout', 'svc-00012', 'team-000', 'shared-vol-x', 'a.b_c', 'ns/vol']) expect(isSafeNeedle(s)).toBe(true)
  })
  it('rejects names a number, bool or null could produce, and characters quotes or escapes could spell', () => {
    for (const s of ['123', '1e-7', '0x7B', 'Infinity', 'NaN', 'true', 'False', 'null', '', 'a b', "it's", 'a"b', 'a\\b', 'a:b', 'é']) expect(isSafeNeedle(s)).toBe(false)
  })
})

describe('isPlainServiceDocument', () => {
  it('accepts block-style LatticeServices, with or without a marker line, comments and CRLF', () => {
    expect(isPlainServiceDocument(service())).toBe(true)
    expect(isPlainServiceDocument(`---\n${service()}`)).toBe(true)
    expect(isPlainServiceDocument(`--- # first\n# payments is mentioned in a comment\n${service()}`)).toBe(true)
    expect(isPlainServiceDocument(service().replace(/\n/g, '\r\n'))).toBe(true)
    expect(isPlainServiceDocument(service().replace('kind: LatticeService', "kind: 'LatticeService' # quoted"))).toBe(true)
    // `--- ` inside a block scalar is indented: content, not a marker
    expect(isPlainServiceDocument(service('    note: |\n      --- not a marker\n'))).toBe(true)
  })

  it('rejects every other kind, and kinds it cannot read with certainty', () => {
    expect(isPlainServiceDocument(service().replace('LatticeService', 'LatticeMeshMember'))).toBe(false)
    expect(isPlainServiceDocument(service().replace('LatticeService', 'CedarPolicy'))).toBe(false)
    expect(isPlainServiceDocument('apiVersion: v1\nkind: List\nitems:\n  - ' + service().replace(/\n/g, '\n    '))).toBe(false)
    expect(isPlainServiceDocument(service().replace('kind: LatticeService', 'kind: LatticeServiceX'))).toBe(false)
    // continued on the next line: the kind is "LatticeService Extra"
    expect(isPlainServiceDocument(service().replace('kind: LatticeService\n', 'kind: LatticeService\n  Extra\n'))).toBe(false)
    // a second kind key (a duplicate key the parsers reject, or a trick)
    expect(isPlainServiceDocument(service() + 'kind: LatticeMeshMember\n')).toBe(false)
    expect(isPlainServiceDocument(service().replace('apiVersion', '"kind": LatticeMeshMember\napiVersion'))).toBe(false)
    expect(isPlainServiceDocument('{apiVersion: lattice.dev/v1alpha1, kind: LatticeService, metadata: {name: a}}')).toBe(false)
    expect(isPlainServiceDocument(`  ${service().replace(/\n/g, '\n  ')}`)).toBe(false) // an indented root mapping
    expect(isPlainServiceDocument('--- |\n' + service())).toBe(false) // a block scalar document
    expect(isPlainServiceDocument('--- !tag\n' + service())).toBe(false)
    expect(isPlainServiceDocument(`\ufeff${service()}`)).toBe(false)
    expect(isPlainServiceDocument(service() + 'items:\n- x\n')).toBe(false) // a sequence at column 0
    expect(isPlainServiceDocument(service() + '\tx: 1\n')).toBe(false)
    expect(isPlainServiceDocument('# only a comment\n')).toBe(false)
  })

  it('rejects documents whose names could be spelled differently: escapes and tags', () => {
    expect(isPlainServiceDocument(service('      "pay\\x6dents": {type: service}\n'))).toBe(false)
    expect(isPlainServiceDocument(service('      other: {type: service, id: !!str payments}\n'))).toBe(false)
    expect(isPlainServiceDocument(service('      ? !!str payments\n      : {type: service}\n'))).toBe(false)
  })

  it('accepts anchors, aliases and exclamation marks that are not tags (the text is in the same document)', () => {
    expect(isPlainServiceDocument(service('      other: &p {type: service, direction: outbound}\n      again: *p\n'))).toBe(true)
    expect(isPlainServiceDocument(service('    note: "hello!"\n'))).toBe(true)
  })
})
