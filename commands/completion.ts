import {Args} from '@oclif/core'
import {PlatformCommand} from '../src/cli/command.js'

export default class Completion extends PlatformCommand {
  static override summary = 'Print the shell completion script (bash, zsh or fish)'
  static override description = `Completes commands, flags and flag values with fixed choices. Like kubectl's, the script is
static: nothing is cached and no process starts on each key press.`
  static override examples = [
    'source <(<%= config.bin %> completion bash)                       # bash, this shell',
    '<%= config.bin %> completion bash > /etc/bash_completion.d/<%= config.bin %>  # bash, every shell',
    'source <(<%= config.bin %> completion zsh)',
    '<%= config.bin %> completion fish > ~/.config/fish/completions/<%= config.bin %>.fish',
  ]
  static override args = {shell: Args.string({description: 'the shell', required: true, options: ['bash', 'zsh', 'fish']})}

  async run(): Promise<void> {
    const {args} = await this.parse(Completion)
    const {completionScript} = await import('../src/cli/completion.js')
    const commands = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({
        words: c.id.split(':').join(' '),
        summary: c.summary ?? c.description?.split('\n')[0] ?? '',
        ...(Object.values(c.args)[0]?.options ? {argOptions: [...Object.values(c.args)[0]!.options!]} : {}),
        flags: Object.entries(c.flags)
          .filter(([, f]) => !f.hidden)
          .map(([name, f]) => ({
            name,
            ...(f.char ? {char: f.char} : {}),
            ...(f.type === 'option' && f.options ? {options: [...f.options]} : {}),
            takesValue: f.type === 'option',
            summary: (f.summary ?? f.description ?? '').split('\n')[0]!,
          })),
      }))
    process.stdout.write(completionScript(args.shell as 'bash' | 'zsh' | 'fish', this.config.bin, commands))
  }
}
