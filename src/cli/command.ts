// The base of every command: flag and argument parse errors become one line with the closest
// valid flag and exit 2, like every other input error (oclif prints the whole usage instead).
import {Command, Errors} from '@oclif/core'
import {didYouMean} from '../core/suggest.js'

interface ParseErrorLike {
  message: string
  flags?: string[]
  parse?: {input?: {flags?: Record<string, {char?: string}>}}
  oclif?: {exit?: number}
}

/** The one-line message for an oclif parse error, or undefined when `err` is not one. */
export function parseErrorLine(bin: string, commandId: string, err: unknown): string | undefined {
  const e = err as ParseErrorLike
  if (!(err instanceof Errors.CLIError) || !('parse' in (err as object))) return undefined
  const usage = `see "${bin} ${commandId.split(':').join(' ')} --help"`
  const known = Object.entries(e.parse?.input?.flags ?? {}).flatMap(([name, f]) => [`--${name}`, ...(f.char ? [`-${f.char}`] : [])])
  if (Array.isArray(e.flags) && e.flags.length > 0) {
    const parts = e.flags.map((flag) => `${flag}${didYouMean(flag.split('=')[0]!, known)}`)
    return `${bin}: unknown flag${parts.length > 1 ? 's' : ''} ${parts.join(', ')}; ${usage}`
  }
  const first = e.message.replace(/\nSee more help with --help\s*$/, '').replace(/\s*\n\s*/g, ' ').trim()
  return `${bin}: ${first}; ${usage}`
}

export abstract class PlatformCommand extends Command {
  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    const line = parseErrorLine(this.config.bin, this.id ?? '', err)
    if (line === undefined) return super.catch(err)
    process.stderr.write(`${line}\n`)
    await new Promise<void>((resolve) => process.stderr.write('', () => resolve()))
    return this.exit(2)
  }
}
