// The conventions a kubectl user expects (issue 10.1): -h everywhere, `help COMMAND`,
// `version [--json]`, one-line "did you mean" errors for mistyped commands and flags (exit 2),
// completion scripts for bash, zsh and fish, examples in every command's help.
import {spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Ajv} from 'ajv'
import {describe, expect, it} from 'vitest'
import {cli} from '../helpers/cli.js'
import {PROJECT_ROOT} from '../helpers/shared.js'

const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {hidden?: boolean}>}
const commandIds = Object.keys(manifest.commands).filter((id) => !manifest.commands[id]!.hidden)
const spoken = (id: string) => id.split(':')

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  return lines[0]!
}

describe('help', () => {
  it.each([[[]], ...commandIds.map((id) => [spoken(id)])])('-h works for "platform %s"', (words) => {
    const r = cli([...words, '-h'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('USAGE')
  })

  // `platform help --help` is the root help (oclif's help command, as when it came from its plugin).
  it.each(commandIds.filter((id) => id !== 'help'))('every command\'s help has examples: %s', (id) => {
    const r = cli([...spoken(id), '--help'])
    expect(r.stdout).toContain('EXAMPLES')
  })

  it('platform help COMMAND is the command\'s help; debug connectivity shows live examples', () => {
    const r = cli(['help', 'debug', 'connectivity'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('USAGE')
    expect(r.stdout).toMatch(/\$ platform debug connectivity .* --context prod/)
  })
})

describe('version', () => {
  it('prints the name, version, Node.js and platform on one line', () => {
    const r = cli(['version'])
    expect(r.code).toBe(0)
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'))
    expect(r.stdout.trim()).toBe(`platform ${pkg.version} (${pkg.name}) node ${process.version} ${process.platform}-${process.arch}`)
  })

  it('--json is a Version document that follows schema/version.schema.json', () => {
    const r = cli(['version', '--json'])
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout)
    const validate = new Ajv({allErrors: true}).compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'version.schema.json'), 'utf8')))
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
    expect(doc).toMatchObject({apiVersion: 'platform.lattice.dev/v1alpha1', kind: 'Version', name: 'platform'})
  })
})

describe('mistakes get one line with the closest valid word, exit 2', () => {
  it('a mistyped command', () => {
    const r = cli(['compil', '--specs', 'examples/commerce'])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toBe('platform: unknown command "compil" (did you mean "compile"?); run "platform help" for the list')
  })

  it('a mistyped subcommand, with its arguments after it', () => {
    const r = cli(['debug', 'conectivity', 'commerce/checkout', 'commerce/payments'])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toBe('platform: unknown command "debug conectivity" (did you mean "debug connectivity"?); run "platform help debug" for the list')
  })

  it('a word nothing resembles gets no suggestion', () => {
    const r = cli(['frobnicate'])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toBe('platform: unknown command "frobnicate"; run "platform help" for the list')
  })

  it('a mistyped flag', () => {
    const r = cli(['compile', '--sepcs', 'examples/commerce'])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toBe('platform: unknown flag --sepcs (did you mean --specs?); see "platform compile --help"')
    expect(r.stdout).toBe('')
  })

  it('a value outside a flag\'s choices', () => {
    const r = cli(['compile', '-o', 'xml'])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/^platform: Expected --output=xml to be one of: yaml, json; see "platform compile --help"$/)
  })
})

describe('completion', () => {
  const script = (shell: string) => {
    const r = cli(['completion', shell])
    expect(r.code, r.stderr).toBe(0)
    return r.stdout
  }

  /** Runs the bash completion function for a command line ending at the cursor. */
  function complete(line: string[]): string[] {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-completion-'))
    writeFileSync(path.join(dir, 'c.bash'), script('bash'))
    const words = line.map((w) => `'${w}'`).join(' ')
    const r = spawnSync('bash', ['-c', `source ${dir}/c.bash; COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _platform_complete; printf '%s\\n' "\${COMPREPLY[@]}"`], {encoding: 'utf8'})
    expect(r.stderr).toBe('')
    return r.stdout.split('\n').filter(Boolean)
  }

  it('bash: commands, subcommands, flags and flag choices', () => {
    expect(complete(['platform', ''])).toEqual(expect.arrayContaining(['compile', 'debug', 'validate', 'version', 'completion']))
    expect(complete(['platform', 'deb'])).toEqual(['debug'])
    expect(complete(['platform', 'debug', 'c'])).toEqual(['connectivity'])
    expect(complete(['platform', 'debug', 'connectivity', 'a', 'b', '--sp'])).toEqual(['--specs'])
    expect(complete(['platform', 'compile', '-o', ''])).toEqual(['yaml', 'json'])
    expect(complete(['platform', 'compile', '--layer', 'l'])).toEqual(['l4', 'l7'])
    expect(complete(['platform', 'completion', 'f'])).toEqual(['fish'])
  })

  it('zsh: loads bash completion through bashcompinit', () => {
    const s = script('zsh')
    expect(s.startsWith('#compdef platform')).toBe(true)
    expect(s).toContain('bashcompinit')
    expect(s).toContain('complete -o default -F _platform_complete platform')
    if (spawnSync('zsh', ['--version']).status === 0) expect(spawnSync('zsh', ['-n'], {input: s}).status).toBe(0)
  })

  it('fish: a complete line per command word and flag, choices for fixed values', () => {
    const s = script('fish')
    expect(s).toContain(`complete -c platform -n 'not __fish_seen_subcommand_from compile completion debug help validate version' -a 'compile'`)
    expect(s).toMatch(/complete -c platform -n '__fish_seen_subcommand_from debug; and __fish_seen_subcommand_from connectivity' -l specs -r/)
    expect(s).toMatch(/-l output -s o -x -a 'yaml json'/)
    if (spawnSync('fish', ['--version']).status === 0) expect(spawnSync('fish', ['-n'], {input: s}).status).toBe(0)
  })

  it('an unknown shell is an input error', () => {
    const r = cli(['completion', 'tcsh'])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/^platform: Expected tcsh to be one of: bash, zsh, fish/)
  })
})

describe('validate -o json|yaml', () => {
  const ajv = () => {
    const a = new Ajv({allErrors: true})
    a.addSchema(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'compile-reports.schema.json'), 'utf8')))
    return a.compile(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema', 'validation-list.schema.json'), 'utf8')))
  }

  it('is a v1 List of ValidationReport documents, as compile --layer admission emits', () => {
    const r = cli(['validate', 'examples/commerce', '-o', 'json'])
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout)
    const validate = ajv()
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
    expect(doc.items.map((i: {metadata: {name: string}}) => i.metadata.name).sort()).toEqual(['checkout', 'inventory', 'orders-db', 'payments', 'web'])
  })

  it('an unreadable path is an InputProblem item and exit 2', () => {
    const r = cli(['validate', 'examples/commerce', '/nonexistent/specs.yaml', '-o', 'json'])
    expect(r.code).toBe(2)
    const doc = JSON.parse(r.stdout)
    expect(ajv()(doc)).toBe(true)
    expect(doc.items.filter((i: {kind: string}) => i.kind === 'InputProblem')).toHaveLength(1)
  })
})
