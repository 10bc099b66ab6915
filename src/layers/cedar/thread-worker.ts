// Worker-thread entry of thread.ts: compiles cedar-wasm as soon as it starts, then answers
// the one message it gets (the main thread's loaded policies and its requests) with one
// CedarEngine over those policies, every verdict in request order, in one message.
import {parentPort, workerData} from 'node:worker_threads'
import {CedarEngine} from './engine.js'
import type {WorkerAsk, WorkerStart} from './thread.js'
import {loadCedarWasmSync} from './wasm.js'

const {services} = workerData as WorkerStart
const cedar = loadCedarWasmSync({services})
parentPort!.once('message', ({policies, requests}: WorkerAsk) => {
  const engine = new CedarEngine(cedar, policies)
  parentPort!.postMessage(requests.map((r) => engine.authorize(r)))
})
