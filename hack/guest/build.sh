#!/usr/bin/env bash
# Builds the small bootable test guest that stands in for NestOS in the libvirt e2e test:
# Debian's cloud kernel + a busybox-static initramfs whose init (init.sh) reads the fw_cfg
# Ignition and reports it on the serial console, plus an empty qcow2 "OS image" for the base
# volume. Nothing is installed: packages are fetched with apt-get download and unpacked.
# Cached outside the repository by the hash of this folder; prints the cache folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
key="$(cat "$here/build.sh" "$here/init.sh" | sha256sum | cut -c1-12)"
cache="${NKD_GUEST_CACHE:-/var/cache/nkd/guest}/$key"
if [ -s "$cache/vmlinuz" ] && [ -s "$cache/initrd.img" ] && [ -s "$cache/os.qcow2" ]; then
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
mkdir -p k b root/bin root/proc root/sys root/dev root/lib/modules
for d in ./"$kpkg"_*.deb; do dpkg-deb -x "$d" k; done
for d in ./busybox-static_*.deb; do dpkg-deb -x "$d" b; done
cp b/bin/busybox root/bin/busybox
cp "$here/init.sh" root/init
chmod 755 root/init root/bin/busybox
# fw_cfg and virtio networking are modules in Debian's cloud kernel: ship them (decompressed),
# numbered in load order, in the initramfs (init.sh insmods them in name order).
kver="$(ls k/lib/modules)"
i=10
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net qemu_fw_cfg; do
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
qemu-img create -q -f qcow2 "$cache.tmp/os.qcow2" 64M
rm -rf "$cache"
mv "$cache.tmp" "$cache"
find "$(dirname "$cache")" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +  # older builds
echo "$cache"
