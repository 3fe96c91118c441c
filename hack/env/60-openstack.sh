#!/usr/bin/env bash
# OpenStack test environment (test/integration/openstack/, hack/openstack/cloud.sh, ADR 0311): Debian 12's
# OpenStack Zed services, installed and never started (policy-rc.d keeps their start scripts off; cloud.sh
# starts them under a scratch directory and stops them by PID). Keystone, Glance, Placement, Neutron server
# (with the linuxbridge agent from neutron-common's python3-neutron), Nova api/conductor/scheduler (nova-compute
# runs from python3-nova: Debian's nova-compute package pulls in libvirt and QEMU, which the fake driver does
# not use), RabbitMQ, the openstack CLI and openstacksdk (cloud.sh's setup), sqlite3 (every database),
# qemu-img (the test image), uwsgi (serves Keystone, Placement, nova-api) and curl.
# Cold install on this project's machine: 171 s (347 packages, 127 MB downloaded). Idempotent: a second run
# only checks.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
command -v keystone-manage >/dev/null || need+=(keystone)
command -v glance-api >/dev/null || need+=(glance-api)
command -v placement-manage >/dev/null || need+=(placement-api)
command -v neutron-server >/dev/null || need+=(neutron-server)
command -v neutron-linuxbridge-agent >/dev/null || need+=(neutron-common)
command -v nova-manage >/dev/null || need+=(nova-api)
command -v nova-conductor >/dev/null || need+=(nova-conductor)
command -v nova-scheduler >/dev/null || need+=(nova-scheduler)
[ -f /usr/lib/python3/dist-packages/nova/cmd/compute.py ] || need+=(python3-nova)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
command -v openstack >/dev/null || need+=(python3-openstackclient)
[ -d /usr/lib/python3/dist-packages/openstack ] || need+=(python3-openstacksdk)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v qemu-img >/dev/null || need+=(qemu-utils)
[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] || need+=(uwsgi-plugin-python3)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt_install() { apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}"; }
  # Run alone on a fresh machine the package lists may be empty: update once and retry.
  apt_install || { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt_install; }
fi
