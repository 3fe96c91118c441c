#!/usr/bin/env bash
# Builds the STAND-IN NestOS live installer for the DHCP/TFTP PXE e2e test (test/e2e/baremetal/pxe-boot.test.ts; hack/guest/live-installer.sh is the provider e2e test's): the test
# guest's kernel and initramfs (build.sh) with another init (live-installer-tftp-init.sh), which reads
# the nestos.inst.* / nestos.live.rootfs_url / ip= arguments iPXE booted it with, brings up the
# static network, fetches the rootfs and the Ignition URL with busybox wget, reports all of it
# on the serial console, and powers off. It installs nothing. Cached outside the repository by
# the hash of its inputs; prints the cache folder (vmlinuz, initrd.img).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/with-init.sh" "$here/live-installer-tftp-init.sh" "${NKD_GUEST_CACHE:-/var/cache/nkd/guest}-live-tftp" "$here/live-installer-tftp.sh"
