// CLI tests run the real built binary (bin/run.js → dist/ + oclif manifest). Rebuild when
// any source is newer than the build, so `npm test` never tests a stale CLI.
import {execSync} from 'node:child_process'
import {existsSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

function newest(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

export default function setup(): void {
  const manifest = path.join(root, 'oclif.manifest.json')
  const built = existsSync(manifest) ? statSync(manifest).mtimeMs : 0
  const sources = Math.max(newest(path.join(root, 'src')), newest(path.join(root, 'commands')), newest(path.join(root, 'scripts')), statSync(path.join(root, 'package.json')).mtimeMs)
  if (built < sources) execSync('npm run build', {cwd: root, stdio: 'inherit'})
}
