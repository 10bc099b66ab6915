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
