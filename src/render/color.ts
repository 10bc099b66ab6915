// ANSI colour only on a TTY and never with NO_COLOR (https://no-color.org).
import type {LayerStatus} from '../core/result.js'

export function useColor(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb'
}

const CODES: Record<string, [number, number]> = {
  red: [31, 39], green: [32, 39], yellow: [33, 39], magenta: [35, 39], dim: [2, 22], bold: [1, 22],
}

export type Paint = (style: keyof typeof CODES, text: string) => string

export function painter(enabled: boolean): Paint {
  return (style, text) => (enabled ? `\u001b[${CODES[style][0]}m${text}\u001b[${CODES[style][1]}m` : text)
}

export function statusStyle(status: LayerStatus | 'ALLOWED' | 'BLOCKED'): keyof typeof CODES {
  switch (status) {
    case 'PASS': case 'ALLOWED': return 'green'
    case 'DENY': case 'FAIL': case 'BLOCKED': return 'red'
    case 'WARN': return 'yellow'
    case 'UNKNOWN': return 'magenta'
    default: return 'dim'
  }
}
