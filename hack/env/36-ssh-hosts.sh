#!/usr/bin/env bash
# SSH hosts test environment (test/integration/ssh/): a real OpenSSH server (`sshd`, run by the
# tests in network namespaces they create, one per host, each with its own config and host key),
# `ssh-keygen` for those keys, `ip` for the namespaces, veth pairs and the bridge, `flock`
# (util-linux) for the per-host lock and `systemctl` (systemd), which applies unit enablement
# offline under a host's own root (`systemctl --root`). Idempotent: a second run only checks.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v ip >/dev/null || need+=(iproute2)
command -v flock >/dev/null || need+=(util-linux)
command -v systemctl >/dev/null || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
