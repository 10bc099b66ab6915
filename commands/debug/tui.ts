import {Args} from '@oclif/core'
import {PlatformCommand} from '../../src/cli/command.js'
import {guard} from '../../src/cli/guard.js'
import Connectivity from './connectivity.js'

export default class Tui extends PlatformCommand {
  static override summary = 'Interactive connectivity diagnosis: pick a pair, drill into each layer, try the fix, watch new denials'
  static override description = `The same diagnosis as \`debug connectivity\` (same flags, same data), in a keyboard-driven
terminal UI: a service picker when A or B is missing, the verdict filling in as sources answer,
a drill-down per layer, the fix as a diff with a what-if re-run, and (live) a watch of new drops.
Press ? for every key. Without a terminal it prints the text report instead.`
  static override examples = [
    '<%= config.bin %> debug tui --specs examples/commerce',
    '<%= config.bin %> debug tui commerce/inventory commerce/orders-db --specs examples/commerce',
    '<%= config.bin %> debug tui commerce/checkout commerce/payments',
  ]
  static override args = {
    source: Args.string({description: 'caller: <namespace>/<name> or <name> with -n (picked interactively when missing)'}),
    target: Args.string({description: 'callee: <namespace>/<name> or <name> with -n (picked interactively when missing)'}),
  }
  static override flags = Connectivity.flags

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Tui)
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      // A pipe or CI: the text report, with the same exit codes.
      process.stderr.write('platform: not a terminal: printing the text report instead of the TUI\n')
      if (!args.source || !args.target) {
        process.stderr.write('platform: expected two arguments: <source> <target> (the picker needs a terminal)\n')
        this.exit(2)
      }
      return Connectivity.run(this.argv.filter((a) => a !== '-i' && a !== '--interactive'), this.config)
    }
    const {launchTui} = await import('../../src/render/tui/launch.js')
    const code = await guard(() => launchTui(args, flags))
    if (code !== 0) this.exit(code)
  }
}
