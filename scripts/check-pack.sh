#!/usr/bin/env bash
# Packs the CLI as it would be published, installs the tarball into an empty folder (only the
# registry's copies of its dependencies, no devDependencies, no build step) and runs the
# README's first command with it. Also fails when the tarball carries files a user does not
# need (tests, sources, benchmarks) or lacks what the CLI loads at run time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
unwanted=$(tar -tzf "$work/$tarball" | grep -E '^package/(test|bench|src|commands|e2e-kind|scripts|node_modules)/|\.ts$' | grep -v '\.d\.ts$' || true)
if [ -n "$unwanted" ]; then
  echo "check-pack: the tarball holds files a user does not need:" >&2
  echo "$unwanted" | head -20 >&2
  exit 1
fi
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --omit=dev "$work/$tarball" >/dev/null
name=$(node -p "require('$root/package.json').name")
npx --no-install platform --version
npx --no-install platform debug connectivity commerce/checkout commerce/payments --specs "node_modules/$name/examples/commerce"
# The live pair's worker threads (scripts/bundle-workers.mjs) run from the installed package:
# the Hubble one reports a dead Relay by its address, the Cedar one parses a policy.
pkg="$PWD/node_modules/$name"
cat > "$work/workers.mjs" <<'JS'
import {MessageChannel, Worker} from 'node:worker_threads'
const pkg = process.argv[2]
const hubble = new Worker(`${pkg}/dist/bundle/hubble/relay-worker.js`, {workerData: {address: '127.0.0.1:1', timeoutMs: 2000}})
const answer = await new Promise((resolve, reject) => {
  hubble.on('message', (m) => m.type !== 'connected' && resolve(m))
  hubble.on('error', reject)
  hubble.postMessage({type: 'read', request: {filter: {hops: []}, since: new Date(), keep: 1, backstopMs: 2200}})
})
await hubble.terminate()
const reason = answer.type === 'failed' ? answer.message : answer.result.state.reason
if (!String(reason).includes('127.0.0.1:1')) throw new Error(`hubble worker: unexpected answer ${JSON.stringify(answer)}`)
const {port1, port2} = new MessageChannel()
const cedar = new Worker(`${pkg}/dist/bundle/cedar/parse-worker.js`, {workerData: {port: port2, wasm: {services: 2}}, transferList: [port2]})
port1.postMessage({type: 'parse', objects: [{metadata: {name: 'p', namespace: 'lattice-system'}, spec: {policies: 'permit (principal, action, resource);'}}]})
const parsed = await new Promise((resolve, reject) => {
  port1.once('message', resolve)
  cedar.on('error', reject)
})
await cedar.terminate()
port1.close()
if (parsed.parsed?.policies?.[0]?.effect !== 'permit') throw new Error(`cedar worker: unexpected answer ${JSON.stringify(parsed)}`)
JS
node "$work/workers.mjs" "$pkg"
echo "check-pack: $tarball installs into an empty folder and runs the README's first command and the live pair's worker threads"
