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
exec bash "$here/with-init.sh" "$here/live-installer-init.sh" "${NKD_LIVE_STANDIN_CACHE:-/var/cache/nkd/live-standin}" "$here/live-installer.sh"
