import {spawn, spawnSync} from 'node:child_process'
import path from 'node:path'
import {PROJECT_ROOT} from './shared.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI as a user would (no TTY: stdout is a pipe). */
export function cli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'run.js'), ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '', FORCE_COLOR: '0', ...env},
    timeout: 60_000,
  })
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr}
}

/** Runs the built CLI and starts reading its stdout only after `delayMs`. */
export async function cliSlowReader(args: string[], delayMs: number): Promise<CliResult> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'run.js'), ...args], {
    cwd: PROJECT_ROOT,
    env: {...process.env, NO_COLOR: '', FORCE_COLOR: '0'},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.pause()
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)))
  await new Promise((resolve) => setTimeout(resolve, delayMs))
  const chunks: Buffer[] = []
  child.stdout.on('data', (d: Buffer) => chunks.push(d))
  child.stdout.resume()
  const [code] = await Promise.all([exited, new Promise((resolve) => child.stdout.once('end', resolve))])
  return {code, stdout: Buffer.concat(chunks).toString('utf8'), stderr}
}

/**
 * The built CLI as a child process, asynchronously: for tests whose API server (or gRPC
 * fixture) lives in this process and must keep answering while the CLI runs. No kubeconfig
 * from the environment, no colour, no COLUMNS.
 */
export function cliAsync(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'run.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: {...process.env, NO_COLOR: '', FORCE_COLOR: '0', KUBECONFIG: '', DEBUG: '', COLUMNS: ''},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, stdout, stderr})
    })
  })
}
