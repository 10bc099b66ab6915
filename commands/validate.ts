import {Args, Flags} from '@oclif/core'
import {PlatformCommand} from '../src/cli/command.js'
import {guard} from '../src/cli/guard.js'
import {CACHE_HELP, noCacheFlag} from '../src/cli/flags.js'
import {defaultCompileOptions} from '../src/core/constants.js'

export default class Validate extends PlatformCommand {
  static override summary = 'Run admission (rules A1–A30) on spec files'
  static override description = `Reads files and directories as \`kubectl apply -f DIR -R\` does (objects of other kinds skipped,
hidden folders and node_modules ignored; - reads standard input), rejects unknown fields as kubectl's
strict field validation does, and reports every unreadable or invalid file, not only the first.
Exit code 0 when every object is valid, 1 when any is invalid, 2 when an input cannot be read
(missing file, YAML error, unknown field, duplicate) or the paths hold no Lattice object at all.

${CACHE_HELP}`
  static override examples = [
    '<%= config.bin %> validate examples/commerce',
    '<%= config.bin %> validate svc.yaml other/',
    'cat svc.yaml | <%= config.bin %> validate -',
    '# what the cluster holds today, against today\'s admission rules:',
    'kubectl get latticeservices -A -o yaml > live.yaml && <%= config.bin %> validate live.yaml',
  ]
  static override strict = false
  static override args = {paths: Args.string({description: 'spec files or directories (- for standard input)', required: true})}
  static override flags = {
    quiet: Flags.boolean({char: 'q', description: 'print only problems'}),
    verbose: Flags.boolean({char: 'v', description: 'also count the objects of other kinds that were skipped'}),
    output: Flags.string({char: 'o', description: 'output format (json/yaml: a v1 List of ValidationReport documents, schema/validation-list.schema.json)', options: ['text', 'json', 'yaml'], default: 'text'}),
    ...noCacheFlag,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Validate)
    const code = await guard(async () => {
      if (flags['no-cache']) (await import('../src/core/io/disk-cache.js')).setDiskCacheEnabled(false)
      const {loadSpecsReport, skippedSummary} = await import('../src/spec/load.js')
      const {admitMeshMember, admitService, formatIssue} = await import('../src/layers/admission/index.js')
      const {oneLine} = await import('../src/cli/guard.js')
      const {specs, problems} = await loadSpecsReport(argv as string[])
      const opts = {exemptNamespaces: defaultCompileOptions().exemptNamespaces}
      const reports = [...specs.services.map((s) => admitService(s, opts)), ...specs.meshMembers.map((m) => admitMeshMember(m, opts))]
      const invalidCount = reports.filter((r) => r.errors.length > 0).length
      const exit = problems.length > 0 ? 2 : invalidCount > 0 ? 1 : 0
      if (flags.output !== 'text') {
        const {validationList} = await import('../src/render/validation-list.js')
        const {renderStructured} = await import('../src/render/structured.js')
        process.stdout.write(renderStructured(validationList(reports, problems.map((p) => oneLine(p.message))), flags.output as 'json' | 'yaml'))
        return exit
      }
      for (const p of problems) process.stdout.write(`FAIL ${oneLine(p.message)}\n`)
      let invalid = 0
      for (const r of reports) {
        if (r.errors.length > 0) {
          invalid++
          for (const e of r.errors) process.stdout.write(`FAIL ${formatIssue(e)}\n`)
        } else if (!flags.quiet) process.stdout.write(`ok   ${r.kind} ${r.object}\n`)
        for (const w of r.warnings) process.stdout.write(`warn ${formatIssue(w)}\n`)
      }
      for (const w of specs.warnings) process.stdout.write(`warn ${w.origin.file}: ${w.object ? `${w.object}: ` : ''}${w.path ? `${w.path}: ` : ''}${w.message}\n`)
      if (flags.verbose && specs.others.length > 0) process.stderr.write(`${skippedSummary(specs.others)}\n`)
      if (!flags.quiet) process.stdout.write(`${reports.length - invalid} valid, ${invalid} invalid${problems.length > 0 ? `, ${problems.length} input error${problems.length === 1 ? '' : 's'}` : ''}\n`)
      return problems.length > 0 ? 2 : invalid > 0 ? 1 : 0
    })
    if (code !== 0) this.exit(code)
  }
}
