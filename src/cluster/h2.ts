// HTTP/2 to the API server when it offers it in the TLS handshake (ALPN), as kubectl and
// client-go do: every request of a run is a stream on one connection. Over HTTP/1.1 each
// request in flight needs its own connection, so a live pair's parallel waves opened ~30
// TLS connections (~1.8 ms of client CPU each, and the second wave left only once the first
// wave's handshakes were done). A server that does not choose h2 (kubectl proxy is plain
// HTTP and never gets here; an old or proxied endpoint may) is asked once per run, then
// every request goes through the HTTP/1.1 keep-alive agent as before.
import http2 from 'node:http2'
import {isIP} from 'node:net'
import tls from 'node:tls'

/** TLS settings of the cluster (from client-node's agent options). */
export type TlsSettings = Pick<tls.ConnectionOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername' | 'ciphers' | 'secureProtocol' | 'crl'>

const STREAM_WINDOW = 8 * 1024 * 1024
const SESSION_WINDOW = 64 * 1024 * 1024

export class H2Sessions {
  /** One session (or the answer "no h2") per TLS identity; see KubeRequester.keepAliveAgent. */
  private readonly sessions = new Map<string, Promise<http2.ClientHttp2Session | undefined>>()
  private readonly active = new Map<http2.ClientHttp2Session, number>()

  constructor(private readonly handshakeTimeoutMs: number) {}

  /** The session for this identity, or undefined when the server does not speak h2 (use HTTP/1.1). */
  session(identity: string, origin: URL, settings: TlsSettings): Promise<http2.ClientHttp2Session | undefined> {
    let s = this.sessions.get(identity)
    if (!s) {
      s = this.open(origin, settings)
      this.sessions.set(identity, s)
      void s.then((session) => {
        // A closed or failed session is replaced on the next request; "no h2" is kept.
        const forget = () => {
          if (this.sessions.get(identity) === s) this.sessions.delete(identity)
          this.active.delete(session!)
        }
        session?.once('close', forget)
        session?.once('goaway', forget)
        session?.on('error', forget)
      })
    }
    return s
  }

  /** Keeps the process alive while a stream is open (an idle session never does). */
  track(session: http2.ClientHttp2Session, stream: http2.ClientHttp2Stream): void {
    this.active.set(session, (this.active.get(session) ?? 0) + 1)
    session.ref()
    stream.once('close', () => {
      const n = (this.active.get(session) ?? 1) - 1
      this.active.set(session, n)
      if (n === 0 && !session.destroyed) session.unref()
    })
  }

  private open(origin: URL, settings: TlsSettings): Promise<http2.ClientHttp2Session | undefined> {
    return new Promise((resolve) => {
      const host = origin.hostname.replace(/^\[|\]$/g, '')
      const socket = tls.connect({
        ...settings,
        host,
        port: Number(origin.port || 443),
        ...(settings.servername || isIP(host) ? {} : {servername: host}),
        ALPNProtocols: ['h2', 'http/1.1'],
      })
      const giveUp = () => {
        socket.destroy()
        resolve(undefined)
      }
      // Any failure here (refused, untrusted certificate, no answer) is left to the HTTP/1.1
      // request, which fails the same way and says so in the usual terms.
      socket.setTimeout(this.handshakeTimeoutMs, giveUp)
      socket.once('error', giveUp)
      socket.once('secureConnect', () => {
        socket.setTimeout(0)
        socket.removeListener('error', giveUp)
        if (socket.alpnProtocol !== 'h2') return giveUp()
        // Large receive windows: the main thread compiles while log streams arrive, and with
        // HTTP/2's default 64 KiB window the server would wait for it instead of sending on.
        const session = http2.connect(origin, {createConnection: () => socket, settings: {initialWindowSize: STREAM_WINDOW}})
        session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW))
        session.on('error', () => undefined)
        session.unref()
        resolve(session)
      })
    })
  }
}
