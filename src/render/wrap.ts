// Text reports fit the terminal: every line is word-wrapped to the width with a hanging
// indent (continuation lines start deeper than the line they continue), and never broken
// inside a word unless the word alone is wider than the line. wrap-ansi does the ANSI-aware
// word wrapping; this module only decides the width and the indent. wrap-ansi 7 (the one
// oclif bundles too): 9's string-width builds an Intl.Segmenter at load and tests every
// character against the emoji pattern, ~15 ms of the README pair for the same output.

import wrapAnsi from 'wrap-ansi'

export const DEFAULT_WIDTH = 80
/** Below this a hanging indent leaves too little room; narrower requests are raised to it. */
export const MIN_WIDTH = 40

/**
 * The report width: `--width`, else `COLUMNS`, else the terminal's columns when stdout is
 * a TTY, else 80 (pipes, files, CI).
 */
export function terminalWidth(stream: {isTTY?: boolean; columns?: number} = process.stdout, env: NodeJS.ProcessEnv = process.env, flag?: number): number {
  const fromEnv = env.COLUMNS && /^\d+$/.test(env.COLUMNS) ? Number(env.COLUMNS) : undefined
  const width = flag ?? fromEnv ?? (stream.isTTY && stream.columns ? stream.columns : DEFAULT_WIDTH)
  return Math.max(MIN_WIDTH, width)
}

/**
 * One logical line as one or more physical lines of at most `width` columns. The hanging
 * indent is the line's own indent plus two (past a `- ` bullet); a YAML comment keeps its
 * `# ` on every continuation so the fix stays pasteable.
 */
export function wrapLine(line: string, width: number): string[] {
  if (visibleLength(line) <= width) return [line]
  const indent = /^ */.exec(line)![0].length
  const body = line.slice(indent)
  const bullet = /^(- |# )/.exec(body)?.[0] ?? ''
  const hang = ' '.repeat(indent + 2 + (bullet === '- ' ? 2 : 0))
  const cont = bullet === '# ' ? `${hang}# ` : hang
  // Soft first: words stay whole, so the rest can be re-joined with spaces and re-wrapped
  // at the continuation width. Only a word wider than a whole line is then cut (hard).
  const room = width - indent
  const soft = wrapAnsi(breakLongTokens(body, width - cont.length), room, {hard: false, trim: true}).split('\n')
  let head = soft[0]
  let rest = soft.slice(1).join(' ')
  if (visibleLength(head) > room) {
    const pieces = wrapAnsi(head, room, {hard: true, trim: true}).split('\n')
    head = pieces[0]
    rest = [pieces.slice(1).join(''), rest].filter(Boolean).join(' ')
  }
  const out = [' '.repeat(indent) + head]
  if (rest) out.push(...wrapAnsi(rest, width - cont.length, {hard: true, trim: true}).split('\n').map((l) => cont + l))
  return out
}

/**
 * A token wider than a continuation line (a long SPIFFE id, a Cedar entity, an image
 * digest) must be cut somewhere: cut it after a `/`, `:`, `@` or `,` rather than at an
 * arbitrary column, so each piece still reads as a path segment.
 */
function breakLongTokens(text: string, room: number): string {
  return text.split(' ').map((tok) => {
    if (tok.length <= room || tok.includes('\u001b')) return tok
    const pieces: string[] = []
    let rest = tok
    while (rest.length > room) {
      const window = rest.slice(0, room)
      const cut = Math.max(...['/', ':', '@', ','].map((c) => window.lastIndexOf(c))) + 1
      const at = cut > room / 3 ? cut : room
      pieces.push(rest.slice(0, at))
      rest = rest.slice(at)
    }
    return [...pieces, rest].filter(Boolean).join(' ')
  }).join(' ')
}

export function wrapLines(lines: string[], width: number): string[] {
  return lines.flatMap((l) => wrapLine(l, width))
}

// ECMA-48 SGR sequences, the only escapes the painter writes.
const SGR = /\u001b\[[0-9;]*m/g
export const visibleLength = (s: string) => [...s.replace(SGR, '')].length
