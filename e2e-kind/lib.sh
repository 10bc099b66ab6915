#!/usr/bin/env bash
# Shared by the e2e-kind scripts: paths, pinned versions, logging, the tool check.
# shellcheck disable=SC2034  # variables are used by the scripts that source this file
set -euo pipefail
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$E2E_DIR/.." && pwd)
WORK_DIR=${E2E_WORK_DIR:-$ROOT_DIR/.e2e-kind}
# shellcheck source=versions.env
source "$E2E_DIR/versions.env"
KUBE_CONTEXT="kind-$CLUSTER_NAME"
REQUIRED_TOOLS=(docker kind kubectl helm cilium istioctl)

log() { printf 'e2e-kind: %s\n' "$*" >&2; }

# Prints the required tools that are not on PATH (or a docker without a running engine).
missing_tools() {
  local missing=() t
  for t in "${REQUIRED_TOOLS[@]}"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  if command -v docker >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
    missing+=("a running Docker engine")
  fi
  printf '%s\n' "${missing[@]}"
}

k() { kubectl --context "$KUBE_CONTEXT" "$@"; }
