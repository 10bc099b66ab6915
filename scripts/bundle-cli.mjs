// Build step: bundles the CLI (oclif core, the command map src/cli/commands.ts and what the
// commands import) with esbuild into dist/bundle/cli/. Node then reads a handful of files at
// start instead of ~200 modules (@oclif/core alone is ~2x `node -e 0`). Code the commands
// import lazily (`await import(...)`) lands in separate chunks (code splitting), so it is
// still loaded only by the commands that need it. Kept external: cedar-wasm (a .wasm file
// beside its loader), gRPC (loaded lazily, reads .proto files at run time), client-node
// (its own one-file bundle, dist/vendor/client-node.js, loaded by URL from
// src/cluster/client-node.ts — dist/bundle/cli sits at the depth of dist/src/cluster so that
// relative URL still resolves) and typescript/ts-node (oclif probes them only in development).
// The output directory mirrors the depth of dist/src/<dir>: modules that locate the package
// walk up to package.json and find the same root.
import {build} from 'esbuild'
import {readFileSync, rmSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import path from 'node:path'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const outdir = path.join(root, 'dist/bundle/cli')
rmSync(outdir, {recursive: true, force: true})

// oclif sorts each plugin's commands with localeCompare when it loads, at every start; the
// first localeCompare of a process builds ICU's collator (~6 ms, a twentieth of `--help`).
// Command ids are ASCII, for which code-unit order is the same order
// (test/cli/commands-map.test.ts checks it on the command map). The build fails if oclif's
// line changes, rather than silently keep the slow sort.
const OCLIF_COMMAND_SORT = '.sort((a, b) => a.id.localeCompare(b.id))'
const oclifCommandSort = {
  name: 'oclif-command-sort',
  setup(b) {
    b.onLoad({filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/}, (args) => {
      const text = readFileSync(args.path, 'utf8')
      if (!text.includes(OCLIF_COMMAND_SORT)) throw new Error(`${args.path}: oclif's command sort changed; update scripts/bundle-cli.mjs`)
      return {contents: text.replace(OCLIF_COMMAND_SORT, '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))'), loader: 'js'}
    })
  },
}

await build({
  plugins: [oclifCommandSort],
  stdin: {
    contents: "export {execute} from '@oclif/core'\nexport {COMMANDS} from './dist/src/cli/commands.js'\n",
    resolveDir: root,
    sourcefile: 'platform-entry.js',
    loader: 'js',
  },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir,
  entryNames: 'platform',
  chunkNames: 'chunk-[hash]',
  // CommonJS dependencies (oclif) call require() for Node built-ins and their own files.
  banner: {js: "import {createRequire as __platformCreateRequire} from 'node:module'; const require = __platformCreateRequire(import.meta.url);"},
  external: [
    '@cedar-policy/cedar-wasm', '@cedar-policy/cedar-wasm/*',
    '@grpc/grpc-js', '@grpc/proto-loader',
    '@kubernetes/client-node',
    'typescript', 'ts-node', 'bufferutil', 'utf-8-validate',
    // The TUI (ink, React) loads only for `debug tui` / `-i`; ink's optional devtools hook is
    // not installed at all.
    'ink', 'react', 'react/*', '@inkjs/ui', 'react-devtools-core',
  ],
  // Whitespace and syntax only: names stay readable in stack traces (DEBUG=platform).
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  logLevel: 'warning',
})
