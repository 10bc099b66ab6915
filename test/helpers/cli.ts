import {spawnSync} from 'node:child_process'
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
