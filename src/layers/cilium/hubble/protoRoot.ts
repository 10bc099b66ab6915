// Locates the project's own .proto files at run time. They ship at <package root>/proto;
// the code runs from src/ (tsx, vitest) or dist/src/ (built CLI), so walk up from this
// module to the directory that holds package.json instead of assuming a depth.
import {existsSync} from 'node:fs'
import path from 'node:path'
import {packageRoot} from '../../../core/io/package-root.js'

/** Include root of the Hubble protos (mirrors upstream api/v1: flow/, observer/). */
export function hubbleProtoDir(): string {
  const dir = path.join(packageRoot(), 'proto', 'hubble')
  if (!existsSync(path.join(dir, 'observer', 'observer.proto'))) throw new Error(`Hubble protos missing: ${dir}/observer/observer.proto (is proto/ shipped with the package?)`)
  return dir
}
