import {Command, Flags} from '@oclif/core'
import {InputError} from '../../src/core/errors.js'

export default class DebugPermissions extends Command {
  static override summary = 'Check that your identity has the read-only permissions platform debug needs'
  static override description = 'Asks the API server (SelfSubjectAccessReview) about every permission in deploy/rbac.yaml, '
    + 'in the given namespaces and the platform namespaces. Exits 1 when any is missing.'

  static override examples = [
    '<%= config.bin %> debug permissions -n commerce',
    '<%= config.bin %> debug permissions --context prod -n commerce -n media',
  ]

  static override flags = {
    kubeconfig: Flags.string({description: 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)'}),
    context: Flags.string({description: 'kubeconfig context (default: current-context)'}),
    namespace: Flags.string({char: 'n', multiple: true, description: 'namespaces of the services you debug (default: the context namespace)'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(DebugPermissions)
    // Loaded here, not at module level: the CLI bundle would otherwise put the cluster code
    // on every command's start path.
    const {checkPermissions, connect, formatPermissionReport} = await import('../../src/cluster/index.js')
    let cluster
    try {
      cluster = await connect({kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace?.[0]})
    } catch (error) {
      if (error instanceof InputError) this.error(error.message, {exit: error.exitCode})
      throw error
    }
    const namespaces = flags.namespace && flags.namespace.length > 0 ? flags.namespace : [cluster.namespace]
    const report = await checkPermissions(cluster, namespaces)
    const failed = report.checks.filter((c) => c.allowed === undefined)
    if (failed.length === report.checks.length && failed.length > 0) {
      // Nothing could be asked (cluster down, credentials rejected): one line, not fifty.
      this.logToStderr(`ERROR cannot check permissions on context ${cluster.info.contextName}: ${failed[0].reason ?? 'review failed'}`)
      this.exit(1)
    }
    for (const line of formatPermissionReport(report)) this.log(line)
    if (report.missing.length > 0) this.exit(1)
  }
}
