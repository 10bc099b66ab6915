// Shell completion scripts (bash, zsh, fish) generated from oclif's command manifest, in the
// manner of `kubectl completion SHELL`: a static script, no cache and no process started per
// keystroke. Completes commands and topics, flags, and flag values that have fixed options.

export interface CompletionCommand {
  /** Space-separated command words, e.g. "debug connectivity". */
  words: string
  summary: string
  /** Fixed choices of the first argument (e.g. the shells of `completion`). */
  argOptions?: string[]
  flags: {name: string; char?: string; options?: string[]; takesValue: boolean; summary: string}[]
}

export type Shell = 'bash' | 'zsh' | 'fish'

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
const fname = (bin: string) => `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}_complete`

/** Every word that may follow `prefix` ("" for the top level): subcommands and topics. */
function children(commands: CompletionCommand[], prefix: string): string[] {
  const depth = prefix === '' ? 0 : prefix.split(' ').length
  const next = new Set<string>()
  for (const c of commands) {
    const w = c.words.split(' ')
    if (w.length > depth && (prefix === '' || c.words.startsWith(`${prefix} `))) next.add(w[depth]!)
  }
  return [...next].sort()
}

function prefixes(commands: CompletionCommand[]): string[] {
  const out = new Set<string>([''])
  for (const c of commands) {
    const w = c.words.split(' ')
    for (let i = 1; i < w.length; i++) out.add(w.slice(0, i).join(' '))
  }
  return [...out]
}

function bash(bin: string, commands: CompletionCommand[]): string {
  const fn = fname(bin)
  const cases: string[] = []
  for (const p of prefixes(commands)) {
    const own = commands.find((c) => c.words === p)
    if (own) continue
    cases.push(`    ${q(p)}) words_=${q(children(commands, p).join(' '))} ;;`)
  }
  const valueCases: string[] = []
  for (const c of commands) {
    const flagWords = c.flags.flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])])
    const sub = children(commands, c.words)
    cases.push(`    ${q(c.words)}) words_=${q([...sub, ...(c.argOptions ?? []), ...flagWords].join(' '))} ;;`)
    for (const f of c.flags.filter((x) => x.takesValue)) {
      for (const spelled of [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]) {
        valueCases.push(`    ${q(`${c.words} ${spelled}`)}) ${f.options ? `COMPREPLY=($(compgen -W ${q(f.options.join(' '))} -- "$cur")); return ;;` : 'return ;;'}`)
      }
    }
  }
  return `# ${bin} completion for bash. Load it with:
#   source <(${bin} completion bash)
${fn}() {
  local cur prev cmd words_ i w
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && break
    case "$cmd" in
      ${commands.map((c) => q(c.words)).join('|')}) break ;;
    esac
    cmd="\${cmd:+$cmd }$w"
  done
  case "$cmd $prev" in
${valueCases.join('\n')}
  esac
  words_=""
  case "$cmd" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words_" -- "$cur"))
}
complete -o default -F ${fn} ${bin}
`
}

function zsh(bin: string, commands: CompletionCommand[]): string {
  return `#compdef ${bin}
# ${bin} completion for zsh (through bash completion). Load it with:
#   source <(${bin} completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bash(bin, commands).split('\n').filter((l) => !l.startsWith('#')).join('\n')}`
}

function fish(bin: string, commands: CompletionCommand[]): string {
  const lines = [`# ${bin} completion for fish. Load it with:`, `#   ${bin} completion fish | source`, `complete -c ${bin} -f`]
  const seen = (words: string) => words.split(' ').map((w) => `__fish_seen_subcommand_from ${w}`).join('; and ')
  for (const p of prefixes(commands)) {
    const kids = children(commands, p)
    const cond = p === '' ? `not __fish_seen_subcommand_from ${kids.join(' ')}` : `${seen(p)}; and not __fish_seen_subcommand_from ${kids.join(' ')}`
    for (const k of kids) {
      const c = commands.find((x) => x.words === (p ? `${p} ${k}` : k))
      lines.push(`complete -c ${bin} -n ${q(cond)} -a ${q(k)}${c ? ` -d ${q(c.summary)}` : ''}`)
    }
  }
  for (const c of commands) {
    if (c.argOptions) lines.push(`complete -c ${bin} -n ${q(seen(c.words))} -a ${q(c.argOptions.join(' '))}`)
    for (const f of c.flags) {
      const value = f.options ? ` -x -a ${q(f.options.join(' '))}` : f.takesValue ? ' -r' : ''
      lines.push(`complete -c ${bin} -n ${q(seen(c.words))} -l ${f.name}${f.char ? ` -s ${f.char}` : ''}${value} -d ${q(f.summary)}`)
    }
  }
  return `${lines.join('\n')}\n`
}

export function completionScript(shell: Shell, bin: string, commands: CompletionCommand[]): string {
  return shell === 'bash' ? bash(bin, commands) : shell === 'zsh' ? zsh(bin, commands) : fish(bin, commands)
}
