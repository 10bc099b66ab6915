import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {defaultCompileOptions} from '../../src/core/constants.js'
import {canonicalTetragon, compileTetragon, tetragonBaseline, TETRAGON_KINDS} from '../../src/layers/tetragon/index.js'
import {graph} from '../helpers/graph.js'
import {checkout} from './fixtures.js'

const compiled = compileTetragon([checkout()], graph([], []), defaultCompileOptions())
const byName = (n: string) => structuredClone(compiled.find((o) => o.metadata.name === n)!)

describe('canonicalTetragon', () => {
  it('covers both kinds and nothing else', () => {
    expect([...TETRAGON_KINDS].sort()).toEqual(['TracingPolicy', 'TracingPolicyNamespaced'])
    expect(canonicalTetragon({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}})).toBeUndefined()
    expect(canonicalTetragon(tetragonBaseline(defaultCompileOptions())[0])).toBeDefined()
  })

  it('is name- and label-insensitive, and compares allowlists as sets', () => {
    const a = byName('allow-binaries-checkout')
    const b = byName('allow-binaries-checkout')
    b.metadata = {name: 'renamed', namespace: 'commerce', labels: {'lattice.dev/managed-by': 'lattice'}}
    b.spec.kprobes[0].selectors[0].matchArgs[0].values = ['/usr/bin/curl', '/bin/sh', '/srv/checkout', '/bin/sh']
    expect(canonicalTetragon(b)).toBe(canonicalTetragon(a))
  })

  it('treats file and linux_binprm bprm arguments as equal (D10)', () => {
    const a = byName('allow-binaries-checkout')
    const b = byName('allow-binaries-checkout')
    b.spec.kprobes[0].args = [{index: 0, type: 'file', label: 'binary'}]
    expect(canonicalTetragon(b)).toBe(canonicalTetragon(a))
  })

  it('detects a different allowlist, namespace, podSelector or action', () => {
    const base = canonicalTetragon(byName('allow-binaries-checkout'))
    const values = byName('allow-binaries-checkout')
    values.spec.kprobes[0].selectors[0].matchArgs[0].values.push('/usr/bin/wget')
    const ns = byName('allow-binaries-checkout')
    ns.metadata.namespace = 'other'
    const sel = byName('allow-binaries-checkout')
    sel.spec.podSelector.matchLabels['app.kubernetes.io/name'] = 'payments'
    const action = byName('allow-binaries-checkout')
    action.spec.kprobes[0].selectors[0].matchActions = [{action: 'Post'}]
    for (const o of [values, ns, sel, action]) expect(canonicalTetragon(o)).not.toBe(base)
  })

  it('compares block-* policies by hook, podSelector and action only (§7.2)', () => {
    const a = byName('block-rootfs-write-checkout')
    const b = byName('block-rootfs-write-checkout')
    b.spec.kprobes[0].args = [{index: 0, type: 'file', label: 'path'}]
    b.spec.kprobes[0].selectors = [{matchArgs: [{index: 0, operator: 'Prefix', values: ['/']}], matchActions: [{action: 'Sigkill'}]}]
    expect(canonicalTetragon(b)).toBe(canonicalTetragon(a))
    const c = byName('block-setuid-checkout')
    c.spec.kprobes[0].selectors[0].matchActions = [{action: 'Post'}]
    expect(canonicalTetragon(c)).not.toBe(canonicalTetragon(byName('block-setuid-checkout')))
    expect(canonicalTetragon(byName('block-setuid-checkout'))).not.toBe(canonicalTetragon(byName('block-capset-checkout')))
  })

  it('treats matchLabels and the equivalent In expression alike', () => {
    const a = byName('block-capset-checkout')
    const b: KubeObject = byName('block-capset-checkout')
    b.spec.podSelector = {matchExpressions: [{key: 'app.kubernetes.io/name', operator: 'In', values: ['checkout']}]}
    expect(canonicalTetragon(b)).toBe(canonicalTetragon(a))
  })
})
