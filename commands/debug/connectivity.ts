import {Args, Command, Flags} from '@oclif/core'
import {guard, ExitCode} from '../../src/cli/guard.js'
import {compileFlags, compileOptionsFrom} from '../../src/cli/flags.js'
import {InputError} from '../../src/core/errors.js'

export default class Connectivity extends Command {
  static override summary = "Why can't A reach B? Evaluate admission, Cedar, declarations, L4, L7 and runtime for one pair"
  static override description = `Recompiles the expected policies from both specs, evaluates every layer with its engine's
semantics and reports PASS / DENY / WARN / FAIL / SKIP / UNKNOWN per layer, the first blocking layer, the
evidence and a verified fix. With --specs it works offline (policies compiled from the specs, or
--policies dumps exported from a cluster).

Exit codes: 0 allowed, 1 blocked, 2 usage or input error, 3 unknown (a layer could not be evaluated).`
  static override examples = [
    '<%= config.bin %> debug connectivity commerce/checkout commerce/payments --specs examples/commerce',
    '<%= config.bin %> debug connectivity inventory orders-db -n commerce --specs examples/commerce',
    '<%= config.bin %> debug connectivity commerce/checkout commerce/payments --specs examples/commerce --policies dump.yaml -o json',
    '<%= config.bin %> debug connectivity --from commerce/checkout --all --specs examples/commerce',
  ]
  static override args = {
    source: Args.string({description: 'caller: <namespace>/<name> or <name> with -n'}),
    target: Args.string({description: 'callee: <namespace>/<name> or <name> with -n'}),
  }
  static override flags = {
    specs: Flags.string({description: 'spec file or directory (repeatable); offline mode', multiple: true}),
    policies: Flags.string({description: 'policy dump exported from a cluster (repeatable): evaluated instead of the compiled policies, with drift', multiple: true}),
    namespace: Flags.string({char: 'n', description: 'namespace for bare names'}),
    port: Flags.string({description: "port name or service port number of the target (default: every port)"}),
    'client-binary': Flags.string({description: 'binary the caller uses (runtime check), e.g. /usr/bin/curl'}),
    method: Flags.string({description: 'HTTP method for waypoint L7 checks', dependsOn: ['path']}),
    path: Flags.string({description: 'HTTP path for waypoint L7 checks', dependsOn: ['method']}),
    from: Flags.string({description: 'with --all: the caller whose reachability to list'}),
    all: Flags.boolean({description: 'with --from: one line per peer of the caller', dependsOn: ['from']}),
    output: Flags.string({char: 'o', description: 'output format', options: ['text', 'json', 'yaml'], default: 'text'}),
    verbose: Flags.boolean({char: 'v', description: 'reasons and evidence under each layer'}),
    ...compileFlags,
    'trust-domain': Flags.string({description: 'SPIFFE trust domain (default: offline cluster.local; live: from the Istio mesh config)'}),
    live: Flags.boolean({description: 'read the cluster even when --specs is given (the files then override the live specs)'}),
    kubeconfig: Flags.string({description: 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)'}),
    context: Flags.string({description: 'kubeconfig context'}),
    'request-timeout': Flags.string({description: 'timeout per API request', default: '10s'}),
    since: Flags.string({description: 'evidence window (Hubble, ztunnel, waypoint, Tetragon)', default: '15m'}),
    evidence: Flags.boolean({description: 'read live evidence (Hubble flows, mesh logs, Tetragon events)', default: true, allowNo: true}),
    'hubble-server': Flags.string({description: 'Hubble Relay HOST:PORT (default: port-forward to kube-system/hubble-relay)'}),
    'hubble-tls': Flags.boolean({description: 'use TLS to Hubble'}),
    'hubble-ca': Flags.string({description: 'CA file for Hubble TLS'}),
    'hubble-server-name': Flags.string({description: 'TLS server name for Hubble'}),
    'tetragon-server': Flags.string({description: 'Tetragon gRPC HOST:PORT (default: export-stdout logs of the tetragon pods)'}),
    interactive: Flags.boolean({char: 'i', description: 'open the TUI on this pair (the text report when not a terminal)'}),
    watch: Flags.boolean({description: 'live: after the report, print new drops/denials/kills for the pair as they happen (one line, or one JSON object with -o json, per record) until Ctrl-C'}),
    color: Flags.boolean({description: 'colours (also off with NO_COLOR or when not a terminal)', default: true, allowNo: true}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Connectivity)
    if (flags.interactive) {
      if (process.stdin.isTTY && process.stdout.isTTY) {
        const {launchTui} = await import('../../src/render/tui/launch.js')
        const code = await guard(() => launchTui(args, flags))
        if (code !== 0) this.exit(code)
        return
      }
      process.stderr.write('platform: not a terminal: printing the text report instead of the TUI\n')
    }
    if (flags.color === false) process.env.NO_COLOR = '1'
    const code = await guard(async () => {
      const options = compileOptionsFrom(flags)
      const format = flags.output as 'text' | 'json' | 'yaml'
      const live = flags.live || Boolean(flags.kubeconfig || flags.context) || !flags.specs || flags.specs.length === 0
      if (flags.watch && (!live || flags.all)) throw new InputError('--watch follows a live cluster: run without --specs (or with --live), for one pair')
      let livePair: import('../../src/diagnose/live.js').LivePair | undefined
      if (live && !flags.all) {
        if (!args.source || !args.target) throw new InputError('expected two arguments: <source> <target> (or --from <source> --all)')
        const {parseDurationMs} = await import('../../src/cli/duration.js')
        const {diagnoseLive} = await import('../../src/diagnose/live.js')
        const {EXIT_CODES} = await import('../../src/diagnose/result.js')
        const {useColor} = await import('../../src/render/color.js')
        const {progressPrinter} = await import('../../src/render/progress.js')
        const showProgress = format === 'text' && Boolean(process.stderr.isTTY)
        const diagnosis = await diagnoseLive({
          ...pairQuery(args.source, args.target, flags),
          specPaths: flags.specs ?? [],
          profile: options.profile,
          ...(flags['trust-domain'] ? {trustDomain: flags['trust-domain']} : {}),
          connect: {
            ...(flags.kubeconfig ? {kubeconfig: flags.kubeconfig} : {}),
            ...(flags.context ? {context: flags.context} : {}),
            ...(flags.namespace ? {namespace: flags.namespace} : {}),
            requestTimeoutMs: parseDurationMs(flags['request-timeout'], '--request-timeout'),
          },
          evidence: {
            enabled: flags.evidence,
            sinceSeconds: Math.round(parseDurationMs(flags.since, '--since') / 1000),
            ...(flags['hubble-server'] ? {hubbleServer: flags['hubble-server']} : {}),
            ...(flags['hubble-tls'] ? {hubbleTls: true} : {}),
            ...(flags['hubble-ca'] ? {hubbleCa: flags['hubble-ca']} : {}),
            ...(flags['hubble-server-name'] ? {hubbleServerName: flags['hubble-server-name']} : {}),
            ...(flags['tetragon-server'] ? {tetragonServer: flags['tetragon-server']} : {}),
          },
          ...(showProgress ? {emit: progressPrinter(process.stderr, useColor(process.stderr))} : {}),
          ...(flags.watch ? {onPair: (p: NonNullable<typeof livePair>) => (livePair = p)} : {}),
        })
        await writeDiagnosis(diagnosis, format, flags.verbose)
        if (flags.watch && livePair) {
          const {watchFollow} = await import('../../src/diagnose/watch-cli.js')
          await watchFollow(livePair, format === 'text' ? 'text' : 'json', {
            timeoutMs: parseDurationMs(flags['request-timeout'], '--request-timeout'),
            ...(flags['hubble-server'] ? {hubbleServer: flags['hubble-server']} : {}),
            ...(flags['hubble-tls'] ? {hubbleTls: true} : {}),
            ...(flags['hubble-ca'] ? {hubbleCa: flags['hubble-ca']} : {}),
            ...(flags['hubble-server-name'] ? {hubbleServerName: flags['hubble-server-name']} : {}),
            ...(flags['tetragon-server'] ? {tetragonServer: flags['tetragon-server']} : {}),
          })
        }
        throw new ExitCode(EXIT_CODES[diagnosis.result.status])
      }
      if (!flags.specs || flags.specs.length === 0) throw new InputError('--from/--all needs --specs')
      if (flags.all) {
        if (args.source || args.target) throw new InputError('--from/--all takes no positional arguments')
        const {loadSpecs, loadObjects} = await import('../../src/spec/load.js')
        const {resolveKey} = await import('../../src/diagnose/workload.js')
        const {reachabilityFrom} = await import('../../src/diagnose/reachability.js')
        const {renderReachability} = await import('../../src/render/reachability-text.js')
        const specs = await loadSpecs(flags.specs)
        const policies = flags.policies?.length ? await loadObjects(flags.policies) : undefined
        const source = resolveKey(flags.from!, specs, flags.namespace, 'source')
        const rows = await reachabilityFrom(source, specs, options, policies)
        if (format === 'text') process.stdout.write(renderReachability(source, rows))
        else {
          const {renderStructured} = await import('../../src/render/structured.js')
          process.stdout.write(renderStructured({source, peers: rows}, format))
        }
        return 0
      }
      if (!args.source || !args.target) throw new InputError('expected two arguments: <source> <target> (or --from <source> --all)')
      const {diagnoseOffline} = await import('../../src/diagnose/offline.js')
      const {EXIT_CODES} = await import('../../src/diagnose/result.js')
      const diagnosis = await diagnoseOffline({
        specPaths: flags.specs,
        policyPaths: flags.policies ?? [],
        ...pairQuery(args.source, args.target, flags),
        options: flags['trust-domain'] ? {...options, trustDomain: flags['trust-domain']} : options,
      })
      await writeDiagnosis(diagnosis, format, flags.verbose)
      throw new ExitCode(EXIT_CODES[diagnosis.result.status])
    })
    if (code !== 0) this.exit(code)
  }
}

interface QueryFlags {
  namespace?: string
  port?: string
  'client-binary'?: string
  method?: string
  path?: string
}

/** The pair and the query flags, as both the offline and the live diagnosis take them. */
function pairQuery(source: string, target: string, flags: QueryFlags) {
  return {
    source,
    target,
    ...(flags.namespace ? {namespace: flags.namespace} : {}),
    ...(flags.port ? {port: flags.port} : {}),
    ...(flags['client-binary'] ? {clientBinary: flags['client-binary']} : {}),
    ...(flags.method ? {method: flags.method} : {}),
    ...(flags.path ? {path: flags.path} : {}),
  }
}

async function writeDiagnosis(diagnosis: import('../../src/diagnose/model.js').Diagnosis, format: 'text' | 'json' | 'yaml', verbose: boolean): Promise<void> {
  if (format === 'text') {
    const {renderDiagnosisText} = await import('../../src/render/diagnosis-text.js')
    const {useColor} = await import('../../src/render/color.js')
    process.stdout.write(renderDiagnosisText(diagnosis, {color: useColor(process.stdout), verbose}))
  } else {
    const {renderStructured, toReport} = await import('../../src/render/structured.js')
    process.stdout.write(renderStructured(toReport(diagnosis), format))
  }
}
