#!/usr/bin/env bash
# Builds the STAND-IN NestOS live installer for the PXE e2e test (test/e2e/baremetal/): the test
# guest's kernel and initramfs (build.sh) with another init (live-installer-init.sh), which reads
# the nestos.inst.* / nestos.live.rootfs_url / ip= arguments iPXE booted it with, brings up the
# static network, fetches the rootfs and the Ignition URL with busybox wget, reports all of it
# on the serial console, and powers off. It installs nothing. Cached outside the repository by
# the hash of its inputs; prints the cache folder (vmlinuz, initrd.img).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base="$(bash "$here/build.sh")"
key="$(cat "$here/live-installer.sh" "$here/live-installer-init.sh" <(basename "$base") | sha256sum | cut -c1-12)"
cache="${NKD_GUEST_CACHE:-/var/cache/nkd/guest}-live/$key"
if [ -s "$cache/vmlinuz" ] && [ -s "$cache/initrd.img" ]; then
  echo "$cache"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root"
(cd "$work/root" && gzip -dc "$base/initrd.img" | cpio -id --quiet)
cp "$here/live-installer-init.sh" "$work/root/init"
chmod 755 "$work/root/init"
mkdir -p "$cache.tmp"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -9) >"$cache.tmp/initrd.img"
cp "$base/vmlinuz" "$cache.tmp/vmlinuz"
rm -rf "$cache"
mv "$cache.tmp" "$cache"
find "$(dirname "$cache")" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +  # older builds
echo "$cache"
