#!/usr/bin/env bash
# PXE/iPXE e2e environment (test/e2e/baremetal/pxe-boot.test.ts): Debian's dnsmasq (run by the
# test as the site's DHCP server with nkd's rendered snippet), QEMU with Debian's iPXE NIC ROMs
# (ipxe-qemu), iPXE's network boot programs for the TFTP path (ipxe: undionly.kpxe, ipxe.efi),
# and the stand-in NestOS live installer (hack/guest/live-installer.sh, cached outside the repo).
# Idempotent: a second run only checks. Nothing is started here: the test starts what it needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

pkgs=(ipxe ipxe-qemu dnsmasq-base qemu-system-x86 iproute2 cpio busybox-static)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash hack/guest/live-installer.sh >/dev/null
