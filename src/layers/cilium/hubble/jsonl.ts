// `hubble observe -o jsonpb` output (one GetFlowsResponse per line), streamed: a saved file
// or a piped command stands in for a live Relay. Malformed or truncated lines are skipped.
import {toLineBatches, type LineSource} from '../../../core/io/lines.js'
import {responseFromJson, type HubbleRecord} from './normalize.js'

export async function* parseHubbleJsonl(input: LineSource): AsyncGenerator<HubbleRecord> {
  for await (const batch of toLineBatches(input)) {
    for (const line of batch) {
      if (line.charCodeAt(0) !== 123 /* { */) continue
      let obj: unknown
      try {
        obj = JSON.parse(line)
      } catch {
        continue
      }
      const rec = responseFromJson(obj)
      if (rec) yield rec
    }
  }
}
