// Pod logs as a stream (GET .../pods/<pod>/log): ztunnel, waypoint and Tetragon
// export-stdout can be large, so callers parse line by line instead of buffering.
import {PassThrough, type Readable} from 'node:stream'
import {ClusterReadError} from './read-result.js'
import type {Transport} from './request.js'

export interface PodLogOptions {
  container: string
  /** Server-side window (the evidence window, e.g. --since). */
  sinceSeconds?: number
  limitBytes?: number
  /** Bounds the whole read, body included. */
  timeoutMs?: number
  signal?: AbortSignal
  /** Keep the stream open for new lines (watch mode); pair with sinceTime and no timeoutMs. */
  follow?: boolean
  /** RFC 3339: lines from this time on (instead of sinceSeconds). */
  sinceTime?: string
}

/**
 * The returned stream ends when the server closes the log, or errors with a
 * ClusterReadError (status not-found, forbidden, timeout, ...). Destroying it cancels the request.
 */
export function streamPodLogs(transport: Transport, namespace: string, pod: string, opts: PodLogOptions): Readable {
  const out = new PassThrough()
  const describe = `get pods/log ${pod} (container ${opts.container}) in namespace ${namespace}`
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`
  const query = {container: opts.container, sinceSeconds: opts.sinceSeconds, limitBytes: opts.limitBytes, ...(opts.follow ? {follow: 'true'} : {}), ...(opts.sinceTime ? {sinceTime: opts.sinceTime} : {})}
  void transport
    .stream({path, query, accept: '*/*', describe, on404: 'not-found', timeoutMs: opts.timeoutMs, signal: opts.signal})
    .then((opened) => {
      if (!opened.ok) {
        out.destroy(new ClusterReadError(opened))
        return
      }
      out.once('close', () => {
        if (!opened.response.complete) opened.abort()
      })
      opened.response.once('error', (error) => out.destroy(new ClusterReadError(opened.classify(error))))
      opened.response.pipe(out)
    })
    .catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))))
  return out
}
