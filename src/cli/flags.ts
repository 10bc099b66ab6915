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
