// Input errors: bad files, bad YAML, unknown kinds, bad flags. The CLI prints the message
// as one line and exits 2, never a stack trace.

export class InputError extends Error {
  readonly exitCode = 2
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}

/** `file: field.path: what is wrong` (any part may be absent). */
export function inputError(file: string | undefined, fieldPath: string | undefined, what: string): InputError {
  const parts = [file, fieldPath, what].filter((p): p is string => Boolean(p))
  return new InputError(parts.join(': '))
}

/**
 * The question cannot be answered (the cluster is unreachable, the pair cannot be read):
 * one line on stderr and exit 3, like an UNKNOWN result — never ALLOWED.
 */
export class InconclusiveError extends Error {
  readonly exitCode = 3
  constructor(message: string) {
    super(message)
    this.name = 'InconclusiveError'
  }
}
