// Locating ../shared (reference material beside the project in CI). Tests that need it
// skip with a clear message when it is absent, so `npm test` passes on a fresh clone.
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import path from 'node:path'

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const SHARED_DIR = process.env.PLATFORM_SHARED_DIR ?? path.resolve(projectRoot, '..', 'shared')
export const hasShared = existsSync(path.join(SHARED_DIR, 'upstream'))
export const PROJECT_ROOT = projectRoot

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts)
}

/** Use as `describe.skipIf(!hasShared)(...)`, and log why once. */
export const SKIP_REASON = `skipped: ../shared not found at ${SHARED_DIR} (reference CRDs, protos and samples live there in CI)`
if (!hasShared) console.warn(SKIP_REASON)
