#!/usr/bin/env bash
# Builds the STAND-IN for the NestOS live installer that the PXE e2e test
# (test/e2e/baremetal/pxe.test.ts) boots through the real iPXE ROM: the test guest of build.sh
# (Debian's cloud kernel, a busybox-static initramfs with the virtio modules) with another init,
# live-installer-init.sh, which brings up the NIC, fetches the live rootfs and the first-stage
# Ignition from the URLs on its kernel command line, reports them on the serial console and
# powers off. It installs nothing: it is not NestOS and not nestos-installer, only what their
# network side looks like to nkd's boot service.
# Cached outside the repository by the hash of build.sh's build and these two files; prints the
# cache folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base="$(bash "$here/build.sh")"
key="$( (basename "$base"; cat "$here/live-installer.sh" "$here/live-installer-init.sh") | sha256sum | cut -c1-12)"
cache="${NKD_LIVE_STANDIN_CACHE:-/var/cache/nkd/live-standin}/$key"
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
mkdir -p "$work/root/tmp"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -9) >"$work/initrd.img"
mkdir -p "$cache.tmp"
cp "$base/vmlinuz" "$cache.tmp/vmlinuz"
cp "$work/initrd.img" "$cache.tmp/initrd.img"
rm -rf "$cache"
mv "$cache.tmp" "$cache"
find "$(dirname "$cache")" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +  # older builds
echo "$cache"
