// The `yaml` package (~73 modules, ~260 KB) loaded on first use, synchronously: most runs
// read plain-data YAML with js-yaml and never need it (only unusual constructs, error
// messages and a few YAML renderings do), so it must not sit on the start path.
import {createRequire} from 'node:module'

type Yaml = typeof import('yaml')
let loaded: Yaml | undefined

export function yamlLib(): Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as Yaml
  return loaded
}
