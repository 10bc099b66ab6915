// Locates the project's own .proto files at run time. They ship at <package root>/proto;
// the code runs from src/ (tsx, vitest) or dist/src/ (built CLI), so walk up from this
// module to the directory that holds package.json instead of assuming a depth.
import {existsSync} from 'node:fs'
import path from 'node:path'
import {packageRoot} from '../../../core/io/package-root.js'

/** Include root of the Tetragon protos: the parent of tetragon/ (imports read "tetragon/x.proto"). */
export function tetragonProtoDir(): string {
  const dir = path.join(packageRoot(), 'proto')
  if (!existsSync(path.join(dir, 'tetragon', 'sensors.proto'))) throw new Error(`Tetragon protos missing: ${dir}/tetragon/sensors.proto (is proto/ shipped with the package?)`)
  return dir
}
