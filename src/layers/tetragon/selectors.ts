// Kubernetes label selectors as Tetragon applies them to pods (podSelector) and containers
// (containerSelector, where the only "label" is the container `name`).

export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{key: string; operator: string; values?: string[]}>
}

/** An absent selector is handled by the caller; `{}` selects everything. */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key)
    const values = e.values ?? []
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false
        break
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false
        break
      case 'Exists':
        if (!has) return false
        break
      case 'DoesNotExist':
        if (has) return false
        break
      default:
        return false // the API server rejects unknown operators; never select on one
    }
  }
  return true
}

const LABEL_OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist'])

/**
 * Why Tetragon would refuse the selector (upstream pkg/labels SelectorFromLabelSelector:
 * only In/NotIn/Exists/DoesNotExist), or undefined when it is usable.
 */
export function selectorProblem(selector: LabelSelector): string | undefined {
  const bad = (selector.matchExpressions ?? []).find((e) => !LABEL_OPERATORS.has(e.operator))
  return bad ? `unknown operator '${bad.operator}' on ${bad.key}` : undefined
}
