import {Flags} from '@oclif/core'
import {PlatformCommand} from '../src/cli/command.js'

export default class Version extends PlatformCommand {
  static override summary = 'Print the version of the CLI, Node.js and the platform it runs on'
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json']
  static override flags = {
    json: Flags.boolean({description: 'print as a JSON document (kind Version)'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Version)
    const {config} = this
    if (flags.json) {
      const doc = {
        apiVersion: 'platform.lattice.dev/v1alpha1',
        kind: 'Version',
        name: config.bin,
        package: config.name,
        version: config.version,
        node: process.version,
        platform: config.platform,
        arch: config.arch,
      }
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`)
      return
    }
    process.stdout.write(`${config.bin} ${config.version} (${config.name}) node ${process.version} ${config.platform}-${config.arch}\n`)
  }
}
