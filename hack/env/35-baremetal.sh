#!/usr/bin/env bash
# Bare-metal boot test environment (test/integration/infra/tftp.test.ts): real TFTP clients
# that fetch files from nkd's TFTP server over loopback — Debian's tftp-hpa client (`tftp`,
# plain RFC 1350, octet and netascii) and atftp (`atftp`, sends the blksize, tsize and timeout
# options as PXE/iPXE ROMs do); OpenSSH, which checks the host keys render makes; curl, the
# fake hosts' HTTP client in the provider test; ipmitool and OpenIPMI's ipmi_sim for BMC power.
# Idempotent: a second run only checks.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
command -v tftp >/dev/null || need+=(tftp-hpa)
command -v atftp >/dev/null || need+=(atftp)
# OpenSSH reads the host keys render makes (test/integration/render/ssh-host-keys.test.ts)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v curl >/dev/null || need+=(curl)
# BMC power over IPMI: the real ipmitool against OpenIPMI's simulator (test/integration/baremetal/power.test.ts)
command -v ipmitool >/dev/null || need+=(ipmitool)
command -v ipmi_sim >/dev/null || need+=(openipmi)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
