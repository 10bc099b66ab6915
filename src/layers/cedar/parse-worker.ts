// Worker-thread entry of parse-offthread.ts: compiles cedar-wasm as soon as it starts, then
// answers one `parse` message with the parse of each CedarPolicy object's text
// (policy-set.ts parsePolicyObject, the function the main thread would run).
import {parentPort, workerData} from 'node:worker_threads'
import {parsePolicyObject, type ParsedPolicyObject} from './policy-set.js'
import {loadCedarWasmSync, type WasmLoadOptions} from './wasm.js'

const port = parentPort!
let cedar: ReturnType<typeof loadCedarWasmSync> | undefined
let failure: string | undefined
try {
  cedar = loadCedarWasmSync(workerData as WasmLoadOptions)
} catch (error) {
  failure = error instanceof Error ? error.message : String(error)
}

port.on('message', (m: {type: 'parse'; items: Array<{object: string; text: string}>}) => {
  if (m.type !== 'parse') return
  try {
    if (!cedar) throw new Error(failure ?? 'cedar-wasm not loaded')
    const parsed: ParsedPolicyObject[] = m.items.map(({object, text}) => ({object, text, parsed: parsePolicyObject(cedar!, object, text)}))
    port.postMessage({type: 'parsed', parsed})
  } catch (error) {
    port.postMessage({type: 'failed', message: error instanceof Error ? error.message : String(error)})
  }
})
