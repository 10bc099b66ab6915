// Combining layer statuses into the result (LATTICE-SPEC §9.2 step 10, §10.5).

import {isBlocking, type LayerId, type LayerResult} from '../core/result.js'
import type {ResultStatus} from './model.js'

const ENFORCING: Array<Exclude<LayerId, 'declarations'>> = ['admission', 'cedar', 'l4', 'l7', 'runtime']

export interface CombinedResult {
  status: ResultStatus
  blockedAt: Exclude<LayerId, 'declarations'> | null
}

/**
 * BLOCKED at the first enforcing layer that is DENY/FAIL; otherwise UNKNOWN when any layer
 * is UNKNOWN; otherwise ALLOWED (PASS, WARN and SKIP do not block). Declarations never
 * blocks by itself.
 */
export function combine(layers: LayerResult[]): CombinedResult {
  for (const id of ENFORCING) {
    const l = layers.find((x) => x.layer === id)
    if (l && isBlocking(l.status)) return {status: 'BLOCKED', blockedAt: id}
  }
  if (layers.some((l) => l.status === 'UNKNOWN')) return {status: 'UNKNOWN', blockedAt: null}
  return {status: 'ALLOWED', blockedAt: null}
}

export const EXIT_CODES: Record<ResultStatus, number> = {ALLOWED: 0, BLOCKED: 1, UNKNOWN: 3}
