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
echo "check-pack: $tarball installs into an empty folder and runs the README's first command"
