import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {Redactor} from '../../src/cluster/index.js'
import {PROJECT_ROOT} from '../helpers/shared.js'
import {TOKEN} from './fixtures.js'

describe('loading', () => {
  it('imports @kubernetes/client-node only dynamically (platform --help must not load it)', () => {
    const dir = path.join(PROJECT_ROOT, 'src', 'cluster')
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'))
    const dynamic: string[] = []
    for (const file of files) {
      const text = readFileSync(path.join(dir, file), 'utf8')
      for (const line of text.split('\n')) {
        if (!line.includes("'@kubernetes/client-node'")) continue
        if (/\bimport\('@kubernetes\/client-node'\)/.test(line) && !/^import /.test(line.trim())) dynamic.push(file)
        else expect(line, `${file}: ${line}`).toMatch(/^import type \{[^}]*\} from '@kubernetes\/client-node'$/)
      }
    }
    // Everything goes through client-node.ts, which prefers the build's bundle.
    expect([...new Set(dynamic)]).toEqual(['client-node.ts'])
  })

  it('keeps src/cluster independent of the layers', () => {
    const dir = path.join(PROJECT_ROOT, 'src', 'cluster')
    for (const file of readdirSync(dir)) expect(readFileSync(path.join(dir, file), 'utf8')).not.toMatch(/from '\.\.\/layers\//)
  })
})

describe('Redactor', () => {
  const redactor = new Redactor(['opaque-kubeconfig-token-123'])

  it.each([
    [`Authorization: Bearer ${TOKEN}`, 'Authorization: [redacted]'],
    ['authorization=Basic dXNlcjpwYXNzd29yZA==', 'authorization=[redacted]'],
    [`request failed with bearer ${TOKEN}`, 'request failed with bearer [redacted]'],
    [`token: ${TOKEN}`, 'token: [redacted]'],
    ['"client-key-data": "LS0tLS1CRUdJTg=="', '"client-key-data": [redacted]'],
    ['exec plugin said opaque-kubeconfig-token-123', 'exec plugin said [redacted]'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', '[redacted]'],
    [`jwt ${TOKEN} leaked`, 'jwt [redacted] leaked'],
  ])('redacts %j', (input, expected) => {
    expect(redactor.redact(input)).toBe(expected)
  })

  it('makes one bounded line and leaves ordinary text alone', () => {
    expect(redactor.oneLine('connect ECONNREFUSED\n  10.0.0.1:6443')).toBe('connect ECONNREFUSED 10.0.0.1:6443')
    expect(redactor.oneLine('x'.repeat(500), 50)).toHaveLength(50)
    expect(redactor.redact('forbidden: cannot list pods in namespace commerce')).toBe('forbidden: cannot list pods in namespace commerce')
  })
})
