// Field paths for one-line messages: `spec.workload.containers.main.command[0]`.
// Keys that are not plain identifiers (file paths, mount paths, keys with dots) are written
// in bracket form so the path stays unambiguous: `files["/etc/app.conf"]`.

export type PathPart = string | number

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/

export function joinPath(parts: readonly PathPart[]): string {
  let out = ''
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`
    else if (PLAIN_KEY.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(part)}]`
  }
  return out
}
