// Worker-thread entry of parse-offthread.ts: compiles cedar-wasm as soon as it starts, then
// parses the CedarPolicy objects of the `parse` message one by one (policy-set.ts
// parsePolicyObject, the function the main thread would run), in the REVERSE of the order
// the main thread loads them, posting each on the given port as it is done. The main thread
// takes what is done from the port synchronously as it reaches each object and parses the
// others itself: the two meet in the middle, and nobody waits.
import {type MessagePort, workerData} from 'node:worker_threads'
import {orderPolicyObjects, parsePolicyObject} from './policy-set.js'
import type {CedarPolicyObject} from '../../spec/model.js'
import {loadCedarWasmSync, type WasmLoadOptions} from './wasm.js'

const {port, wasm} = workerData as {port: MessagePort; wasm: WasmLoadOptions}
let cedar: ReturnType<typeof loadCedarWasmSync> | undefined
try {
  cedar = loadCedarWasmSync(wasm)
} catch {
  // Nothing posted: the main thread parses everything, and reports any error itself.
}

port.on('message', (m: {type: 'parse'; objects: CedarPolicyObject[]}) => {
  if (m.type !== 'parse' || !cedar) return port.close()
  for (const o of orderPolicyObjects(m.objects).reverse()) {
    const text = o.spec.policies ?? ''
    port.postMessage({object: o.metadata.name, text, parsed: parsePolicyObject(cedar, o.metadata.name, text)})
  }
  port.close()
})
