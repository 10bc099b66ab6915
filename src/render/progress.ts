// Progress of the live reads on stderr: one line per source as it finishes. Only on a TTY
// and only for text output; JSON/YAML and pipes get nothing extra.
import type {DiagnosisEvent} from '../diagnose/model.js'
import {painter} from './color.js'

export function progressPrinter(stream: NodeJS.WriteStream, color: boolean): (e: DiagnosisEvent) => void {
  const paint = painter(color)
  return (e) => {
    if (e.type === 'source-finished') stream.write(paint('dim', `  ✓ ${e.source} (${Math.round(e.ms)} ms)`) + '\n')
    else if (e.type === 'source-failed') stream.write(paint('yellow', `  ✗ ${e.source}: ${e.reason}`) + '\n')
  }
}
