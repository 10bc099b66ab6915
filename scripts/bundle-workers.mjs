// Build step: bundles the worker threads, each into one file.
//
// Hubble: the Relay worker thread (src/layers/cilium/hubble/relay-worker.ts)
// with @grpc/grpc-js, @grpc/proto-loader and protobufjs into one file,
// dist/bundle/hubble/relay-worker.js, and compiles the observer protos into it as a JSON
// descriptor (src/layers/cilium/hubble/descriptor.ts). Unbundled, the worker's start resolved
// and evaluated ~150 modules and parsed the .proto text (~150-200 ms of CPU on the critical
// path of a live pair with evidence); bundled it reads one file and parses no .proto.
// relay-read.ts starts this file when present, the unbundled dist/src entry otherwise. Only
// the worker loads it: `platform --help` and runs without Hubble never do.
//
// Cedar: the policy-parse worker of a live pair (src/layers/cedar/parse-worker.ts, started by
// parse-offthread.ts) and the gates worker of a fleet compile (thread-worker.ts, started by
// thread.ts), dist/bundle/cedar/*.js, with cedar-wasm left outside (its loader reads the
// .wasm beside it).
import {build} from 'esbuild'
import {fileURLToPath, pathToFileURL} from 'node:url'
import path from 'node:path'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const {observerDescriptorJson, OBSERVER_PROTO} = await import(pathToFileURL(path.join(root, 'dist/src/layers/cilium/hubble/descriptor.js')).href)
const descriptor = JSON.stringify(await observerDescriptorJson(path.join(root, 'proto', 'hubble')))

const virtualDescriptor = {
  name: 'hubble-observer-descriptor',
  setup(b) {
    b.onResolve({filter: /^hubble-observer-descriptor$/}, (args) => ({path: args.path, namespace: 'hubble-descriptor'}))
    b.onLoad({filter: /.*/, namespace: 'hubble-descriptor'}, () => ({contents: descriptor, loader: 'json'}))
  },
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (grpc-js, protobufjs) call require() for Node built-ins.
  banner: {js: "import {createRequire as __platformCreateRequire} from 'node:module'; const require = __platformCreateRequire(import.meta.url);"},
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  logLevel: 'warning',
}

await build({
  ...common,
  plugins: [virtualDescriptor],
  stdin: {
    // Registered before the worker module runs (it starts connecting on evaluation).
    contents: [
      "import {registerProtoDescriptor} from './dist/src/core/io/grpc.js'",
      "import observer from 'hubble-observer-descriptor'",
      `registerProtoDescriptor(${JSON.stringify(OBSERVER_PROTO)}, observer)`,
      "await import('./dist/src/layers/cilium/hubble/relay-worker.js')",
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'hubble-worker-entry.js',
    loader: 'js',
  },
  outfile: path.join(root, 'dist/bundle/hubble/relay-worker.js'),
})

for (const worker of ['parse-worker', 'thread-worker']) {
  await build({
    ...common,
    entryPoints: [path.join(root, `dist/src/layers/cedar/${worker}.js`)],
    outfile: path.join(root, `dist/bundle/cedar/${worker}.js`),
    external: ['@cedar-policy/cedar-wasm', '@cedar-policy/cedar-wasm/*'],
  })
}
