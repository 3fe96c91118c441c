#!/usr/bin/env bash
# Test environment of the real-cluster e2e test (docs/testing.md, "A real cluster"): the Debian
# packages it uses (nspawn, debootstrap, the registry, skopeo, jq, ...), then everything
# hack/cluster/build.sh builds: Kubernetes 1.37.1 binaries and the 1.37.2 stand-in, etcd,
# CoreDNS, flannel, pause, the node root with the stand-in rpm-ostree, and the image layouts.
# Idempotent and cached in ${NKD_CACHE_DIR:-$HOME/.cache/nkd}; prints the time of each step.
# Daemons are NOT started here: the e2e test starts the registry and the nodes.
# NKD_SKIP_CLUSTER_ENV=1 skips the builds (packages only).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

# The nodes' containerd, runc and CNI plugins come from the node root (debootstrap), not the host.
pkgs=(systemd-container debootstrap docker-registry skopeo golang-github-containers-common jq curl busybox-static
      iptables iproute2 util-linux coreutils tar gzip)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "50-cluster.sh: installing ${missing[*]}" >&2
  apt_install() { apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
  apt_install || { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt_install; }
fi
command -v go >/dev/null || { echo "50-cluster.sh: Go is required (Kubernetes, etcd, CoreDNS and flannel are built from Go modules); none on PATH" >&2; exit 1; }
command -v npm >/dev/null || { echo "50-cluster.sh: npm is required (the operator image holds dist/ and production node_modules)" >&2; exit 1; }

[ "${NKD_SKIP_CLUSTER_ENV:-}" = 1 ] && exit 0
bash hack/cluster/build.sh
