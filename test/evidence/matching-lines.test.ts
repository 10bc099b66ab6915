// The byte-level pre-filter of pod logs keeps exactly the lines a per-line String.includes
// filter keeps, in the same order, however the stream is chunked.
import {Readable} from 'node:stream'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {matchingLineBatches, toLineBatches} from '../../src/core/io/lines.js'

async function collect(gen: AsyncGenerator<string[]>): Promise<string[]> {
  const out: string[] = []
  for await (const batch of gen) out.push(...batch)
  return out
}

function chunked(bytes: Buffer, cuts: number[]): Readable {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let prev = 0
  for (const p of [...points, bytes.length]) {
    if (p > prev) chunks.push(bytes.subarray(prev, p))
    prev = Math.max(prev, p)
  }
  return Readable.from(chunks, {objectMode: false})
}

const reference = async (text: string, needles: string[]) =>
  (await collect(toLineBatches(Readable.from([Buffer.from(text, 'utf8')])))).filter((l) => needles.some((n) => n.length > 0 && l.includes(n)))

describe('matchingLineBatches', () => {
  const alphabet = fc.constantFrom('a', 'b', 'é', '€', '😀', '\n', '\r\n', ' ', '10.0.0.1', 'spiffe://cluster.local/ns/x/sa/b')
  const text = fc.array(alphabet, {maxLength: 200}).map((xs) => xs.join(''))
  const needle = fc.constantFrom('a', 'ab', 'é', '€b', '😀', '10.0.0.1', 'sa/b', 'zz', '')

  it('keeps the same lines as a per-line includes filter, for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.array(needle, {minLength: 1, maxLength: 3}), fc.array(fc.nat(), {maxLength: 12}), async (t, needles, cuts) => {
        const got = await collect(matchingLineBatches(chunked(Buffer.from(t, 'utf8'), cuts), needles))
        expect(got).toEqual(await reference(t, needles))
      }),
      {numRuns: 400},
    )
  })

  it('handles a final unterminated line, CRLF and a match in the line spanning two chunks', async () => {
    const stream = Readable.from([Buffer.from('noise\r\nsrc=10.0'), Buffer.from('.0.1 ok\r\nother\nlast 10.0.0.1')])
    expect(await collect(matchingLineBatches(stream, ['10.0.0.1']))).toEqual(['src=10.0.0.1 ok', 'last 10.0.0.1'])
  })

  it('keeps a line once when several needles match it', async () => {
    const stream = Readable.from([Buffer.from('a b\nb\nc\n')])
    expect(await collect(matchingLineBatches(stream, ['a', 'b']))).toEqual(['a b', 'b'])
  })

  it('filters string sources too', async () => {
    expect(await collect(matchingLineBatches(['x1\nyy', 'x2'], ['x']))).toEqual(['x1', 'x2'])
  })
})
