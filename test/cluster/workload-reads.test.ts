// Plain workloads' selectors (issue 9.3): a controller's LabelSelector as the API's
// labelSelector parameter (k8s.io/apimachinery labels.Selector String() syntax), and which
// Services select a pod (a Service's selector is plain key/values, all must match).
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/kube.js'
import {selectorString, serviceSelects} from '../../src/cluster/workload-reads.js'

describe('workload selectors', () => {
  it('matchLabels and matchExpressions in the labelSelector syntax', () => {
    expect(selectorString({matchLabels: {app: 'db', tier: 'data'}})).toBe('app=db,tier=data')
    expect(selectorString({matchExpressions: [
      {key: 'env', operator: 'In', values: ['prod', 'stage']}, {key: 'canary', operator: 'NotIn', values: ['true']},
      {key: 'team', operator: 'Exists'}, {key: 'legacy', operator: 'DoesNotExist'},
    ]})).toBe('env in (prod,stage),canary notin (true),team,!legacy')
    expect(selectorString(undefined)).toBe('')
  })

  it('a Service selects a pod only when every selector label matches; no selector selects nothing', () => {
    const svc = (selector?: Record<string, string>) => ({apiVersion: 'v1', kind: 'Service', metadata: {name: 's'}, spec: selector ? {selector} : {}}) as KubeObject
    expect(serviceSelects(svc({'k8s-app': 'kube-dns'}), {'k8s-app': 'kube-dns', 'pod-template-hash': 'x'})).toBe(true)
    expect(serviceSelects(svc({'k8s-app': 'kube-dns', tier: 'x'}), {'k8s-app': 'kube-dns'})).toBe(false)
    expect(serviceSelects(svc(), {'k8s-app': 'kube-dns'})).toBe(false)
  })
})
