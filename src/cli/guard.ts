// Every command body runs inside `guard`: input errors become one line on stderr and exit
// code 2, never a stack trace. Unexpected errors are reported the same way (with a hint);
// the stack is shown only with DEBUG=platform.

import {InconclusiveError, InputError} from '../core/errors.js'
import {defaultRedactor} from '../cluster/redact.js'

export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

/**
 * Runs a command body and returns its exit code once stdout and stderr are flushed: a
 * non-zero code ends the process with process.exit, which drops whatever a pipe has not
 * taken yet (a blocked `-o json` report piped to jq was cut at 64 KB).
 */
export async function guard(fn: () => Promise<number>): Promise<number> {
  const code = await run(fn)
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  return code
}

/** Resolves when everything written to the stream so far has been handed to the OS. */
export function flushed(stream: NodeJS.WritableStream): Promise<void> {
  // Writes complete in order: the callback of an empty write runs after all earlier ones.
  return new Promise((resolve) => stream.write('', () => resolve()))
}

async function run(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof ExitCode) return err.code
    const debug = (process.env.DEBUG ?? '').split(',').includes('platform')
    if (err instanceof InconclusiveError) {
      process.stderr.write(`platform: UNKNOWN: ${oneLine(err.message)}\n`)
      return 3
    }
    if (err instanceof InputError) {
      process.stderr.write(`platform: ${oneLine(err.message)}\n`)
      return 2
    }
    process.stderr.write(`platform: internal error: ${oneLine((err as Error)?.message ?? String(err))}${debug ? '' : ' (set DEBUG=platform for details)'}\n`)
    if (debug) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`)
    return 2
  }
}

/** One line, and never a credential: every message the CLI prints about an error passes here. */
export function oneLine(s: string): string {
  return defaultRedactor.redact(s).replace(/\s*\n\s*/g, ' ').trim()
}
