import {Flags} from '@oclif/core'
import {PlatformCommand} from '../../src/cli/command.js'
import {ExitCode, guard} from '../../src/cli/guard.js'
import {InconclusiveError} from '../../src/core/errors.js'

export default class DebugPermissions extends PlatformCommand {
  static override summary = 'Check that your identity has the read-only permissions platform debug needs'
  static override description = 'Asks the API server (SelfSubjectAccessReview) about every permission in deploy/rbac.yaml, '
    + 'in the given namespaces and the platform namespaces. Exit codes as for the other commands: 0 all granted, '
    + '1 any missing, 2 usage or input error (kubeconfig, context), 3 the API server could not be asked.'

  static override examples = [
    '<%= config.bin %> debug permissions -n commerce',
    '<%= config.bin %> debug permissions --context prod -n commerce -n media',
    '<%= config.bin %> debug permissions -n commerce -o json',
  ]

  static override flags = {
    kubeconfig: Flags.string({description: 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)'}),
    'request-timeout': Flags.string({description: 'timeout per API request (0: none, as in kubectl)', default: '10s'}),
    context: Flags.string({description: 'kubeconfig context (default: current-context)'}),
    namespace: Flags.string({char: 'n', multiple: true, description: 'namespaces of the services you debug (default: the context namespace)'}),
    output: Flags.string({char: 'o', description: 'output format (json/yaml: a PermissionReport, schema/permissions.schema.json)', options: ['text', 'json', 'yaml'], default: 'text'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(DebugPermissions)
    const code = await guard(async () => {
      const {parseRequestTimeoutMs} = await import('../../src/cli/duration.js')
      const requestTimeoutMs = parseRequestTimeoutMs(flags['request-timeout'])
      const {checkPermissions, connect, formatPermissionReport, permissionReportDocument} = await import('../../src/cluster/index.js')
      const cluster = await connect({kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace?.[0], requestTimeoutMs})
      const namespaces = flags.namespace && flags.namespace.length > 0 ? flags.namespace : [cluster.namespace]
      const report = await checkPermissions(cluster, namespaces)
      const failed = report.checks.filter((c) => c.allowed === undefined)
      if (failed.length === report.checks.length && failed.length > 0) {
        // Nothing could be asked (cluster down, credentials rejected): one line, not fifty.
        throw new InconclusiveError(`cannot check permissions on context ${cluster.info.contextName}: ${failed[0].reason ?? 'review failed'}`)
      }
      if (flags.output === 'text') for (const line of formatPermissionReport(report)) process.stdout.write(`${line}\n`)
      else {
        const {renderStructured} = await import('../../src/render/structured.js')
        process.stdout.write(renderStructured(permissionReportDocument(report, cluster.info.contextName), flags.output as 'json' | 'yaml'))
      }
      throw new ExitCode(report.missing.length > 0 ? 1 : 0)
    })
    if (code !== 0) this.exit(code)
  }
}
