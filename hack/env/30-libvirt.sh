#!/usr/bin/env bash
# libvirt + QEMU test environment (TESTING.md "libvirt"): the test driver (virsh) for unit and
# integration tests, a real libvirtd with QEMU software emulation for the e2e test, and the
# small test guest built from Debian packages (hack/guest/build.sh, cached outside the repo).
# Idempotent: a second run only checks. Daemons are NOT started here: tests start them.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

pkgs=(libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils
      iptables dnsmasq-base cpio xz-utils)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The users and groups libvirt's QEMU driver expects, even though we run guests as root.
getent group kvm >/dev/null || groupadd --system kvm
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
getent passwd libvirt-qemu >/dev/null || useradd --system --no-create-home -g libvirt-qemu -G kvm -s /usr/sbin/nologin libvirt-qemu
mkdir -p /var/log/libvirt /var/lib/libvirt/images /run/libvirt

# Run QEMU as root (no dynamic ownership games with the test's files).
conf=/etc/libvirt/qemu.conf
mkdir -p /etc/libvirt
touch "$conf"
grep -q '^user = "root"' "$conf" || echo 'user = "root"' >>"$conf"
grep -q '^group = "root"' "$conf" || echo 'group = "root"' >>"$conf"

# The test guest (kernel + initramfs) for the e2e test; cached by content outside the repo.
bash hack/guest/build.sh >/dev/null
