// Starts a bench server script (bench/live/servers.ts, bench/triage/servers.ts) in its own
// process, so the servers' CPU is not the measured process's, and waits for the one JSON
// line it prints with its addresses. Shared by every benchmark that talks to them.
import {spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export async function launchServers<T>(script: string, args: string[]): Promise<{info: T; stop(): void}> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {cwd: root, stdio: ['ignore', 'pipe', 'inherit']})
  const line = await new Promise<string>((resolve, reject) => {
    let buf = ''
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      const nl = buf.indexOf('\n')
      if (nl >= 0) resolve(buf.slice(0, nl))
    })
    child.once('exit', (code) => reject(new Error(`servers exited (${code})`)))
  })
  return {info: JSON.parse(line) as T, stop: () => child.kill('SIGTERM')}
}

/** What bench/live/servers.ts prints once listening (the fields the benchmarks read). */
export interface LiveServerInfo {
  api: string
  hubble: string
  kubeconfig: string
  pair: {source: {namespace: string; name: string}; target: {namespace: string; name: string}}
  counts: Record<string, number>
  pairZtunnels: string[]
  /** The ztunnel on the node of B's first pod (the one log a human would read). */
  targetZtunnel: string
}

/** Median of the values (the mean of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
