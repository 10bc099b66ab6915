import {Flags} from '@oclif/core'
import {PlatformCommand} from '../src/cli/command.js'
import {guard} from '../src/cli/guard.js'
import {CACHE_HELP, compileFlags, compileOptionsFrom, noCacheFlag} from '../src/cli/flags.js'

export default class Compile extends PlatformCommand {
  static override summary = 'Compile LatticeService specs into every derived policy resource'
  static override description = `Runs the platform pipeline: admission, Cedar gates, bilateral matching, then the three
independent compilers (Cilium, Istio ambient, Tetragon) and the cluster baseline. Prints every
derived resource as multi-document YAML grouped by layer (or a JSON v1 List; both stream
into kubectl). With --layer admission or --layer cedar, -o json lists ValidationReport and
CedarDecisions documents (platform.lattice.dev/v1alpha1). Services rejected by
admission or denied by Cedar are reported on stderr and the exit code is 1; the others still compile.

${CACHE_HELP}`
  static override examples = [
    '<%= config.bin %> compile --specs examples/commerce',
    '<%= config.bin %> compile --specs examples/commerce --layer l4 --layer l7 -o json',
    '<%= config.bin %> compile --specs examples/commerce -o yaml | kubectl apply --dry-run=client -f -',
  ]
  static override flags = {
    specs: Flags.string({description: 'spec file or directory (repeatable)', multiple: true, default: ['.']}),
    layer: Flags.string({description: 'only these groups (repeatable)', multiple: true, options: ['admission', 'cedar', 'mesh', 'l4', 'l7', 'runtime', 'baseline']}),
    output: Flags.string({char: 'o', description: 'output format', options: ['yaml', 'json'], default: 'yaml'}),
    ...compileFlags,
    verbose: Flags.boolean({char: 'v', description: 'also count the objects of other kinds that were skipped'}),
    ...noCacheFlag,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Compile)
    const code = await guard(async () => {
      if (flags['no-cache']) (await import('../src/core/io/disk-cache.js')).setDiskCacheEnabled(false)
      const {loadSpecs} = await import('../src/spec/load.js')
      const {streamFleet} = await import('../src/pipeline/fleet.js')
      const {OUTPUT_GROUPS, sectionStream, writeCompileOutput} = await import('../src/render/compile-output.js')
      const specs = await loadSpecs(flags.specs)
      for (const w of specs.warnings) process.stderr.write(`warning: ${w.origin.file}: ${w.object ? `${w.object}: ` : ''}${w.path ? `${w.path}: ` : ''}${w.message}\n`)
      if (flags.verbose && specs.others.length > 0) {
        const {skippedSummary} = await import('../src/spec/load.js')
        process.stderr.write(`${skippedSummary(specs.others)}\n`)
      }
      const groups = new Set((flags.layer as typeof OUTPUT_GROUPS | undefined) ?? OUTPUT_GROUPS)
      const format = flags.output === 'json' ? 'json' : 'yaml'
      // Admission/Cedar result documents only when asked for by --layer (the default output
      // stays a List kubectl can apply).
      const reports = flags.layer !== undefined
      // The informational image gates show only among Cedar's decisions (YAML comments, or
      // --layer cedar documents); they never decide what is emitted, so otherwise they are not asked.
      const decisionsShown = groups.has('cedar') && (format === 'yaml' || reports)
      // Each service's objects are compiled as the output reaches them, written and dropped.
      const fleet = await streamFleet(specs, compileOptionsFrom(flags), {imageGates: decisionsShown})
      // Admission is done: what is written from here on comes from the normalized specs.
      const {forgetSourceDocuments} = await import('../src/spec/model.js')
      forgetSourceDocuments(specs)
      const list = sectionStream(fleet, groups)
      await writeCompileOutput(list, format, process.stdout, {reports})
      let failed = 0
      for (const o of fleet.outcomes.values()) {
        if (!o.admitted) {
          failed++
          for (const e of o.admission.errors) process.stderr.write(`rejected ${o.key}: ${e.file}: ${e.path}: ${e.message}\n`)
        } else if (o.cedar && !o.cedar.permitted && o.kind === 'LatticeMeshMember') {
          // §4.5: a member whose wildcard Cedar denies fails as a whole; none of its policies are applied.
          failed++
          process.stderr.write(`denied LatticeMeshMember ${o.key}: ${o.cedar.failureMessage ?? o.cedar.denials.map((d) => d.reason).join('; ')} (no policies emitted for this member)\n`)
        } else if (o.cedar && !o.cedar.permitted) {
          failed++
          process.stderr.write(`denied ${o.key}: ${o.cedar.failureMessage ?? o.cedar.denials.map((d) => d.reason).join('; ')} (zero resources emitted)\n`)
        }
      }
      for (const s of fleet.cedar.skipped ?? []) process.stderr.write(`warning: CedarPolicy ${s.name} skipped: ${s.reason}\n`)
      const {schemaWarnings} = await import('../src/layers/cedar/index.js')
      for (const w of schemaWarnings(fleet.cedar)) process.stderr.write(`warning: ${w}\n`)
      return failed > 0 ? 1 : 0
    })
    if (code !== 0) this.exit(code)
  }
}
