#!/usr/bin/env bash
# PXE/iPXE e2e environment (test/e2e/baremetal/): QEMU with the iPXE ROMs of its NICs (Debian's
# ipxe-qemu, which QEMU's virtio-net-pci uses with -boot n), dnsmasq as the DHCP server on the
# test bridges, iPXE's network boot programs for the TFTP path (ipxe: /usr/lib/ipxe/undionly.kpxe,
# ipxe.efi), UEFI firmware with its own PXE client (ovmf), and the two stand-ins for the NestOS
# live installer (hack/guest/live-installer.sh for pxe.test.ts, live-installer-tftp.sh for
# pxe-boot.test.ts; cached by content outside the repo). 30-libvirt.sh installs qemu-system-x86
# and dnsmasq-base with --no-install-recommends, so not ipxe-qemu (a Recommends): checked here
# too. Idempotent: a second run only checks. Nothing is started here.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

need=()
[ -e /usr/lib/ipxe/undionly.kpxe ] && [ -e /usr/lib/ipxe/ipxe.efi ] || need+=(ipxe)
[ -s /usr/lib/ipxe/qemu/efi-virtio.rom ] || need+=(ipxe-qemu)
[ -e /usr/share/ovmf/OVMF.fd ] || need+=(ovmf)
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v ip >/dev/null || need+=(iproute2)
command -v cpio >/dev/null || need+=(cpio)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -s /usr/lib/ipxe/qemu/efi-virtio.rom ] || { echo "ipxe-qemu is installed but /usr/lib/ipxe/qemu/efi-virtio.rom is missing" >&2; exit 1; }

bash hack/guest/live-installer.sh >/dev/null
bash hack/guest/live-installer-tftp.sh >/dev/null
