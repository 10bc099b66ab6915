// Worker-thread entry of thread.ts: compiles cedar-wasm as soon as it starts, then answers
// with one CedarEngine over the policies the main thread loaded: each batch of requests as
// it arrives, every verdict in request order, then `end`.
import {parentPort, workerData} from 'node:worker_threads'
import {CedarEngine} from './engine.js'
import type {FromWorker, ToWorker, WorkerStart} from './thread.js'
import {loadCedarWasmSync} from './wasm.js'

const port = parentPort!
const {services} = workerData as WorkerStart
const cedar = loadCedarWasmSync({services})
let engine: CedarEngine | undefined
port.on('message', (m: ToWorker) => {
  if (m.type === 'policies') engine = new CedarEngine(cedar, m.policies)
  else if (m.type === 'ask') port.postMessage({type: 'verdicts', verdicts: m.requests.map((r) => engine!.authorize(r))} satisfies FromWorker)
  else port.postMessage({type: 'end'} satisfies FromWorker)
})
