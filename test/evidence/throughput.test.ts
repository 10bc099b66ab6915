// Parser throughput on ztunnel plain lines (target ≥ 500k lines/s on a dev machine). The
// assertion floor is lower so a loaded CI box does not flake; it still catches accidental
// quadratic scanning or regex backtracking, which cost orders of magnitude.
import {readFileSync} from 'node:fs'
import {Readable} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {parseZtunnelLine, parseZtunnelLog} from '../../src/layers/istio/logs/index.js'
import {hasShared, sharedPath} from '../helpers/shared.js'

const FLOOR_LINES_PER_SEC = 75_000

function corpus(lines: string[], n: number): string[] {
  const out: string[] = []
  while (out.length < n) out.push(...lines)
  return out
}

describe.skipIf(!hasShared)('ztunnel parser throughput', () => {
  // The describe body runs even when skipped: read the samples only when they exist.
  const plain = hasShared ? readFileSync(sharedPath('samples', 'ztunnel', 'worker-a.plain.log'), 'utf8').split('\n').filter(Boolean) : []
  const accessOnly = plain.filter((l) => l.includes('\taccess\tconnection complete\t'))

  it.each([['sample mix', plain], ['access records only', accessOnly]])('parseZtunnelLine, %s', (_name, src) => {
    const lines = corpus(src as string[], 200_000)
    for (let i = 0; i < 20_000; i++) parseZtunnelLine(lines[i]) // warm up the JIT
    const start = performance.now()
    let records = 0
    for (const l of lines) if (parseZtunnelLine(l)) records++
    const perSec = lines.length / ((performance.now() - start) / 1000)
    console.log(`ztunnel plain (${_name}): ${Math.round(perSec).toLocaleString('en-US')} lines/s`)
    expect(records).toBeGreaterThan(lines.length / 2)
    expect(perSec).toBeGreaterThan(FLOOR_LINES_PER_SEC)
  })

  it('streams from a Readable in chunks', async () => {
    const lines = corpus(plain, 100_000)
    const text = lines.join('\n')
    const chunks: string[] = []
    for (let i = 0; i < text.length; i += 64 * 1024) chunks.push(text.slice(i, i + 64 * 1024))
    const start = performance.now()
    let records = 0
    for await (const _ of parseZtunnelLog(Readable.from(chunks))) records++
    const perSec = lines.length / ((performance.now() - start) / 1000)
    console.log(`ztunnel plain via parseZtunnelLog(Readable): ${Math.round(perSec).toLocaleString('en-US')} lines/s`)
    expect(records).toBe((lines.length / plain.length) * 13) // 13 records per copy of the 16-line sample
    expect(perSec).toBeGreaterThan(FLOOR_LINES_PER_SEC / 2)
  })
})
