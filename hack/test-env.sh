#!/usr/bin/env bash
# Installs everything the integration and e2e tests need on a fresh Debian 12 machine:
# each hack/env/*.sh installs one area (idempotent, cached where building is slow).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if [ ! -f /var/lib/apt/lists/.nkd-updated ] || [ -n "$(find /var/lib/apt/lists/.nkd-updated -mmin +720 2>/dev/null)" ]; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  touch /var/lib/apt/lists/.nkd-updated
fi
for f in hack/env/*.sh; do
  [ -e "$f" ] || continue
  echo "== test env: $f" >&2
  bash "$f"
done
