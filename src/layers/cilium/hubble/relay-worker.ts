// Worker-thread entry of relay-read.ts: connects to Relay as soon as it starts (workerData:
// the client options), then answers one `read` message with the flows, or says why not.
import {parentPort, workerData} from 'node:worker_threads'
import {createHubbleClient, type HubbleClient, type HubbleClientOptions} from './client.js'
import {readRelayFlows, type RelayFlowsRequest} from './relay-read.js'

const port = parentPort!
const client: Promise<HubbleClient> = createHubbleClient(workerData as HubbleClientOptions)
client.then((c) => c.connected()).then(() => port.postMessage({type: 'connected'}), () => port.postMessage({type: 'connected'}))

port.on('message', (m: {type: 'read'; request: RelayFlowsRequest}) => {
  if (m.type !== 'read') return
  void (async () => {
    let c: HubbleClient | undefined
    try {
      c = await client
      port.postMessage({type: 'done', result: await readRelayFlows(c, m.request)})
    } catch (error) {
      port.postMessage({type: 'failed', message: error instanceof Error ? error.message : String(error)})
    } finally {
      c?.close()
    }
  })()
})
