#!/usr/bin/env bash
# Deletes the e2e kind cluster.
source "$(dirname "$0")/lib.sh"
kind delete cluster --name "$CLUSTER_NAME"
