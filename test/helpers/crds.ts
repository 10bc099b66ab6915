// Validators for the real upstream CRD schemas in ../shared/upstream/crds (served version,
// openAPIV3Schema), shared by the pipeline-level schema tests.
import {readFileSync, readdirSync} from 'node:fs'
import {isIP} from 'node:net'
import path from 'node:path'
import {Ajv, type ValidateFunction} from 'ajv'
import {parse} from 'yaml'
import {sharedPath} from './shared.js'

// Go RE2 `\pC` / `\PC` → `\p{C}` / `\P{C}` for JavaScript's u flag (upstream/SOURCES.md).
function regExp(pattern: string, flags?: string): RegExp {
  return new RegExp(pattern.replace(/\\([pP])([A-Z])/g, '\\$1{$2}'), flags ?? 'u')
}
regExp.code = 'regExpForGo'

function isCidr(s: string): boolean {
  const [ip, bits, extra] = s.split('/')
  const v = isIP(ip ?? '')
  return v !== 0 && extra === undefined && bits !== undefined && /^\d+$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128)
}

export interface CrdValidator {
  apiVersions: string[]
  validate(obj: unknown, apiVersion: string): {ok: boolean; errors: string}
}

/** kind → validator for every CRD file under upstream/crds. */
export function crdValidators(): Map<string, CrdValidator> {
  const out = new Map<string, CrdValidator>()
  const root = sharedPath('upstream', 'crds')
  for (const dir of readdirSync(root)) {
    for (const file of readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.yaml'))) {
      const crd = parse(readFileSync(path.join(root, dir, file), 'utf8'))
      const validators = new Map<string, ValidateFunction>()
      for (const v of crd.spec.versions.filter((x: {served: boolean}) => x.served)) {
        const ajv = new Ajv({strict: false, allErrors: true, code: {regExp: regExp as never}})
        ajv.addFormat('cidr', (s: string) => isCidr(s))
        for (const f of ['int32', 'int64', 'date-time', 'idn-hostname', 'uri', 'byte']) ajv.addFormat(f, true)
        validators.set(`${crd.spec.group}/${v.name}`, ajv.compile(v.schema.openAPIV3Schema))
      }
      out.set(crd.spec.names.kind, {
        apiVersions: [...validators.keys()],
        validate(obj, apiVersion) {
          const fn = validators.get(apiVersion)
          if (!fn) return {ok: false, errors: `apiVersion ${apiVersion} is not served (served: ${[...validators.keys()].join(', ')})`}
          const ok = fn(obj) as boolean
          return {ok, errors: ok ? '' : JSON.stringify(fn.errors)}
        },
      })
    }
  }
  return out
}
