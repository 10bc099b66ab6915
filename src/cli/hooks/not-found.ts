// oclif `command_not_found` hook: one line with the closest command, exit 2 (a usage error),
// instead of oclif's interactive prompt or a bare "not found" (which suggests nothing when
// stdin is not a terminal).
import type {Hook} from '@oclif/core'
import {didYouMean} from '../../core/suggest.js'

const hook: Hook<'command_not_found'> = async function (opts) {
  const sep = opts.config.topicSeparator ?? ' '
  const spoken = (id: string) => id.split(':').join(sep)
  const visible = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases])
  // oclif hands over the command and its arguments as one id (`debug:conectivity:a:b`): the
  // unknown command ends at the first word that is not a topic.
  const parts = opts.id.split(':')
  let depth = 1
  while (depth < parts.length && opts.config.findTopic(parts.slice(0, depth).join(':'))) depth++
  const unknown = parts.slice(0, depth).join(':')
  const sameDepth = visible.filter((id) => id.split(':').length === depth)
  const hint = didYouMean(unknown, sameDepth, (id) => `"${spoken(id)}"`)
  const topic = depth > 1 ? ` ${spoken(parts.slice(0, depth - 1).join(':'))}` : ''
  process.stderr.write(`${opts.config.bin}: unknown command "${spoken(unknown)}"${hint}; run "${opts.config.bin} help${topic}" for the list\n`)
  process.exitCode = 2
  // oclif's own "command not found" error must not follow: end here once stderr is written.
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()))
  process.exit(2)
}

export default hook
