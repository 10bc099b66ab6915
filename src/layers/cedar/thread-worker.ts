// Worker-thread entry of thread.ts: compiles cedar-wasm as soon as it starts, then answers
// with one CedarEngine over the policies the main thread loaded: each batch of requests as
// it arrives, unless the main thread claimed it first, every verdict in request order, then
// `end`.
import {parentPort, workerData} from 'node:worker_threads'
import {CedarEngine} from './engine.js'
import {CLAIM, type FromWorker, type ToWorker, type WorkerStart} from './thread.js'
import {loadCedarWasmSync} from './wasm.js'

const port = parentPort!
const {services} = workerData as WorkerStart
const cedar = loadCedarWasmSync({services})
let engine: CedarEngine | undefined
port.on('message', (m: ToWorker) => {
  if (m.type === 'policies') engine = new CedarEngine(cedar, m.policies)
  else if (m.type === 'end') port.postMessage({type: 'end'} satisfies FromWorker)
  else if (Atomics.compareExchange(new Int32Array(m.claim), 0, CLAIM.free, CLAIM.worker) !== CLAIM.free) port.postMessage({type: 'verdicts', batch: m.batch} satisfies FromWorker)
  else port.postMessage({type: 'verdicts', batch: m.batch, verdicts: m.requests.map((r) => engine!.authorize(r))} satisfies FromWorker)
})
