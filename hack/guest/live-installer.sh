#!/usr/bin/env bash
# Builds the STAND-IN for the NestOS live installer that the PXE e2e test
# (test/e2e/baremetal/pxe.test.ts) boots through the real iPXE ROM: Debian's cloud kernel and a
# busybox-static initramfs whose init (live-installer-init.sh) brings up the NIC, fetches the
# live rootfs and the first-stage Ignition from the URLs on its kernel command line and reports
# them on the serial console, then powers off. It installs nothing: it is not NestOS and not
# nestos-installer, only what their network side looks like to nkd's boot service.
# Nothing is installed on this machine: packages are fetched with apt-get download and unpacked.
# Cached outside the repository by the hash of the two files; prints the cache folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
key="$(cat "$here/live-installer.sh" "$here/live-installer-init.sh" | sha256sum | cut -c1-12)"
cache="${NKD_LIVE_STANDIN_CACHE:-/var/cache/nkd/live-standin}/$key"
if [ -s "$cache/vmlinuz" ] && [ -s "$cache/initrd.img" ]; then
  echo "$cache"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"  # apt-get download drops privileges to _apt
cd "$work"
kpkg="$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/{print $2; exit}')"
[ -n "$kpkg" ] || { echo "no linux-image-*-cloud-amd64 package found (apt-get update?)" >&2; exit 1; }
apt-get download -qq "$kpkg" busybox-static >&2
mkdir -p k b root/bin root/proc root/sys root/dev root/tmp root/lib/modules
for d in ./"$kpkg"_*.deb; do dpkg-deb -x "$d" k; done
for d in ./busybox-static_*.deb; do dpkg-deb -x "$d" b; done
cp b/bin/busybox root/bin/busybox
cp "$here/live-installer-init.sh" root/init
chmod 755 root/init root/bin/busybox
# virtio networking (and AF_PACKET for udhcpc, where it is a module) are modules in Debian's
# cloud kernel: ship them decompressed, numbered in load order (init insmods them in name order).
kver="$(ls k/lib/modules)"
i=10
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net af_packet; do
  f="$(find k/lib/modules/"$kver" -name "$m.ko*" | head -1)"
  i=$((i + 1))
  [ -n "$f" ] || continue
  case "$f" in
    *.xz) xz -dc "$f" >root/lib/modules/"$i-$m.ko" ;;
    *.zst) zstd -dcq "$f" >root/lib/modules/"$i-$m.ko" ;;
    *) cp "$f" root/lib/modules/"$i-$m.ko" ;;
  esac
done
(cd root && find . | cpio -o -H newc --quiet | gzip -9) >initrd.img
mkdir -p "$cache.tmp"
cp k/boot/vmlinuz-* "$cache.tmp/vmlinuz"
cp initrd.img "$cache.tmp/initrd.img"
rm -rf "$cache"
mv "$cache.tmp" "$cache"
find "$(dirname "$cache")" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +  # older builds
echo "$cache"
