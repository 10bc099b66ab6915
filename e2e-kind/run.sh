#!/usr/bin/env bash
# `npm run e2e:kind`: skips with one line when the tools are missing (as on this project's CI,
# which has no Docker and no image registry); otherwise brings the cluster up, deploys the
# fleet and runs the e2e suite. E2E_KEEP=1 keeps the cluster afterwards.
source "$(dirname "$0")/lib.sh"
mapfile -t missing < <(missing_tools)
if [ "${#missing[@]}" -gt 0 ] && [ -n "${missing[0]}" ]; then
  list=$(printf '%s, ' "${missing[@]}")
  echo "e2e-kind: skipped: missing ${list%, }"
  exit 0
fi
"$E2E_DIR/up.sh"
"$E2E_DIR/deploy.sh"
status=0
E2E_KUBE_CONTEXT="$KUBE_CONTEXT" npx vitest run --config "$E2E_DIR/vitest.config.ts" || status=$?
if [ "${E2E_KEEP:-0}" != 1 ]; then "$E2E_DIR/down.sh"; fi
exit "$status"
