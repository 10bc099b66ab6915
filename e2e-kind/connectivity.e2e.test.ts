// The seed scenarios on a real cluster: for each, the CLI's verdict (live, read-only) and the
// real connection outcome must agree. Needs the cluster of up.sh with deploy.sh's fleet; run
// through `npm run e2e:kind`.
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const CONTEXT = process.env.E2E_KUBE_CONTEXT ?? 'kind-platform-e2e'

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(cmd: string, args: string[], timeoutMs = 120_000): Run {
  const r = spawnSync(cmd, args, {cwd: ROOT, encoding: 'utf8', timeout: timeoutMs})
  return {code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? ''}
}

const kubectl = (...args: string[]) => run('kubectl', ['--context', CONTEXT, ...args])

interface Verdict {
  status: 'ALLOWED' | 'BLOCKED' | 'UNKNOWN'
  blockedAt: string | null
  exit: number
  drift: {change: string; kind: string; name: string}[]
}

/** `platform debug connectivity A B` against the cluster, JSON output. */
function diagnose(a: string, b: string, ...flags: string[]): Verdict {
  const r = run(process.execPath, [path.join(ROOT, 'bin/run.js'), 'debug', 'connectivity', a, b, '--context', CONTEXT, '--since', '2m', '-o', 'json', ...flags])
  if (r.code === 2) throw new Error(`platform exited 2: ${r.stderr}`)
  const json = JSON.parse(r.stdout)
  return {status: json.result.status, blockedAt: json.result.blockedAt, exit: r.code, drift: json.drift ?? []}
}

/** A real HTTP request from a pod of `from` (namespace/name) with python's urllib. */
function httpFrom(from: string, url: string): boolean {
  const [ns, name] = from.split('/')
  const code = `import urllib.request,sys\ntry:\n urllib.request.urlopen('${url}', timeout=5)\nexcept Exception as e:\n print(e); sys.exit(1)`
  return kubectl('-n', ns, 'exec', `deploy/${name}`, '--', '/usr/local/bin/python3', '-c', code).code === 0
}

/** A real PostgreSQL SSLRequest from a pod of `from`: an answer byte means the server got it. */
function postgresFrom(from: string, host: string): boolean {
  const [ns, name] = from.split('/')
  const code = [
    'import socket,sys',
    `s=socket.create_connection(('${host}',5432),timeout=5)`,
    "s.sendall(bytes([0,0,0,8,4,210,22,47]))",
    's.settimeout(5)',
    'sys.exit(0 if s.recv(1) in (b"N", b"S") else 1)',
  ].join('\n')
  return kubectl('-n', ns, 'exec', `deploy/${name}`, '--', '/usr/local/bin/python3', '-c', code).code === 0
}

function expectAgreement(v: Verdict, connected: boolean) {
  expect(v.status === 'ALLOWED', `CLI says ${v.status} (at ${v.blockedAt}); the connection ${connected ? 'succeeded' : 'failed'}`).toBe(connected)
}

describe('e2e: CLI verdict and real traffic agree (kind, Cilium, Istio ambient, Tetragon)', () => {
  beforeAll(() => {
    const nodes = kubectl('get', 'nodes', '-o', 'name')
    if (nodes.code !== 0) throw new Error(`no cluster at context ${CONTEXT}: ${nodes.stderr}`)
  })

  it('both sides declared: ALLOWED and the request succeeds', () => {
    const connected = httpFrom('commerce/checkout', 'http://payments.commerce:8080/')
    const v = diagnose('commerce/checkout', 'commerce/payments')
    expectAgreement(v, connected)
    expect(v.status).toBe('ALLOWED')
    expect(v.exit).toBe(0)
  })

  it('undeclared target: BLOCKED at L4 and the request fails', () => {
    const connected = httpFrom('commerce/payments', 'http://inventory.commerce/')
    const v = diagnose('commerce/payments', 'commerce/inventory')
    expectAgreement(v, connected)
    expect(v.blockedAt).toBe('l4')
  })

  it('one-sided declaration: BLOCKED at L4 and PostgreSQL is not reached', () => {
    const connected = postgresFrom('commerce/inventory', 'orders-db.commerce')
    const v = diagnose('commerce/inventory', 'commerce/orders-db')
    expectAgreement(v, connected)
    expect(v.blockedAt).toBe('l4')
  })

  it('Cedar denial: BLOCKED at Cedar, and the service does not exist to call', () => {
    const connected = httpFrom('commerce/checkout', 'http://reports.commerce:8080/')
    const v = diagnose('commerce/checkout', 'commerce/reports')
    expectAgreement(v, connected)
    expect(v.blockedAt).toBe('cedar')
  })

  describe('waypoint scaled to zero', () => {
    afterAll(() => {
      kubectl('-n', 'commerce', 'scale', 'deploy/commerce-waypoint', '--replicas=1')
      kubectl('-n', 'commerce', 'rollout', 'status', 'deploy/commerce-waypoint', '--timeout=180s')
    })

    it('with the waypoint up, GET through it is ALLOWED and succeeds', () => {
      const connected = httpFrom('commerce/checkout', 'http://catalog.commerce:8080/')
      const v = diagnose('commerce/checkout', 'commerce/catalog', '--method', 'GET', '--path', '/')
      expectAgreement(v, connected)
      expect(v.status).toBe('ALLOWED')
    })

    it('with no waypoint pod: BLOCKED at L7 (fails closed) and the request fails', () => {
      expect(kubectl('-n', 'commerce', 'scale', 'deploy/commerce-waypoint', '--replicas=0').code).toBe(0)
      kubectl('-n', 'commerce', 'wait', '--for=delete', 'pod', '-l', 'gateway.networking.k8s.io/gateway-name=commerce-waypoint', '--timeout=120s')
      const connected = httpFrom('commerce/checkout', 'http://catalog.commerce:8080/')
      const v = diagnose('commerce/checkout', 'commerce/catalog', '--method', 'GET', '--path', '/')
      expectAgreement(v, connected)
      expect(v.blockedAt).toBe('l7')
    })
  })

  describe('a CiliumNetworkPolicy deleted by hand', () => {
    let saved = ''
    let cnp = ''
    beforeAll(() => {
      // payments' own CNP: the one whose endpointSelector selects app.kubernetes.io/name=payments.
      const list = JSON.parse(kubectl('-n', 'commerce', 'get', 'cnp', '-o', 'json').stdout)
      const own = list.items.find((o: any) => o.spec?.endpointSelector?.matchLabels?.['k8s:app.kubernetes.io/name'] === 'payments')
      cnp = own.metadata.name
      saved = kubectl('-n', 'commerce', 'get', 'cnp', cnp, '-o', 'yaml').stdout
      expect(kubectl('-n', 'commerce', 'delete', 'cnp', cnp).code).toBe(0)
    })
    afterAll(() => {
      spawnSync('kubectl', ['--context', CONTEXT, 'apply', '-f', '-'], {input: saved, encoding: 'utf8'})
    })

    it('drift names the missing CNP, BLOCKED at L4, and the request fails', () => {
      const connected = httpFrom('commerce/checkout', 'http://payments.commerce:8080/')
      const v = diagnose('commerce/checkout', 'commerce/payments')
      expectAgreement(v, connected)
      expect(v.blockedAt).toBe('l4')
      expect(v.drift).toContainEqual(expect.objectContaining({change: 'missing', kind: 'CiliumNetworkPolicy', name: cnp}))
    })
  })

  it('a binary outside the allowlist: Tetragon kills it, BLOCKED at runtime with --client-binary', () => {
    // busybox's wget is in the image but not in checkout's allowlist (python3 and curl are).
    const r = kubectl('-n', 'commerce', 'exec', 'deploy/checkout', '--', '/bin/busybox', 'wget', '-q', '-O', '/dev/null', 'http://payments.commerce:8080/')
    expect(r.code, 'killed by SIGKILL (137)').toBe(137)
    const v = diagnose('commerce/checkout', 'commerce/payments', '--client-binary', '/bin/busybox')
    expectAgreement(v, false)
    expect(v.blockedAt).toBe('runtime')
  })
})
