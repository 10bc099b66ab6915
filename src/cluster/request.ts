// The only code that talks HTTP to the API server. Credentials come from client-node
// (kubeconfig users, exec plugins, in-cluster tokens: applyToHTTPSOptions); the transport
// is node:http(s) so every request passes one guard, one recorder and one timeout, and
// objects stay plain JSON (client-node's typed clients turn timestamps into Dates).
import http from 'node:http'
import type http2 from 'node:http2'
import https from 'node:https'
import type {IncomingMessage} from 'node:http'
import {createHash} from 'node:crypto'
import type {KubeConfig} from '@kubernetes/client-node'
import {failure, ForbiddenRequestError, type ReadFailure, type ReadFault} from './read-result.js'
import type {Redactor} from './redact.js'
import {H2Sessions, type TlsSettings} from './h2.js'

export type HttpMethod = 'GET' | 'POST'

export interface RequestRecord {
  method: HttpMethod
  path: string
  query: Record<string, string>
  /** Set for the port-forward WebSocket (an HTTP GET upgrade). */
  upgrade?: 'websocket'
}

export type RequestRecorder = (record: RequestRecord) => void

export interface RequestSpec {
  method?: HttpMethod
  path: string
  query?: Record<string, string | number | undefined>
  body?: unknown
  accept?: string
  timeoutMs?: number
  signal?: AbortSignal
  /** What is being done, for reasons: `list ciliumnetworkpolicies.cilium.io in namespace commerce`. */
  describe: string
  /** How a 404 reads: a missing CRD collection or a missing named object. */
  on404: 'not-installed' | 'not-found'
}

export const SELF_SUBJECT_ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
const MAX_BODY_BYTES = 64 * 1024 * 1024

/** Throws before anything is sent: the CLI reads, it never writes, and never touches Secrets. */
export function assertAllowed(method: string, path: string): void {
  const bare = safeDecode(path.split('?')[0]).toLowerCase()
  if (bare.includes('/secrets')) {
    throw new ForbiddenRequestError(`refusing ${method} ${bare}: platform never reads Secrets`)
  }
  if (method === 'GET') return
  if (method === 'POST' && bare === SELF_SUBJECT_ACCESS_REVIEW_PATH) return
  throw new ForbiddenRequestError(`refusing ${method} ${bare}: platform only reads from the cluster`)
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

export interface StreamOpened {
  ok: true
  response: IncomingMessage
  /** Stops the request (the consumer lost interest). */
  abort(): void
  /** Classifies an error raised while the body streams (a timeout, a reset). */
  classify(error: unknown): ReadFailure
}

export interface Transport {
  json(spec: RequestSpec): Promise<{ok: true; body: string} | ReadFailure>
  stream(spec: RequestSpec): Promise<StreamOpened | ReadFailure>
}

export class KubeRequester implements Transport {
  constructor(
    private readonly kc: KubeConfig,
    private readonly server: string,
    private readonly redactor: Redactor,
    private readonly defaultTimeoutMs: number,
    private readonly recorder?: RequestRecorder,
  ) {}

  /** Keep-alive agents of this cluster, by TLS identity (see keepAliveAgent). */
  private readonly agents = new Map<string, http.Agent>()

  /** HTTP/2 sessions, by the same TLS identity, when the server offers h2. */
  private h2Sessions?: H2Sessions
  private get h2(): H2Sessions {
    this.h2Sessions ??= new H2Sessions(this.defaultTimeoutMs)
    return this.h2Sessions
  }

  /** The TLS identity of a plain client-node agent (proxy agents have none: they are used as built). */
  private tlsIdentity(agent: http.Agent | boolean | undefined): {key: string; kind: typeof http.Agent; options: Record<string, unknown>} | undefined {
    if (!agent || typeof agent === 'boolean') return undefined
    const kind = agent.constructor === https.Agent ? https.Agent : agent.constructor === http.Agent ? http.Agent : undefined
    if (!kind) return undefined
    const options = (agent as http.Agent & {options?: Record<string, unknown>}).options ?? {}
    const identity = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername', 'ciphers', 'secureProtocol', 'crl']
      .map((k) => `${k}=${JSON.stringify(options[k] ?? null)}`)
    return {key: createHash('sha256').update(`${kind.name}\n${identity.join('\n')}`).digest('hex'), kind, options}
  }

  /**
   * client-node's applyToHTTPSOptions builds a new agent on every call, so every request
   * paid a TCP connect and a TLS handshake (30 per live pair). Credentials (headers, exec
   * tokens) are still applied per request; the transport is one keep-alive agent per TLS
   * identity (CA, client certificate, verification, SNI), reused across the pair's waves.
   * Proxy agents (another class) are used as built. Idle sockets are unref'd by Node, so a
   * pooled connection never keeps the process alive.
   */
  private keepAliveAgent(agent: http.Agent | boolean | undefined): http.Agent | boolean | undefined {
    const id = this.tlsIdentity(agent)
    if (!id) return agent
    let pooled = this.agents.get(id.key)
    if (!pooled) {
      pooled = new id.kind({...id.options, keepAlive: true})
      this.agents.set(id.key, pooled)
    }
    return pooled
  }

  /** Requests opened but not yet written out to the socket (see allSent). */
  private readonly sending = new Set<Promise<void>>()

  /**
   * Resolves when every request opened so far has been written to its socket (or failed).
   * Sending needs turns of the event loop (credentials, connect, TLS), so a caller that is
   * about to run long synchronous work (the compile) waits for this first: the requests
   * are then on the wire and the server answers while the CPU works.
   */
  async allSent(): Promise<void> {
    await Promise.all([...this.sending])
  }

  record(record: RequestRecord): void {
    assertAllowed(record.method, record.path)
    this.recorder?.(record)
  }

  async json(spec: RequestSpec): Promise<{ok: true; body: string} | ReadFailure> {
    const opened = await this.open(spec)
    if (!opened.ok) return opened
    try {
      const body = await readBody(opened.response)
      opened.signals.dispose()
      return {ok: true, body}
    } catch (error) {
      return this.fault(error, opened.signals, spec)
    }
  }

  /** The timeout covers the whole body: a log read is one bounded source like any other. */
  async stream(spec: RequestSpec): Promise<StreamOpened | ReadFailure> {
    const opened = await this.open(spec)
    if (!opened.ok) return opened
    const {response, signals} = opened
    response.once('close', () => signals.dispose())
    return {
      ok: true,
      response,
      abort: () => signals.cancel.abort(),
      classify: (error) => this.fault(error, signals, spec),
    }
  }

  private async open(spec: RequestSpec): Promise<
    {ok: true; response: IncomingMessage; signals: Signals} | ReadFailure
  > {
    const method = spec.method ?? 'GET'
    const query = stringQuery(spec.query)
    assertAllowed(method, spec.path)
    this.recorder?.({method, path: spec.path, query})
    let markSent = () => {}
    const sent = new Promise<void>((resolve) => (markSent = resolve))
    this.sending.add(sent)
    void sent.then(() => this.sending.delete(sent))
    try {
      return await this.send(spec, method, query, markSent)
    } finally {
      markSent()
    }
  }

  private async send(spec: RequestSpec, method: HttpMethod, query: Record<string, string>, markSent: () => void): Promise<
    {ok: true; response: IncomingMessage; signals: Signals} | ReadFailure
  > {
    const options: https.RequestOptions = {}
    try {
      await this.kc.applyToHTTPSOptions(options)
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error)
      return failure('unauthorized', `unauthorized: cannot obtain credentials for ${spec.describe}: ${this.redactor.oneLine(text, 160)}`)
    }
    const url = new URL(this.server + spec.path)
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
    const timeoutMs = spec.timeoutMs ?? this.defaultTimeoutMs
    const signals = makeSignals(timeoutMs, spec.signal)
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body)
    const headers: Record<string, string | string[] | number> = {
      ...(options.headers as Record<string, string> | undefined),
      Accept: spec.accept ?? 'application/json',
      'User-Agent': 'platform-cli',
    }
    if (payload !== undefined) headers['Content-Type'] = 'application/json'
    const mod = url.protocol === 'http:' ? http : https
    const id = url.protocol === 'https:' ? this.tlsIdentity(options.agent) : undefined
    const session = id?.kind === https.Agent ? await this.h2.session(id.key, url, id.options as TlsSettings) : undefined
    if (session) return this.sendH2(session, url, method, headers, options.auth, payload, signals, spec, markSent)

    const response = new Promise<IncomingMessage>((resolve, reject) => {
      const req = mod.request(url, {method, headers, agent: this.keepAliveAgent(options.agent), auth: options.auth}, resolve)
      req.on('error', reject)
      // destroy() rather than the `signal` option: it also ends a response that is already
      // streaming, and interceptors (nock) honour it in every phase of the request.
      cancelOn(signals, req)
      req.once('finish', markSent)
      req.end(payload)
    })
    return this.answer(response, signals, spec)
  }

  /** A 2xx response to read, or the failure the response (or its absence) means. */
  private async answer(pending: Promise<IncomingMessage>, signals: Signals, spec: RequestSpec): Promise<{ok: true; response: IncomingMessage; signals: Signals} | ReadFailure> {
    try {
      const response = await pending
      const code = response.statusCode ?? 0
      if (code >= 200 && code < 300) return {ok: true, response, signals}
      const body = await readBody(response).catch(() => '')
      signals.dispose()
      return httpFailure(code, body, spec, this.redactor)
    } catch (error) {
      return this.fault(error, signals, spec)
    }
  }

  /** The same request as one stream of the cluster's HTTP/2 session; the response reads like an IncomingMessage. */
  private async sendH2(session: http2.ClientHttp2Session, url: URL, method: HttpMethod, headers: Record<string, string | string[] | number>, auth: string | null | undefined, payload: string | undefined, signals: Signals, spec: RequestSpec, markSent: () => void): Promise<
    {ok: true; response: IncomingMessage; signals: Signals} | ReadFailure
  > {
    const h2headers: http2.OutgoingHttpHeaders = {':method': method, ':path': url.pathname + url.search}
    for (const [k, v] of Object.entries(headers)) {
      const name = k.toLowerCase()
      // Connection-specific headers do not exist in HTTP/2.
      if (!['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection'].includes(name)) h2headers[name] = v
    }
    if (auth && h2headers.authorization === undefined) h2headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      const stream = session.request(h2headers, {endStream: payload === undefined})
      this.h2.track(session, stream)
      stream.once('error', reject)
      cancelOn(signals, stream)
      stream.once('ready', markSent)
      stream.once('response', (h) => {
        // What the callers read of an IncomingMessage: the status, the body as a stream, `complete`.
        const message = Object.assign(stream, {statusCode: Number(h[':status']), complete: false})
        stream.once('end', () => (message.complete = true))
        resolve(message as unknown as IncomingMessage)
      })
      if (payload !== undefined) stream.end(payload)
    })
    return this.answer(response, signals, spec)
  }

  private fault(error: unknown, signals: Signals, spec: RequestSpec): ReadFailure {
    signals.dispose()
    if (signals.cancelled() && !signals.timedOut()) return failure('timeout', `timeout: ${spec.describe}: cancelled`)
    return classifyError(error, spec, signals.timedOut(), this.redactor, spec.timeoutMs ?? this.defaultTimeoutMs)
  }
}

interface Signals {
  combined: AbortSignal
  cancel: AbortController
  timedOut(): boolean
  cancelled(): boolean
  dispose(): void
}

function makeSignals(timeoutMs: number, external?: AbortSignal): Signals {
  const cancel = new AbortController()
  const timeout = new AbortController()
  // A plain timer (not AbortSignal.timeout) so it can be cleared and never keeps the CLI alive.
  const timer = setTimeout(() => timeout.abort(), timeoutMs)
  timer.unref()
  const parts = [cancel.signal, timeout.signal, ...(external ? [external] : [])]
  return {
    combined: AbortSignal.any(parts),
    cancel,
    timedOut: () => timeout.signal.aborted,
    cancelled: () => cancel.signal.aborted || Boolean(external?.aborted),
    dispose: () => clearTimeout(timer),
  }
}

function stringQuery(query: RequestSpec['query']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') out[k] = String(v)
  return out
}

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of response) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) {
      response.destroy()
      throw Object.assign(new Error(`response larger than ${MAX_BODY_BYTES} bytes`), {code: 'EBODYTOOLARGE'})
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function statusMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as {kind?: string; message?: unknown}
    return parsed && typeof parsed.message === 'string' ? parsed.message : undefined
  } catch {
    return undefined
  }
}

export function httpFailure(code: number, body: string, spec: RequestSpec, redactor: Redactor): ReadFailure {
  const detail = statusMessage(body)
  const suffix = detail ? ` (${redactor.oneLine(detail, 160)})` : ''
  switch (true) {
    case code === 401:
      return failure('unauthorized', `unauthorized: credentials rejected for ${spec.describe}`)
    case code === 403:
      return failure('forbidden', `forbidden: cannot ${spec.describe}`)
    case code === 404 && spec.on404 === 'not-installed':
      return failure('not-installed', `not installed: ${spec.describe} (the API server does not serve this resource)`)
    case code === 404:
      return failure('not-found', `not found: ${spec.describe}`)
    case code === 408 || code === 504:
      return failure('timeout', `timeout: ${spec.describe}: server answered ${code}${suffix}`)
    default:
      return failure('server-error', `server error: ${spec.describe}: HTTP ${code}${suffix}`)
  }
}

function classifyError(error: unknown, spec: RequestSpec, timedOut: boolean, redactor: Redactor, timeoutMs: number): ReadFailure {
  const e = error as {code?: string; name?: string; message?: string}
  const code = e?.code ?? ''
  const message = redactor.oneLine(e?.message ?? String(error), 160)
  let status: ReadFault = 'unreachable'
  let reason: string
  if (timedOut || e?.name === 'AbortError' || code === 'ETIMEDOUT' || code === 'ABORT_ERR') {
    status = 'timeout'
    reason = `timeout: ${spec.describe}: no answer within ${timeoutMs} ms`
  } else if (code === 'EBODYTOOLARGE') {
    status = 'malformed'
    reason = `malformed: ${spec.describe}: ${message}`
  } else if (code.startsWith('ERR_TLS') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    reason = `unreachable: ${spec.describe}: TLS verification failed (${code})`
  } else {
    // ECONNREFUSED, ENOTFOUND, ECONNRESET, socket hang up...: the server could not be talked to.
    reason = `unreachable: ${spec.describe}: ${message}`
  }
  return failure(status, reason)
}

/** Ends the request (and a response already streaming) when the signals abort. */
function cancelOn(signals: Signals, request: {destroy(error: Error): unknown; once(event: 'close', listener: () => void): unknown}): void {
  const stop = () => request.destroy(Object.assign(new Error('request aborted'), {code: 'ABORT_ERR'}))
  if (signals.combined.aborted) stop()
  else signals.combined.addEventListener('abort', stop, {once: true})
  request.once('close', () => signals.combined.removeEventListener('abort', stop))
}
