import {Flags} from '@oclif/core'
import {PlatformCommand} from '../../src/cli/command.js'
import {compileFlags, compileOptionsFrom, connectOptionsFrom, evidenceServersFrom} from '../../src/cli/flags.js'
import {guard, ExitCode} from '../../src/cli/guard.js'
import {InputError} from '../../src/core/errors.js'

export default class Triage extends PlatformCommand {
  static override summary = 'What is being denied right now? Every denial in the window, grouped and diagnosed'
  static override description = `Reads every denial in the window — Hubble DROPPED flows, ztunnel and waypoint RBAC
denials, Tetragon SIGKILLs — groups them by source, destination, port and layer, and
diagnoses each group with the same pipeline as debug connectivity (blocking layer, cause,
fix). Replies and the reverse direction of a connection never make a group. Without evidence
files it reads the cluster (read-only): Hubble Relay (DROPPED flows of the namespace), every
ztunnel's and the waypoints' logs, Tetragon; the cluster state is read once and each group's
pair is diagnosed by the live pair pipeline. With exported evidence files it works offline,
against --specs (and --policies). Each evidence source's coverage (window, lost events, or why
it could not be read) is shown. Exit 0 when nothing is denied, 1 when some group is denied,
2 on bad input.`
  static override examples = [
    '# live, against the current kube-context (read-only):',
    '<%= config.bin %> debug triage -n commerce --since 10m',
    '<%= config.bin %> debug triage -A --layer l4 --hubble-server localhost:4245 -o json',
    '<%= config.bin %> debug triage -n shop --specs ./specs --flows flows.jsonl --ztunnel-log ztunnel.log --tetragon-events tetragon.jsonl',
    'hubble observe -n shop --since 10m -o jsonpb > flows.jsonl && <%= config.bin %> debug triage -n shop --specs ./specs --flows flows.jsonl -o json',
  ]
  static override flags = {
    namespace: Flags.string({char: 'n', description: 'only denials from or to this namespace'}),
    'all-namespaces': Flags.boolean({char: 'A', description: 'denials in every namespace'}),
    since: Flags.string({description: 'only records newer than this (e.g. 10m), counted back from now (live default: 15m)'}),
    layer: Flags.string({description: 'only these layers (repeatable)', multiple: true, options: ['l4', 'l7', 'runtime']}),
    output: Flags.string({char: 'o', description: 'output format', options: ['text', 'json', 'yaml'], default: 'text'}),
    specs: Flags.string({description: 'spec file or directory (repeatable)', multiple: true}),
    policies: Flags.string({description: 'policy dump exported from the cluster (repeatable)', multiple: true}),
    flows: Flags.string({description: 'Hubble flows exported with `hubble observe -o jsonpb` (repeatable)', multiple: true}),
    'ztunnel-log': Flags.string({description: 'ztunnel log, plain or JSON (repeatable)', multiple: true}),
    'waypoint-log': Flags.string({description: 'waypoint (Envoy) access log (repeatable)', multiple: true}),
    'tetragon-events': Flags.string({description: 'Tetragon events, export-stdout JSON lines (repeatable)', multiple: true}),
    'max-groups': Flags.integer({description: 'diagnose at most this many groups (most frequent first)', default: 50, min: 1}),
    kubeconfig: Flags.string({description: 'live: kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)'}),
    context: Flags.string({description: 'live: kubeconfig context'}),
    'request-timeout': Flags.string({description: 'live: timeout per API request (0: none, as in kubectl)', default: '10s'}),
    'read-timeout': Flags.string({description: 'live: bound of each evidence stream (Hubble flows, each pod log)', default: '60s'}),
    'hubble-server': Flags.string({description: 'live: Hubble Relay HOST:PORT (default: port-forward to kube-system/hubble-relay)'}),
    'hubble-tls': Flags.boolean({description: 'live: use TLS to Hubble'}),
    'hubble-ca': Flags.string({description: 'live: CA file for Hubble TLS'}),
    'hubble-server-name': Flags.string({description: 'live: TLS server name for Hubble'}),
    'tetragon-server': Flags.string({description: 'live: Tetragon gRPC HOST:PORT (default: export-stdout logs of the tetragon pods)'}),
    ...compileFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Triage)
    const code = await guard(async () => {
      const {parseDurationMs} = await import('../../src/cli/duration.js')
      const sinceMs = flags.since ? parseDurationMs(flags.since, '--since') : undefined
      if (flags.namespace && flags['all-namespaces']) throw new InputError('-n and -A exclude each other')
      const files = {
        ...(flags.flows ? {flows: flags.flows} : {}),
        ...(flags['ztunnel-log'] ? {ztunnelLogs: flags['ztunnel-log']} : {}),
        ...(flags['waypoint-log'] ? {waypointLogs: flags['waypoint-log']} : {}),
        ...(flags['tetragon-events'] ? {tetragonEvents: flags['tetragon-events']} : {}),
      }
      const {parseRequestTimeoutMs} = await import('../../src/cli/duration.js')
      const requestTimeoutMs = parseRequestTimeoutMs(flags['request-timeout'])
      const readTimeoutMs = parseDurationMs(flags['read-timeout'], '--read-timeout')
      const live = Object.keys(files).length === 0
      // As in debug connectivity: nothing read from a cluster (nor Cedar answers about it) reaches the disk cache.
      const {setDiskCacheEnabled, liveCacheAllowed} = await import('../../src/core/io/disk-cache.js')
      if (live && !liveCacheAllowed()) setDiskCacheEnabled(false)
      if (live && flags.specs?.length) throw new InputError('--specs is for offline triage of exported evidence (--flows, --ztunnel-log, --waypoint-log, --tetragon-events); live triage diagnoses against the cluster\'s LatticeServices')
      if (!live && (!flags.specs || flags.specs.length === 0)) throw new InputError('offline triage needs --specs (the LatticeService files the groups are diagnosed against)')
      const {triageOffline} = await import('../../src/diagnose/triage/run.js')
      const {triageLive} = await import('../../src/diagnose/triage/live.js')
      const report = live ? await triageLive({
        ...(flags.namespace ? {namespace: flags.namespace} : {}),
        ...(flags['all-namespaces'] ? {allNamespaces: true} : {}),
        ...(flags.layer ? {layers: flags.layer as Array<'l4' | 'l7' | 'runtime'>} : {}),
        sinceSeconds: Math.round((sinceMs ?? 15 * 60_000) / 1000),
        connect: connectOptionsFrom(flags, requestTimeoutMs),
        readTimeoutMs,
        ...evidenceServersFrom(flags),
        profile: compileOptionsFrom(flags).profile,
        maxDiagnosed: flags['max-groups'],
      }) : await triageOffline({
        files,
        ...(flags.namespace ? {namespace: flags.namespace} : {}),
        ...(flags.layer ? {layers: flags.layer as Array<'l4' | 'l7' | 'runtime'>} : {}),
        ...(sinceMs !== undefined ? {since: new Date(Date.now() - sinceMs).toISOString()} : {}),
        specPaths: flags.specs ?? [],
        policyPaths: flags.policies ?? [],
        options: compileOptionsFrom(flags),
        maxDiagnosed: flags['max-groups'],
      })
      if (flags.output === 'text') {
        const {renderTriageText} = await import('../../src/render/triage-text.js')
        const {useColor} = await import('../../src/render/color.js')
        process.stdout.write(renderTriageText(report, {color: useColor(process.stdout), width: process.stdout.columns || 80}))
      } else {
        const {renderStructured} = await import('../../src/render/structured.js')
        process.stdout.write(renderStructured(report, flags.output as 'json' | 'yaml'))
      }
      for (const s of report.sources.filter((x) => x.state === 'unavailable')) process.stderr.write(`warning: ${s.source} evidence unavailable: ${s.reason}\n`)
      for (const s of report.sources.filter((x) => x.state === 'partial')) process.stderr.write(`warning: ${s.source} evidence incomplete: ${s.reason}\n`)
      throw new ExitCode(report.groups.some((g) => g.verdict.status !== 'ALLOWED') ? 1 : 0)
    })
    if (code !== 0) this.exit(code)
  }
}
