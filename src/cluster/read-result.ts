// The outcome of one read. Callers never see exceptions from the API: every failure is
// classified so a layer can turn it into SKIP (not-installed) or UNKNOWN (everything else).

export type ReadFault =
  | 'not-installed'
  | 'forbidden'
  | 'unauthorized'
  | 'timeout'
  | 'unreachable'
  | 'server-error'
  | 'malformed'
  | 'not-found'

export interface ReadFailure {
  ok: false
  status: ReadFault
  /** One line, no secrets, e.g. `forbidden: cannot list ciliumnetworkpolicies.cilium.io in namespace commerce`. */
  reason: string
}

export type ReadResult<T> = {ok: true; items: T[]} | ReadFailure

export function ok<T>(items: T[]): ReadResult<T> {
  return {ok: true, items}
}

export function failure(status: ReadFault, reason: string): ReadFailure {
  return {ok: false, status, reason}
}

/** Thrown only where a stream or a handle cannot carry a ReadResult (pod logs, port-forward). */
export class ClusterReadError extends Error {
  readonly status: ReadFault
  constructor(fault: ReadFailure) {
    super(fault.reason)
    this.name = 'ClusterReadError'
    this.status = fault.status
  }
}

/** Raised by the request layer before anything is sent: a programming error, never a cluster state. */
export class ForbiddenRequestError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ForbiddenRequestError'
  }
}
