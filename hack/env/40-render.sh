#!/usr/bin/env bash
# Test environment of the render checks (test/integration/render): besides the newest kubeadm
# (hack/env/10-kube.sh), a kubeadm of the last minor that reads kubeadm.k8s.io/v1beta3 (1.30),
# so the v1beta3 files nkd writes for Kubernetes < 1.31 are validated by the real tool.
# 1.30.4: the newest 1.30 patch whose staging modules (k8s.io/kube-proxy ...) are all on the
# Go module proxy. Cached by hack/kube/build.sh: a second run takes a second.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v go >/dev/null || { echo "40-render.sh: Go is required to build kubeadm" >&2; exit 1; }
bash hack/kube/build.sh 1.30.4 kubeadm
