// Build step: bundles the two @kubernetes/client-node classes the CLI uses (KubeConfig,
// PortForward) into one ESM file, dist/vendor/client-node.js. The package is ~940 ESM
// modules (its generated API comes in through config.js); Node resolves and evaluates each
// one, which costs ~1 s and ~55 MB before the first request of a live diagnosis. The
// bundle is the same code, tree-shaken, in one file: ~0.2 s. src/cluster/client-node.ts
// loads it when present and the package itself otherwise (source tree, tests under tsx).
import {build} from 'esbuild'
import {fileURLToPath} from 'node:url'
import path from 'node:path'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

await build({
  stdin: {contents: "export {KubeConfig, PortForward} from '@kubernetes/client-node'", resolveDir: root, loader: 'js'},
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(root, 'dist/vendor/client-node.js'),
  // CommonJS dependencies inside the bundle call require() for Node built-ins.
  banner: {js: "import {createRequire as __platformCreateRequire} from 'node:module'; const require = __platformCreateRequire(import.meta.url);"},
  // ws probes these optional native add-ons with try/require; without them it uses JS.
  external: ['bufferutil', 'utf-8-validate'],
  legalComments: 'eof',
  logLevel: 'warning',
})
