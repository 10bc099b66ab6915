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
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Connectivity)
    const code = await guard(async () => {
      const options = compileOptionsFrom(flags)
      const format = flags.output as 'text' | 'json' | 'yaml'
      if (!flags.specs || flags.specs.length === 0) {
        throw new InputError('no --specs given: offline mode needs spec files (e.g. --specs examples/commerce); live cluster mode is not available in this build')
      }
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
        source: args.source,
        target: args.target,
        ...(flags.namespace ? {namespace: flags.namespace} : {}),
        ...(flags.port ? {port: flags.port} : {}),
        ...(flags['client-binary'] ? {clientBinary: flags['client-binary']} : {}),
        ...(flags.method ? {method: flags.method} : {}),
        ...(flags.path ? {path: flags.path} : {}),
        options,
      })
      if (format === 'text') {
        const {renderDiagnosisText} = await import('../../src/render/diagnosis-text.js')
        const {useColor} = await import('../../src/render/color.js')
        process.stdout.write(renderDiagnosisText(diagnosis, {color: useColor(process.stdout), verbose: flags.verbose}))
      } else {
        const {renderStructured, toReport} = await import('../../src/render/structured.js')
        process.stdout.write(renderStructured(toReport(diagnosis), format))
      }
      throw new ExitCode(EXIT_CODES[diagnosis.result.status])
    })
    if (code !== 0) this.exit(code)
  }
}
