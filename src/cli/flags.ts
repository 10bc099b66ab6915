// Flags shared by several commands.
import {Flags} from '@oclif/core'
import {DEFAULT_TRUST_DOMAIN, defaultCompileOptions, type CompileOptions, type Profile} from '../core/constants.js'

export const compileFlags = {
  'trust-domain': Flags.string({description: 'SPIFFE trust domain of the mesh', default: DEFAULT_TRUST_DOMAIN}),
  profile: Flags.string({description: 'which expected objects to predict (LATTICE-SPEC §0.2)', options: ['seed', 'upstream'], default: 'seed'}),
}

export function compileOptionsFrom(flags: {'trust-domain'?: string; profile?: string}): CompileOptions {
  return defaultCompileOptions({trustDomain: flags['trust-domain'] ?? DEFAULT_TRUST_DOMAIN, profile: (flags.profile ?? 'seed') as Profile})
}

/** Text-report flags (another helper may make them global; keep them here). */
export const textFlags = {
  'no-color': Flags.boolean({description: 'no ANSI colour in text output (also NO_COLOR=1)'}),
  width: Flags.integer({description: 'wrap text output at this many columns (default: COLUMNS, else the terminal width, else 80)', min: 1}),
}

/** The disk cache, as `--help` describes it (README: Cache). */
export const CACHE_HELP = `Cache: large spec files and Cedar policies are parsed once, and a pair's Cedar decisions
kept, in $XDG_CACHE_HOME/platform (default ~/.cache/platform; PLATFORM_CACHE_DIR moves it,
PLATFORM_CACHE_MAX_BYTES bounds it, default 64 MiB). --no-cache or PLATFORM_NO_CACHE=1 turn it
off; live mode never uses it unless PLATFORM_CACHE_LIVE=1.`

export const noCacheFlag = {
  'no-cache': Flags.boolean({description: 'neither read nor write the parse cache (PLATFORM_NO_CACHE=1)'}),
}

interface ClusterFlags {
  kubeconfig?: string
  context?: string
  namespace?: string | string[]
  'hubble-server'?: string
  'hubble-tls'?: boolean
  'hubble-ca'?: string
  'hubble-server-name'?: string
  'tetragon-server'?: string
}

/** How to reach the API server, from the connection flags every live command shares. */
export function connectOptionsFrom(flags: ClusterFlags, requestTimeoutMs: number) {
  const namespace = Array.isArray(flags.namespace) ? flags.namespace[0] : flags.namespace
  return {
    ...(flags.kubeconfig ? {kubeconfig: flags.kubeconfig} : {}),
    ...(flags.context ? {context: flags.context} : {}),
    ...(namespace ? {namespace} : {}),
    requestTimeoutMs,
  }
}

/** Where Hubble Relay and Tetragon's gRPC are, when given (else port-forward / pod logs). */
export function evidenceServersFrom(flags: ClusterFlags) {
  return {
    ...(flags['hubble-server'] ? {hubbleServer: flags['hubble-server']} : {}),
    ...(flags['hubble-tls'] ? {hubbleTls: true} : {}),
    ...(flags['hubble-ca'] ? {hubbleCa: flags['hubble-ca']} : {}),
    ...(flags['hubble-server-name'] ? {hubbleServerName: flags['hubble-server-name']} : {}),
    ...(flags['tetragon-server'] ? {tetragonServer: flags['tetragon-server']} : {}),
  }
}
