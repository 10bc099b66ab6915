import {Args, Flags} from '@oclif/core'
import {PlatformCommand} from '../../src/cli/command.js'
import {guard, ExitCode} from '../../src/cli/guard.js'
import {CACHE_HELP, compileFlags, compileOptionsFrom, noCacheFlag, textFlags, connectOptionsFrom, evidenceServersFrom} from '../../src/cli/flags.js'
import {InputError} from '../../src/core/errors.js'

export default class Connectivity extends PlatformCommand {
  static override summary = "Why can't A reach B? Evaluate admission, Cedar, declarations, L4, L7 and runtime for one pair"
  static override description = `Recompiles the expected policies from both specs, evaluates every layer with its engine's
semantics and reports PASS / DENY / WARN / FAIL / SKIP / UNKNOWN per layer, the first blocking layer, the
evidence and a verified fix. With --specs it works offline (policies compiled from the specs, or
--policies dumps exported from a cluster).

Without --port, every port of the target is diagnosed through every layer and the pair is
ALLOWED only when every port is. Text output is wrapped to the terminal width (--width,
COLUMNS, else 80); JSON/YAML documents carry apiVersion platform.lattice.dev/v1alpha1 and
kind ConnectivityDiagnosis (or Reachability with --from --all), see schema/.

--from A --all lists every peer of A with the pair's verdict (query flags apply to each
peer), offline or live.

Exit codes: 0 allowed, 1 blocked, 2 usage or input error, 3 unknown (a layer could not be evaluated).
With --from --all: 1 when a peer A declares outbound is blocked, else 3 when one is unknown, else 0.

${CACHE_HELP}`
  static override examples = [
    '<%= config.bin %> debug connectivity commerce/checkout commerce/payments --specs examples/commerce',
    '<%= config.bin %> debug connectivity inventory orders-db -n commerce --specs examples/commerce',
    '<%= config.bin %> debug connectivity commerce/checkout commerce/payments --specs examples/commerce --policies dump.yaml -o json',
    '<%= config.bin %> debug connectivity --from commerce/checkout --all --specs examples/commerce',
    '<%= config.bin %> debug connectivity commerce/payments https://api.stripe.com/v1/charges --specs examples/commerce',
    '# live, against the current kube-context (read-only):',
    '<%= config.bin %> debug connectivity commerce/checkout commerce/payments',
    '<%= config.bin %> debug connectivity checkout payments -n commerce --context prod --since 30m -o json',
    '<%= config.bin %> debug connectivity commerce/checkout commerce/payments --specs ./specs --live',
    '<%= config.bin %> debug connectivity commerce/payments https://api.stripe.com/v1/charges',
    '<%= config.bin %> debug connectivity deploy/legacy-billing kube-system/svc/kube-dns -n commerce --port 53',
    '<%= config.bin %> debug connectivity commerce/checkout kube-system/svc/kube-dns',
  ]
  static override args = {
    source: Args.string({description: 'caller: <namespace>/<name> or <name> with -n; live also a workload as kubectl names it (deploy/NAME, sts/, ds/, pod/, svc/; <namespace>/<kind>/<name>)'}),
    target: Args.string({description: 'callee: <namespace>/<name> or <name> with -n; or an external host, URL, IP[:port] or CIDR:port; live also deploy/NAME, svc/NAME... or <namespace>/<kind>/<name>'}),
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
    ...textFlags,
    'trust-domain': Flags.string({description: 'SPIFFE trust domain (default: offline cluster.local; live: from the Istio mesh config)'}),
    live: Flags.boolean({description: 'read the cluster even when --specs is given (the files then override the live specs)'}),
    kubeconfig: Flags.string({description: 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)'}),
    context: Flags.string({description: 'kubeconfig context'}),
    'request-timeout': Flags.string({description: 'timeout per API request (0: none, as in kubectl)', default: '10s'}),
    since: Flags.string({description: 'evidence window (Hubble, ztunnel, waypoint, Tetragon)', default: '15m'}),
    evidence: Flags.boolean({description: 'read live evidence (Hubble flows, mesh logs, Tetragon events)', default: true, allowNo: true}),
    'hubble-server': Flags.string({description: 'Hubble Relay HOST:PORT (default: port-forward to kube-system/hubble-relay)'}),
    'hubble-tls': Flags.boolean({description: 'use TLS to Hubble'}),
    'hubble-ca': Flags.string({description: 'CA file for Hubble TLS'}),
    'hubble-server-name': Flags.string({description: 'TLS server name for Hubble'}),
    'tetragon-server': Flags.string({description: 'Tetragon gRPC HOST:PORT (default: export-stdout logs of the tetragon pods)'}),
    ...noCacheFlag,
    interactive: Flags.boolean({char: 'i', description: 'open the TUI on this pair (the text report when not a terminal)'}),
    watch: Flags.boolean({description: 'live: after the report, print new drops/denials/kills for the pair as they happen (one line, or one JSON object with -o json, per record) until Ctrl-C'}),
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
    if (flags['no-color']) process.env.NO_COLOR = '1'
    const code = await guard(async () => {
      const options = compileOptionsFrom(flags)
      const format = flags.output as 'text' | 'json' | 'yaml'
      const live = flags.live || Boolean(flags.kubeconfig || flags.context) || !flags.specs || flags.specs.length === 0
      // An offline pair: fetch the modules it will import now, all at once, so their file reads
      // overlap each other and the checks below instead of one await after another.
      if (!live && !flags.all) void preloadOfflinePair(format)
      // Every flag is checked whatever the mode: a typo is exit 2 offline too.
      const {parseDurationMs, parseRequestTimeoutMs} = await import('../../src/cli/duration.js')
      const requestTimeoutMs = parseRequestTimeoutMs(flags['request-timeout'])
      const sinceMs = parseDurationMs(flags.since, '--since')
      if (flags.policies?.length && !flags.specs?.length) throw new InputError('--policies needs --specs: the dump is compared with the policies compiled from the spec files (live mode reads the policies from the cluster)')
      const {setDiskCacheEnabled, liveCacheAllowed} = await import('../../src/core/io/disk-cache.js')
      if (flags['no-cache'] || (live && !liveCacheAllowed())) setDiskCacheEnabled(false)
      const text = await textOptions(flags)
      if (flags.all && (args.source || args.target)) throw new InputError('--from/--all takes no positional arguments')
      if (flags.from && !flags.all) throw new InputError('--from needs --all (or give the pair as two arguments: <source> <target>)')
      if (flags.watch && (!live || flags.all)) throw new InputError('--watch follows a live cluster: run without --specs (or with --live), for one pair')
      let livePair: import('../../src/diagnose/live.js').LivePair | undefined
      if (live) {
        if (!flags.all && (!args.source || !args.target)) throw new InputError('expected two arguments: <source> <target> (or --from <source> --all)')
        const {looksExternal} = await import('../../src/diagnose/external-target.js')
        const external = !flags.all && args.target !== undefined && looksExternal(args.target)
        const {diagnoseLive, reachabilityLive} = await import('../../src/diagnose/live.js')
        const {EXIT_CODES} = await import('../../src/diagnose/result.js')
        const {useColor} = await import('../../src/render/color.js')
        const {progressPrinter} = await import('../../src/render/progress.js')
        const showProgress = format === 'text' && Boolean(process.stderr.isTTY) && !flags.all
        const request = {
          ...pairQuery(args.source ?? '', args.target ?? '', flags),
          specPaths: flags.specs ?? [],
          profile: options.profile,
          ...(flags['trust-domain'] ? {trustDomain: flags['trust-domain']} : {}),
          connect: connectOptionsFrom(flags, requestTimeoutMs),
          evidence: {
            enabled: flags.evidence,
            sinceSeconds: Math.round(sinceMs / 1000),
            ...evidenceServersFrom(flags),
          },
          ...(showProgress ? {emit: progressPrinter(process.stderr, !flags['no-color'] && useColor(process.stderr))} : {}),
          ...(flags.watch ? {onPair: (p: NonNullable<typeof livePair>) => (livePair = p)} : {}),
        }
        if (flags.all) {
          const {source: sKey, rows} = await reachabilityLive({...request, from: flags.from!})
          throw new ExitCode(await writeReachability(sKey, rows, flags, format, text, 'cluster'))
        }
        let diagnosis: import('../../src/diagnose/model.js').Diagnosis
        const {isWorkloadRef} = await import('../../src/diagnose/plain-workload-ref.js')
        if (external) {
          const {parseExternalTarget} = await import('../../src/diagnose/external-target.js')
          const {target: _t, port: _p, method: _m, path: _pa, ...rest} = request
          const externalRequest = {...rest, target: parseExternalTarget(args.target!, flags.port)}
          diagnosis = isWorkloadRef(args.source!)
            ? await (await import('../../src/diagnose/external-plain.js')).diagnoseExternalFromWorkload(externalRequest)
            : await (await import('../../src/diagnose/external-live.js')).diagnoseExternalLive(externalRequest)
        } else if (isWorkloadRef(args.source!) || isWorkloadRef(args.target!)) {
          const {diagnosePlainWorkloads} = await import('../../src/diagnose/plain-workload.js')
          diagnosis = await diagnosePlainWorkloads(request)
        } else diagnosis = await diagnoseLive(request)
        await writeDiagnosis(diagnosis, format, flags.verbose, text)
        if (flags.watch && livePair) {
          const {watchFollow} = await import('../../src/diagnose/watch-cli.js')
          await watchFollow(livePair, format === 'text' ? 'text' : 'json', {
            timeoutMs: requestTimeoutMs,
            ...evidenceServersFrom(flags),
          })
        }
        throw new ExitCode(EXIT_CODES[diagnosis.result.status])
      }
      if (!flags.specs || flags.specs.length === 0) throw new InputError('--from/--all needs --specs')
      const {isWorkloadRef} = await import('../../src/diagnose/plain-workload-ref.js')
      const plain = [args.source, args.target].find((x) => x !== undefined && isWorkloadRef(x))
      if (plain) throw new InputError(`'${plain}' names a Kubernetes workload, not a Lattice service: workloads are read from a cluster (run without --specs, or with --live)`)
      if (flags.all) {
        const {loadSpecs} = await import('../../src/spec/load.js')
        const {loadPolicyDump} = await import('../../src/diagnose/offline.js')
        const {resolveKey} = await import('../../src/diagnose/workload.js')
        const {reachabilityFrom} = await import('../../src/diagnose/reachability.js')
        const specs = await loadSpecs(flags.specs)
        printInputNotices(specs, flags.verbose, (await import('../../src/spec/load.js')).skippedSummary)
        const policies = flags.policies?.length ? await loadPolicyDump(flags.policies) : undefined
        const source = resolveKey(flags.from!, specs, flags.namespace, 'source')
        const rows = await reachabilityFrom(source, specs, flags['trust-domain'] ? {...options, trustDomain: flags['trust-domain']} : options, policies, queryOf(flags))
        throw new ExitCode(await writeReachability(source, rows, flags, format, text, policies ? 'dump' : 'compiled'))
      }
      if (!args.source || !args.target) throw new InputError('expected two arguments: <source> <target> (or --from <source> --all)')
      const {looksExternal} = await import('../../src/diagnose/external-target.js')
      if (looksExternal(args.target)) {
        const {parseExternalTarget} = await import('../../src/diagnose/external-target.js')
        const {diagnoseExternalOffline} = await import('../../src/diagnose/external.js')
        const {EXIT_CODES} = await import('../../src/diagnose/result.js')
        const diagnosis = await diagnoseExternalOffline({
          specPaths: flags.specs,
          policyPaths: flags.policies ?? [],
          source: args.source,
          target: parseExternalTarget(args.target, flags.port),
          ...(flags.namespace ? {namespace: flags.namespace} : {}),
          ...(flags['client-binary'] ? {clientBinary: flags['client-binary']} : {}),
          options: flags['trust-domain'] ? {...options, trustDomain: flags['trust-domain']} : options,
        })
        await writeDiagnosis(diagnosis, format, flags.verbose, text)
        throw new ExitCode(EXIT_CODES[diagnosis.result.status])
      }
      const {diagnoseOffline} = await import('../../src/diagnose/offline.js')
      const {skippedSummary} = await import('../../src/spec/load.js')
      const {EXIT_CODES} = await import('../../src/diagnose/result.js')
      const diagnosis = await diagnoseOffline({
        specPaths: flags.specs,
        policyPaths: flags.policies ?? [],
        ...pairQuery(args.source, args.target, flags),
        options: flags['trust-domain'] ? {...options, trustDomain: flags['trust-domain']} : options,
        onSpecs: (specs) => printInputNotices(specs, flags.verbose, skippedSummary),
      })
      await writeDiagnosis(diagnosis, format, flags.verbose, text)
      throw new ExitCode(EXIT_CODES[diagnosis.result.status])
    })
    if (code !== 0) this.exit(code)
  }
}

/** The modules the offline pair path imports (errors surface where they are awaited). */
function preloadOfflinePair(format: string): Promise<unknown> {
  return Promise.allSettled([
    import('../../src/diagnose/offline.js'),
    import('../../src/spec/load.js'),
    import('../../src/diagnose/result.js'),
    import('../../src/diagnose/external-target.js'),
    import('../../src/render/color.js'),
    import('../../src/render/wrap.js'),
    format === 'text' ? import('../../src/render/diagnosis-text.js') : import('../../src/render/structured.js'),
  ])
}

/** File-level warnings (a file named explicitly with no Lattice object) always; skipped objects with -v. */
function printInputNotices(specs: import('../../src/spec/model.js').SpecSet, verbose: boolean, summary: (others: readonly unknown[]) => string | undefined): void {
  for (const w of specs.warnings) if (!w.object && !w.path) process.stderr.write(`warning: ${w.origin.file}: ${w.message}\n`)
  if (verbose && specs.others.length > 0) process.stderr.write(`${summary(specs.others)}\n`)
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

/** --port, --client-binary, --method/--path: what every pair of --from --all is asked. */
function queryOf(flags: QueryFlags) {
  const {source: _s, target: _t, namespace: _n, ...query} = pairQuery('', '', flags)
  return query
}

/** Colour (TTY, NO_COLOR, --no-color) and width (--width, COLUMNS, the terminal, 80) of text output. */
async function textOptions(flags: {'no-color'?: boolean; width?: number}): Promise<{color: boolean; width: number}> {
  const {useColor} = await import('../../src/render/color.js')
  const {terminalWidth} = await import('../../src/render/wrap.js')
  return {color: !flags['no-color'] && useColor(process.stdout), width: terminalWidth(process.stdout, process.env, flags.width)}
}

async function writeReachability(
  source: string, rows: import('../../src/diagnose/reachability.js').ReachabilityRow[], flags: QueryFlags & {verbose: boolean},
  format: 'text' | 'json' | 'yaml', text: {color: boolean; width: number}, policySource: 'compiled' | 'dump' | 'cluster',
): Promise<number> {
  const {reachabilityExitCode} = await import('../../src/diagnose/reachability.js')
  const query = queryOf(flags)
  if (format === 'text') {
    const {renderReachability} = await import('../../src/render/reachability-text.js')
    const asked = [query.port !== undefined ? `port ${query.port}` : '', query.clientBinary ? `client binary ${query.clientBinary}` : '', query.method ? `${query.method} ${query.path}` : ''].filter(Boolean).join(', ')
    process.stdout.write(renderReachability(source, rows, {...text, verbose: flags.verbose, ...(asked ? {query: asked} : {})}))
  } else {
    const {renderStructured, toReachabilityReport} = await import('../../src/render/structured.js')
    process.stdout.write(renderStructured(toReachabilityReport(source, rows, query, policySource), format))
  }
  return reachabilityExitCode(rows)
}

async function writeDiagnosis(diagnosis: import('../../src/diagnose/model.js').Diagnosis, format: 'text' | 'json' | 'yaml', verbose: boolean, text: {color: boolean; width: number}): Promise<void> {
  if (format === 'text') {
    const {renderDiagnosisText} = await import('../../src/render/diagnosis-text.js')
    process.stdout.write(renderDiagnosisText(diagnosis, {...text, verbose}))
  } else {
    const {renderStructured, toReport} = await import('../../src/render/structured.js')
    process.stdout.write(renderStructured(toReport(diagnosis), format))
  }
}
