#!/usr/bin/env bash
# Creates the kind cluster (no default CNI, no kube-proxy) and installs pinned Cilium (kube-proxy
# replacement, Hubble Relay), Istio ambient (istiod, istio-cni, ztunnel), Gateway API CRDs for
# the waypoint, Tetragon (export-stdout) and the Lattice CRDs. Idempotent: an existing cluster
# of the same name is reused.
source "$(dirname "$0")/lib.sh"

if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  log "creating kind cluster $CLUSTER_NAME ($KIND_NODE_IMAGE)"
  kind create cluster --name "$CLUSTER_NAME" --image "$KIND_NODE_IMAGE" --config "$E2E_DIR/kind-config.yaml"
fi

log "Gateway API CRDs $GATEWAY_API_VERSION"
k apply --server-side -f "https://github.com/kubernetes-sigs/gateway-api/releases/download/$GATEWAY_API_VERSION/standard-install.yaml"

helm repo add cilium https://helm.cilium.io >/dev/null 2>&1 || true
helm repo add istio https://istio-release.storage.googleapis.com/charts >/dev/null 2>&1 || true
helm repo update >/dev/null

log "Cilium $CILIUM_VERSION (kube-proxy replacement, Hubble Relay; settings Istio ambient needs)"
helm upgrade --install cilium cilium/cilium --kube-context "$KUBE_CONTEXT" -n kube-system \
  --version "$CILIUM_VERSION" \
  --set kubeProxyReplacement=true \
  --set k8sServiceHost="$CLUSTER_NAME-control-plane" --set k8sServicePort=6443 \
  --set hubble.relay.enabled=true \
  --set cni.exclusive=false \
  --set socketLB.hostNamespaceOnly=true \
  --set bpf.masquerade=false \
  --wait
cilium status --context "$KUBE_CONTEXT" --wait

log "Istio $ISTIO_VERSION ambient"
helm upgrade --install istio-base istio/base --kube-context "$KUBE_CONTEXT" -n istio-system --create-namespace --version "$ISTIO_VERSION" --wait
helm upgrade --install istiod istio/istiod --kube-context "$KUBE_CONTEXT" -n istio-system --version "$ISTIO_VERSION" --set profile=ambient --wait
helm upgrade --install istio-cni istio/cni --kube-context "$KUBE_CONTEXT" -n istio-system --version "$ISTIO_VERSION" --set profile=ambient --wait
helm upgrade --install ztunnel istio/ztunnel --kube-context "$KUBE_CONTEXT" -n istio-system --version "$ISTIO_VERSION" --wait
istioctl --context "$KUBE_CONTEXT" version --remote || true

log "Tetragon $TETRAGON_VERSION (export-stdout)"
helm upgrade --install tetragon cilium/tetragon --kube-context "$KUBE_CONTEXT" -n kube-system --version "$TETRAGON_VERSION" --wait

log "Lattice CRDs"
k apply -f "$E2E_DIR/manifests/lattice-crds.yaml" -f "$E2E_DIR/manifests/lattice-system.yaml"
k wait --for=condition=Established crd/latticeservices.lattice.dev crd/latticemeshmembers.lattice.dev crd/cedarpolicies.lattice.dev
log "cluster ready: context $KUBE_CONTEXT"
