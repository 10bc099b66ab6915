// Build step: bundles the two @kubernetes/client-node classes the CLI uses (KubeConfig,
// PortForward) into one ESM file, dist/vendor/client-node.js. The package is ~940 ESM
// modules (its generated API comes in through config.js); Node resolves and evaluates each
// one, which costs ~1 s and ~55 MB before the first request of a live diagnosis. The
// bundle is the same code, tree-shaken, in one file.
//
// Two things keep that file small, because compiling and evaluating it is on the critical
// path of every live command (before the first request, since the kubeconfig needs it):
// - client-node's own modules are declared free of side effects (the package does not say
//   so; none of its modules is imported for its effects alone: no bare `import '...'`), so
//   esbuild drops the generated models and APIs KubeConfig never reaches (1.77 MB → 0.66 MB);
// - node-fetch's `whatwg-url` (with tr46's 300 KB mapping table) becomes Node's own URL:
//   node-fetch only reads it as `Url.URL || whatwgUrl.URL`, and Node's url.URL always exists.
// Import time of the bundle on the 2-CPU build machine: 65 → 32 ms (bench/RESULTS.md).
// test/cluster/client-node-bundle.test.ts checks the bundle's KubeConfig against the
// package's on token, client-certificate and exec-plugin users.
import {build} from 'esbuild'
import {fileURLToPath} from 'node:url'
import path from 'node:path'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

/** client-node's own modules: free of side effects (see above). */
const clientNodeWithoutSideEffects = {
  name: 'client-node-without-side-effects',
  setup(b) {
    b.onResolve({filter: /.*/}, async (args) => {
      if (args.pluginData?.resolving || args.kind === 'entry-point') return undefined
      const resolved = await b.resolve(args.path, {resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: {resolving: true}})
      if (resolved.errors.length > 0 || !resolved.path.includes(`${path.sep}@kubernetes${path.sep}client-node${path.sep}`)) return undefined
      return {...resolved, sideEffects: false}
    })
  },
}

/** `whatwg-url` as Node's own URL (node-fetch's fallback for runtimes without url.URL). */
const whatwgUrlIsNodeUrl = {
  name: 'whatwg-url-is-node-url',
  setup(b) {
    b.onResolve({filter: /^whatwg-url$/}, () => ({path: 'whatwg-url', namespace: 'node-url'}))
    b.onLoad({filter: /.*/, namespace: 'node-url'}, () => ({contents: 'export default {URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams}', loader: 'js'}))
  },
}

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
  plugins: [whatwgUrlIsNodeUrl, clientNodeWithoutSideEffects],
})
