// From parsed `debug connectivity` flags to a running TUI. Builds the offline or live session
// with the same rule and the same options as the text report, then loads ink lazily.

import type {Diagnosis} from '../../diagnose/model.js'
import {compileOptionsFrom, connectOptionsFrom, evidenceServersFrom} from '../../cli/flags.js'

export interface TuiFlags {
  specs?: string[]
  policies?: string[]
  namespace?: string
  port?: string
  'client-binary'?: string
  method?: string
  path?: string
  'trust-domain'?: string
  profile?: string
  live?: boolean
  kubeconfig?: string
  context?: string
  'request-timeout': string
  since: string
  evidence: boolean
  'hubble-server'?: string
  'hubble-tls'?: boolean
  'hubble-ca'?: string
  'hubble-server-name'?: string
  'tetragon-server'?: string
  'no-color'?: boolean
}

/** Same rule as the text report: live unless --specs is given without --live/--kubeconfig/--context. */
export const isLive = (flags: TuiFlags) => Boolean(flags.live || flags.kubeconfig || flags.context || !flags.specs || flags.specs.length === 0)

export async function launchTui(args: {source?: string; target?: string}, flags: TuiFlags): Promise<number> {
  const {offlineSession, liveSession} = await import('./sessions.js')
  const {EXIT_CODES} = await import('../../diagnose/result.js')
  const options = compileOptionsFrom(flags)
  let session
  // As in the text report: nothing read from a cluster (nor Cedar answers about it) reaches the disk cache.
  const {setDiskCacheEnabled, liveCacheAllowed} = await import('../../core/io/disk-cache.js')
  if (isLive(flags) && !liveCacheAllowed()) setDiskCacheEnabled(false)
  if (isLive(flags)) {
    const {parseDurationMs} = await import('../../cli/duration.js')
    session = liveSession({
      ...(flags.namespace ? {namespace: flags.namespace} : {}),
      ...(flags['client-binary'] ? {clientBinary: flags['client-binary']} : {}),
      ...(flags.method ? {method: flags.method, path: flags.path ?? '/'} : {}),
      specPaths: flags.specs ?? [],
      profile: options.profile,
      ...(flags['trust-domain'] ? {trustDomain: flags['trust-domain']} : {}),
      connect: connectOptionsFrom(flags, parseDurationMs(flags['request-timeout'], '--request-timeout')),
      evidence: {
        enabled: flags.evidence,
        sinceSeconds: Math.round(parseDurationMs(flags.since, '--since') / 1000),
        ...evidenceServersFrom(flags),
      },
    })
  } else {
    session = offlineSession({
      specPaths: flags.specs!, policyPaths: flags.policies ?? [],
      ...(flags.namespace ? {namespace: flags.namespace} : {}),
      ...(flags['client-binary'] ? {clientBinary: flags['client-binary']} : {}),
      ...(flags.method ? {method: flags.method, path: flags.path ?? '/'} : {}),
      options: flags['trust-domain'] ? {...options, trustDomain: flags['trust-domain']} : options,
    })
  }
  const {useColor} = await import('../color.js')
  // React's development build is several times slower to render; the CLI is not a dev server.
  process.env.NODE_ENV ??= 'production'
  // Ink renders only the last frame when CI/CONTINUOUS_INTEGRATION is set (is-in-ci, read when
  // ink loads). The caller has checked that stdin and stdout are terminals: someone is at the
  // keyboard, so the TUI must draw every frame even in a shell where CI=true is exported.
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in process.env) process.env[key] = 'false'
  const {runTui} = await import('./index.js')
  const qualify = (ref?: string) => (ref && !ref.includes('/') && flags.namespace ? `${flags.namespace}/${ref}` : ref)
  const last: Diagnosis | undefined = await runTui({
    session,
    ...(args.source ? {source: qualify(args.source)!} : {}),
    ...(args.target ? {target: qualify(args.target)!} : {}),
    ...(flags.port ? {port: flags.port} : {}),
    color: !flags['no-color'] && useColor(process.stdout),
  })
  return last ? EXIT_CODES[last.result.status] : 0
}
