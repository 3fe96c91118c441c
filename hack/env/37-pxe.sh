#!/usr/bin/env bash
# PXE/iPXE e2e environment (test/e2e/baremetal/pxe-boot.test.ts), after 30-libvirt.sh (which
# brings qemu-system-x86 and dnsmasq-base): iPXE's network boot programs for the TFTP path
# (ipxe: /usr/lib/ipxe/undionly.kpxe, ipxe.efi), the iPXE NIC ROMs QEMU boots with (ipxe-qemu),
# UEFI firmware with its own PXE client (ovmf), and the stand-in NestOS live installer
# (hack/guest/live-installer.sh, cached outside the repo). Idempotent: a second run only checks.
# Nothing is started here: the test starts what it needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

need=()
[ -e /usr/lib/ipxe/undionly.kpxe ] && [ -e /usr/lib/ipxe/ipxe.efi ] || need+=(ipxe)
[ -e /usr/lib/ipxe/qemu/efi-virtio.rom ] || need+=(ipxe-qemu)
[ -e /usr/share/ovmf/OVMF.fd ] || need+=(ovmf)
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

bash hack/guest/live-installer.sh >/dev/null
