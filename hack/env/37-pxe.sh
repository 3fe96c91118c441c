#!/usr/bin/env bash
# PXE e2e test environment (test/e2e/baremetal/pxe.test.ts): QEMU with the iPXE ROMs of its
# NICs (Debian's ipxe-qemu, which QEMU's virtio-net-pci uses with -boot n), dnsmasq as the
# DHCP server on the test bridge, and the stand-in for the NestOS live installer
# (hack/guest/live-installer.sh, cached by content outside the repo). 30-libvirt.sh installs
# qemu-system-x86 and dnsmasq-base too, with --no-install-recommends, so not ipxe-qemu (a
# Recommends of qemu-system-x86): this script checks all three. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

pkgs="ipxe-qemu qemu-system-x86 dnsmasq-base iproute2 cpio"
missing="$(for p in $pkgs; do dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || echo "$p"; done | xargs)"
if [ -n "$missing" ]; then
  echo "installing: $missing" >&2
  # shellcheck disable=SC2086 # a list of package names
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
fi
[ -s /usr/lib/ipxe/qemu/efi-virtio.rom ] || { echo "ipxe-qemu is installed but /usr/lib/ipxe/qemu/efi-virtio.rom is missing" >&2; exit 1; }

bash hack/guest/live-installer.sh >/dev/null
