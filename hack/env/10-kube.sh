#!/usr/bin/env bash
# Test environment for the real Kubernetes control plane (test/harness, docs/testing.md):
# Debian's etcd-server and openssl, then kube binaries built from the Go module proxy by
# hack/kube/build.sh into ${NKD_CACHE_DIR:-$HOME/.cache/nkd}/kube/<version>/ (cold: minutes,
# cached: seconds). Versions come from pkg/versions/kubernetes.json (testVersions):
#   newest   -> kube-apiserver, kube-controller-manager, kubeadm (harness + kubeadm checks)
#   further  -> kubeadm only (none listed today: the previous minor's kubeadm was dropped to
#               pay for the real cluster, docs/testing.md); NKD_KUBE_BUILD_ALL=1 builds all three.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v openssl >/dev/null || need+=(openssl)
command -v setpriv >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  apt_install() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "${need[@]}"; }
  # Run alone on a fresh machine the package lists may be empty: update once and retry.
  apt_install || { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt_install; }
fi

command -v go >/dev/null || { echo "10-kube.sh: Go is required (the kube binaries are built from Go modules); none on PATH" >&2; exit 1; }

mapfile -t versions < <(node -e 'for (const v of JSON.parse(require("fs").readFileSync("pkg/versions/kubernetes.json","utf8")).testVersions) console.log(v)')
[ ${#versions[@]} -ge 1 ] || { echo "10-kube.sh: no testVersions in pkg/versions/kubernetes.json" >&2; exit 1; }

bash hack/kube/build.sh "${versions[0]}" kube-apiserver kube-controller-manager kubeadm
for v in "${versions[@]:1}"; do
  if [ "${NKD_KUBE_BUILD_ALL:-}" = 1 ]; then
    bash hack/kube/build.sh "$v" kube-apiserver kube-controller-manager kubeadm
  else
    bash hack/kube/build.sh "$v" kubeadm
  fi
done
