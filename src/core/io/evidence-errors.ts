// gRPC failures turned into one-line messages that name the source, the call and the
// address, so the diagnosis can report "L4 evidence unavailable: ..." instead of a stack.

/** A live evidence source failed (unreachable, timed out, refused). */
export class EvidenceSourceError extends Error {
  constructor(readonly sourceName: string, readonly code: string | undefined, message: string) {
    super(message)
    this.name = 'EvidenceSourceError'
  }
}

interface GrpcLikeError {
  code?: number
  details?: string
  message?: string
}

const CODE_NAMES: Record<number, string> = {
  1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED', 12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE', 16: 'UNAUTHENTICATED',
}

export function grpcCodeName(code: number | undefined): string | undefined {
  return code === undefined ? undefined : CODE_NAMES[code] ?? `code ${code}`
}

export function toEvidenceError(sourceName: string, call: string, address: string, err: unknown, timeoutMs?: number): EvidenceSourceError {
  if (err instanceof EvidenceSourceError) return err
  const e = (err ?? {}) as GrpcLikeError
  const code = grpcCodeName(e.code)
  const details = tidyDetails(e.details || e.message || String(err))
  const where = `${sourceName}: ${call} at ${address}`
  switch (e.code) {
    case 4:
      return new EvidenceSourceError(sourceName, code, `${where} timed out${timeoutMs ? ` after ${timeoutMs}ms` : ''} (DEADLINE_EXCEEDED)`)
    case 14:
      return new EvidenceSourceError(sourceName, code, `${where} is unavailable (UNAVAILABLE: ${details})`)
    case 12:
      return new EvidenceSourceError(sourceName, code, `${where} is not implemented by the server (UNIMPLEMENTED); is this the right service?`)
    default:
      return new EvidenceSourceError(sourceName, code, `${where} failed${code ? ` (${code})` : ''}: ${details}`)
  }
}

/**
 * grpc-js details read like "No connection established. Last error: Error: connect
 * ECONNREFUSED 127.0.0.1:1. Resolution note: ": keep the cause, drop the empty note and the
 * doubled "Error:".
 */
function tidyDetails(details: string): string {
  return details
    .replace(/\s*Resolution note:\s*$/, '')
    .replace(/Last error: Error: /, 'last error: ')
    .replace(/\.\s*$/, '')
    .trim()
}
