#!/usr/bin/env bash
# Deploys the e2e fleet (e2e-kind/specs: examples/commerce on public images, plus the scenario
# services) as the platform would: the specs as LatticeService/CedarPolicy objects, the
# workloads the operator would run, and exactly the policies `platform compile` emits.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK_DIR"

log "compiling e2e-kind/specs"
# Exit 1 is expected: commerce/reports is denied by Cedar (its resources are not emitted).
set +e
node "$ROOT_DIR/bin/run.js" compile --specs "$E2E_DIR/specs" -o yaml >"$WORK_DIR/compiled.yaml" 2>"$WORK_DIR/compile.err"
rc=$?
set -e
if [ "$rc" -gt 1 ]; then
  cat "$WORK_DIR/compile.err" >&2
  exit "$rc"
fi
node --import tsx "$E2E_DIR/render-workloads.ts" "$E2E_DIR/specs" "$WORK_DIR/compiled.yaml" >"$WORK_DIR/workloads.yaml"

log "applying workloads, specs and compiled policies"
k apply -f "$WORK_DIR/workloads.yaml"
k apply -f "$E2E_DIR/specs"
# The compiled stream holds the mesh members and every policy object; comments are ignored.
k apply -f "$WORK_DIR/compiled.yaml"
for ns in commerce storefront; do
  k -n "$ns" rollout status deploy --timeout=300s
done
k -n commerce wait --for=condition=Programmed gateway/commerce-waypoint --timeout=180s || log "waypoint not Programmed yet"
log "deployed"
