#!/usr/bin/env bash
# Builds everything nkd's real-cluster test needs except pushing images (that needs the registry
# the e2e test starts: hack/cluster/registry.sh, then hack/cluster/images.sh REGISTRY):
#  1. Kubernetes 1.37.1: kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy,
#     kubelet, kubeadm (hack/kube/build.sh);
#  2. the 1.37.2 STAND-IN patch release: the same 1.37.1 source relinked with version strings
#     v1.37.2 (hack/kube/build.sh --stand-in; only the link step is redone);
#  3. etcd, CoreDNS, flanneld, the flannel CNI plugin, pause (hack/cluster/go-tools.sh);
#  4. the node root with the stand-in rpm-ostree and its two OS trees (hack/cluster/node-root.sh);
#  5. the image layouts (hack/cluster/images.sh --build-only), so the push is quick.
# All cached in ${NKD_CACHE_DIR:-$HOME/.cache/nkd}; a second run takes seconds. Prints the time
# of each step. Measured cold times: docs/testing.md ("A real cluster").
set -euo pipefail
cd "$(dirname "$0")/../.."
KUBE_VERSION=1.37.1
STANDIN_VERSION=1.37.2
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubeadm)

step() {
  local name="$1" start rc=0; shift
  start=$(date +%s)
  "$@" >&2 || rc=$?
  echo "cluster build: $name: $(( $(date +%s) - start ))s$([ $rc = 0 ] || echo " FAILED (exit $rc): $*")" >&2
  # steps that did real work, for the benchmarks (npm run bench -- cluster); kube binaries are
  # recorded one by one by hack/kube/build.sh
  if [ $rc = 0 ] && [ $(( $(date +%s) - start )) -ge 5 ] && [[ "$name" != kube* ]]; then
    printf '%s\t%s\n' "$name" "$(( $(date +%s) - start ))" >> "${NKD_CACHE_DIR:-$HOME/.cache/nkd}/build-times.tsv"
  fi
  return $rc
}
total=$(date +%s)
step "kube $KUBE_VERSION" bash hack/kube/build.sh "$KUBE_VERSION" "${BINARIES[@]}"
step "kube $STANDIN_VERSION (stand-in)" bash hack/kube/build.sh --stand-in "$STANDIN_VERSION" "$KUBE_VERSION" "${BINARIES[@]}"
step "go tools" bash hack/cluster/go-tools.sh
step "node root" bash hack/cluster/node-root.sh
# the operator image needs dist/ and node_modules, which exist only after npm ci: the test
# builds it when it pushes the images
step "image layouts" bash hack/cluster/images.sh --build-only --no-operator
echo "cluster build: total $(( $(date +%s) - total ))s" >&2
cache="${NKD_CACHE_DIR:-$HOME/.cache/nkd}"
echo "node root: $cache/cluster/node-root"
echo "OS images: $cache/cluster/os-images.json $(jq -c . "$cache/cluster/os-images.json")"
