#!/usr/bin/env bash
# The workload image of nkd's real-cluster test: Debian's static busybox (httpd, nslookup, wget,
# sleep) as one layer, pushed to REGISTRY as e2e-busybox:<Debian version of busybox-static>.
# The test runs a web Deployment, a PodDisruptionBudget-guarded pod and DNS checks with it.
# Usage: hack/cluster/e2e-busybox.sh REGISTRY   prints the image reference on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 1 ] || { echo "usage: $0 REGISTRY" >&2; exit 2; }
reg="$1"
[ -x /bin/busybox ] && dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' \
  || { echo "e2e-busybox.sh: busybox-static is missing: apt-get install -y busybox-static" >&2; exit 1; }
# shellcheck source=hack/cluster/oci.sh
. hack/cluster/oci.sh
version="$(dpkg-query -W -f='${Version}' busybox-static | tr -c 'A-Za-z0-9_.\n-' '_')"
cache="${NKD_CACHE_DIR:-$HOME/.cache/nkd}/images/e2e-busybox"
ref="e2e-busybox:$version"
layout="$cache/$version"
if [ ! -f "$layout/index.json" ]; then
  tree="$(mktemp -d)"; trap 'rm -rf "$tree"' EXIT
  mkdir -p "$tree/bin" "$tree/tmp" "$tree/etc"
  chmod 1777 "$tree/tmp"
  cp /bin/busybox "$tree/bin/busybox"
  ln -s busybox "$tree/bin/sh"
  printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$tree/etc/passwd"
  mkdir -p "$cache"
  oci_build "$layout" "$ref" '{"Env":["PATH=/bin"],"Entrypoint":["/bin/busybox"],"Cmd":["sh"]}' "$tree" >/dev/null
fi
oci_push "$layout" "$ref" "$reg/$ref" >&2
echo "$reg/$ref"
