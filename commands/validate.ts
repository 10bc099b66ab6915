import {Args, Flags} from '@oclif/core'
import {PlatformCommand} from '../src/cli/command.js'
import {guard} from '../src/cli/guard.js'
import {defaultCompileOptions} from '../src/core/constants.js'

export default class Validate extends PlatformCommand {
  static override summary = 'Run admission (rules A1–A30) on spec files'
  static override description = 'Exit code 0 when every object is valid, 1 when any is invalid, 2 when input cannot be read.'
  static override examples = [
    '<%= config.bin %> validate examples/commerce',
    '<%= config.bin %> validate svc.yaml other/',
    '# what the cluster holds today, against today\'s admission rules:',
    'kubectl get latticeservices -A -o yaml > live.yaml && <%= config.bin %> validate live.yaml',
  ]
  static override strict = false
  static override args = {paths: Args.string({description: 'spec files or directories', required: true})}
  static override flags = {
    quiet: Flags.boolean({char: 'q', description: 'print only problems'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Validate)
    const code = await guard(async () => {
      const {loadSpecs} = await import('../src/spec/load.js')
      const {admitMeshMember, admitService, formatIssue} = await import('../src/layers/admission/index.js')
      const specs = await loadSpecs(argv as string[])
      const opts = {exemptNamespaces: defaultCompileOptions().exemptNamespaces}
      const reports = [...specs.services.map((s) => admitService(s, opts)), ...specs.meshMembers.map((m) => admitMeshMember(m, opts))]
      let invalid = 0
      for (const r of reports) {
        if (r.errors.length > 0) {
          invalid++
          for (const e of r.errors) process.stdout.write(`FAIL ${formatIssue(e)}\n`)
        } else if (!flags.quiet) process.stdout.write(`ok   ${r.kind} ${r.object}\n`)
        for (const w of r.warnings) process.stdout.write(`warn ${formatIssue(w)}\n`)
      }
      for (const w of specs.warnings) process.stdout.write(`warn ${w.origin.file}: ${w.object ? `${w.object}: ` : ''}${w.path ? `${w.path}: ` : ''}${w.message}\n`)
      if (!flags.quiet) process.stdout.write(`${reports.length - invalid} valid, ${invalid} invalid\n`)
      return invalid > 0 ? 1 : 0
    })
    if (code !== 0) this.exit(code)
  }
}
