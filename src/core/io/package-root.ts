// Locates files shipped with the package (the project's own .proto files) at run time. They ship at <package root>/proto;
// the code runs from src/ (tsx, vitest) or dist/src/ (built CLI), so walk up from this
// module to the directory that holds package.json instead of assuming a depth.
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

let cached: string | undefined

export function packageRoot(): string {
  if (cached) return cached
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return (cached = dir)
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error(`cannot find the platform package root (package.json) above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}
