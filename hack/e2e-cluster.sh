#!/usr/bin/env bash
# The real-cluster scenario (docs/testing.md, "A real cluster"): deploy 1 control plane + 1
# worker on system-container machines, check the cluster works, extend with a second worker,
# upgrade Kubernetes (1.37.2, a STAND-IN patch release) and the OS image (through the STAND-IN
# rpm-ostree) with the real operator and agents, destroy. Exit 0 only when every step held.
# Needs root. Installs what it needs first (hack/env/50-cluster.sh: cached after the first run;
# cold it builds kubelet, etcd, CoreDNS, flannel and the node root, about 20 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "e2e-cluster.sh: must run as root (network namespaces, system containers)" >&2; exit 2; }
[ -d node_modules ] || npm ci --no-audit --no-fund
bash hack/env/10-kube.sh >/dev/null
bash hack/env/20-ignition.sh >/dev/null
bash hack/env/50-cluster.sh
npm run --silent build
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects e2e test/e2e/cluster/ "$@"
