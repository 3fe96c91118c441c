#!/usr/bin/env bash
# Usage: with-init.sh INIT CACHE_ROOT [EXTRA_KEY_FILE...]
# The test guest of build.sh (Debian's cloud kernel, a busybox-static initramfs with the virtio
# modules) with INIT as its /init: the stand-ins for the NestOS live installer are built this
# way. Cached under CACHE_ROOT by the hash of build.sh's build, INIT and the extra files (older
# builds there are removed); prints the cache folder (vmlinuz, initrd.img).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
init="$1"; root="$2"; shift 2
base="$(bash "$here/build.sh")"
key="$( (basename "$base"; cat "$init" "$here/with-init.sh" "$@") | sha256sum | cut -c1-12)"
cache="$root/$key"
if [ -s "$cache/vmlinuz" ] && [ -s "$cache/initrd.img" ]; then
  echo "$cache"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root"
(cd "$work/root" && gzip -dc "$base/initrd.img" | cpio -id --quiet)
cp "$init" "$work/root/init"
chmod 755 "$work/root/init"
mkdir -p "$work/root/tmp"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -9) >"$work/initrd.img"
mkdir -p "$cache.tmp"
cp "$base/vmlinuz" "$cache.tmp/vmlinuz"
cp "$work/initrd.img" "$cache.tmp/initrd.img"
rm -rf "$cache"
mv "$cache.tmp" "$cache"
find "$root" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +  # older builds
echo "$cache"
