#!/usr/bin/env node
// Entry point. The built CLI runs from the esbuild bundle (scripts/bundle-cli.mjs): oclif
// and the command map in a few files, heavy code in lazily loaded chunks; oclif reads the
// generated oclif.manifest.json, so `platform --help` imports no command.
// PLATFORM_UNBUNDLED=1 runs the same commands from tsc's dist/ and node_modules instead
// (the bundle-equivalence test compares the two).
const major = Number(process.versions.node.split('.')[0])
if (major < 20) {
  // oclif's own engine check reads its package.json beside its sources, which a bundle lacks.
  process.stderr.write(`platform: Node.js >= 20 is required (this is ${process.version})\n`)
  process.exit(2)
}

const argv = process.argv.slice(2)
if (argv.length === 1 && argv[0] === '--version' && process.env.PLATFORM_UNBUNDLED !== '1') {
  // oclif's `--version` prints its user agent and nothing else; no need to load oclif for that
  // (test/cli/bundle.test.ts compares it with oclif's own answer; oclif says `wsl` for the
  // platform under WSL, this says `linux`).
  const {readFileSync} = await import('node:fs')
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else if (process.env.PLATFORM_UNBUNDLED === '1') {
  const [{execute}, {readFileSync}, {fileURLToPath}] = await Promise.all([import('@oclif/core'), import('node:fs'), import('node:url')])
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  pjson.oclif.commands = {...pjson.oclif.commands, target: './dist/src/cli/commands.js'}
  await execute({loadOptions: {root: fileURLToPath(new URL('..', import.meta.url)), pjson}})
} else {
  // oclif's engine check (run as its index loads) looks for its package.json beside its
  // sources; in the bundle it finds none and only costs loading semver (~3 ms). The check
  // above, on package.json's engines (test/cli/engine-check.test.ts), is the one that holds.
  const preset = 'OCLIF_DISABLE_ENGINE_WARNING' in process.env
  if (!preset) process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
  const {execute} = await import('../dist/bundle/cli/platform.js')
  if (!preset) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
  await execute({dir: import.meta.url})
}
