// A Cedar pool worker (see pool.ts): its own cedar-wasm and engine over the fleet's loaded
// policies; claims chunks of requests from the shared counter until none is left and
// posts each chunk's verdicts. An exception ends the worker and reaches the main thread
// as the worker's `error` event.

import {parentPort, workerData} from 'node:worker_threads'
import {CedarEngine, type Verdict} from './engine.js'
import type {ChunkAnswer, PoolJob} from './pool.js'
import {loadCedarWasm} from './wasm.js'

const job = workerData as PoolJob
const engine = new CedarEngine(await loadCedarWasm(), job.policies, job.seed)
const next = new Int32Array(job.next)
const chunks = Math.ceil(job.requests.length / job.chunk)

for (let c = Atomics.add(next, 0, 1); c < chunks; c = Atomics.add(next, 0, 1)) {
  const table: Verdict[] = []
  const index = new Map<Verdict, number>()
  const picks: number[] = []
  for (const req of job.requests.slice(c * job.chunk, (c + 1) * job.chunk)) {
    const verdict = engine.authorize(req)
    let i = index.get(verdict)
    if (i === undefined) {
      i = table.length
      table.push(verdict)
      index.set(verdict, i)
    }
    picks.push(i)
  }
  const answer: ChunkAnswer = {chunk: c, table, picks}
  parentPort!.postMessage(answer)
}
