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
