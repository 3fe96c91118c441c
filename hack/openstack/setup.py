#!/usr/bin/python3
"""Creates and checks the test cloud's API objects with openstacksdk (Debian's python3-openstacksdk),
as one process so the many calls do not each pay a CLI start-up. Called by cloud.sh:

  setup.py identity   service users, catalog, the nkd project and its member user (Keystone only)
  setup.py resources  image, flavors, external network, quotas (every service up)
  setup.py ready T    waits up to T seconds until the cloud can really boot a server: every API
                      answers, nova-compute is up and in placement, the linuxbridge agent is alive

Reads OS_CLIENT_CONFIG_FILE (DIR/clouds.yaml, cloud `nkd-admin`), NKD_OS_PORTS and NKD_OS_IMAGE."""
import os
import sys
import time

import openstack

PASSWORDS = {'service': os.environ['NKD_OS_SERVICE_PASSWORD'], 'member': os.environ['NKD_OS_MEMBER_PASSWORD']}
PORTS = dict(kv.split('=') for kv in os.environ['NKD_OS_PORTS'].split(','))
REGION = 'RegionOne'


def admin():
    return openstack.connect(cloud='nkd-admin')


def identity():
    c = admin()
    idn = c.identity
    default = idn.find_domain('default')
    service = idn.find_project('service', domain_id=default.id) or idn.create_project(name='service', domain_id=default.id)
    admin_role = idn.find_role('admin')
    member_role = idn.find_role('member')
    for name in ('glance', 'placement', 'neutron', 'nova'):
        user = idn.find_user(name, domain_id=default.id) or idn.create_user(
            name=name, password=PASSWORDS['service'], domain_id=default.id, default_project_id=service.id)
        idn.assign_project_role_to_user(service, user, admin_role)
    catalog = [('glance', 'image', f"http://127.0.0.1:{PORTS['glance']}"),
               ('placement', 'placement', f"http://127.0.0.1:{PORTS['placement']}"),
               ('neutron', 'network', f"http://127.0.0.1:{PORTS['neutron']}"),
               ('nova', 'compute', f"http://127.0.0.1:{PORTS['nova']}/v2.1")]
    for name, kind, url in catalog:
        svc = next(iter(idn.services(type=kind)), None) or idn.create_service(name=name, type=kind, is_enabled=True)
        for interface in ('public', 'internal', 'admin'):
            if not list(idn.endpoints(service_id=svc.id, interface=interface)):
                idn.create_endpoint(service_id=svc.id, interface=interface, url=url, region_id=REGION)
    project = idn.find_project('nkd', domain_id=default.id) or idn.create_project(
        name='nkd', domain_id=default.id, description="nkd's test project: nkd runs as its member, not admin")
    user = idn.find_user('nkd', domain_id=default.id) or idn.create_user(
        name='nkd', password=PASSWORDS['member'], domain_id=default.id, default_project_id=project.id)
    idn.assign_project_role_to_user(project, user, member_role)


def resources():
    c = admin()
    project = c.identity.find_project('nkd', domain_id='default')
    if not c.image.find_image('nkd-test-image'):
        c.create_image('nkd-test-image', filename=os.environ['NKD_OS_IMAGE'], disk_format='qcow2',
                       container_format='bare', visibility='public', wait=True)
    for name, vcpus, ram, disk in (('m1.tiny', 1, 512, 1), ('m1.small', 2, 4096, 20),
                                   ('m1.medium', 4, 8192, 40), ('m1.large', 8, 16384, 80)):
        if not c.compute.find_flavor(name):
            c.compute.create_flavor(name=name, vcpus=vcpus, ram=ram, disk=disk, is_public=True)
    # The external network is only API objects: nothing routes 10.232.0.0/24 anywhere.
    net = c.network.find_network('public') or c.network.create_network(
        name='public', is_router_external=True, provider_network_type='flat', provider_physical_network='external')
    if not list(c.network.subnets(network_id=net.id)):
        c.network.create_subnet(name='public-subnet', network_id=net.id, ip_version=4, cidr='10.232.0.0/24',
                                gateway_ip='10.232.0.1', is_dhcp_enabled=False,
                                allocation_pools=[{'start': '10.232.0.10', 'end': '10.232.0.250'}])
    # Enough for 3 control planes + 2 workers several times over, and ~20-server benchmarks.
    c.set_compute_quotas(project.id, instances=40, cores=200, ram=409600, server_groups=20,
                         server_group_members=40, key_pairs=100)
    c.set_network_quotas(project.id, networks=100, subnets=100, ports=500, routers=20, floating_ips=50,
                         security_groups=100, security_group_rules=1000)


def ready(timeout):
    deadline = time.monotonic() + timeout
    last = 'nothing checked yet'
    while time.monotonic() < deadline:
        try:
            c = admin()
            services = [s for s in c.compute.services() if s.binary == 'nova-compute']
            if not services or services[0].state != 'up':
                last = f'nova-compute service: {[(s.host, s.state, s.status) for s in services] or "not registered"}'
            elif not list(c.placement.resource_providers()):
                last = 'placement: no resource provider for the compute node yet'
            elif not list(c.compute.hypervisors()):
                last = 'nova: no hypervisor yet (is the compute host mapped to cell1?)'
            else:
                agents = [a for a in c.network.agents() if a.agent_type == 'Linux bridge agent']
                if not agents or not agents[0].is_alive:
                    last = f'neutron linuxbridge agent: {[(a.host, a.is_alive) for a in agents] or "not registered"}'
                else:
                    print('ready: nova-compute up, resource provider in placement, linuxbridge agent alive')
                    return
        except Exception as e:  # an API not answering yet
            last = f'{type(e).__name__}: {e}'
        time.sleep(1)
    sys.exit(f'not ready within {timeout}s: {last}')


if __name__ == '__main__':
    {'identity': identity, 'resources': resources}.get(sys.argv[1], lambda: ready(int(sys.argv[2])))()
