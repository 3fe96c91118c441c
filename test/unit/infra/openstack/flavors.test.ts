import { chooseFlavor } from '../../../../pkg/infra/openstack/flavors.js';
import type { OsNodeSettings } from '../../../../pkg/infra/openstack/settings.js';

const flavors = [
  { id: '1', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
  { id: '2', name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40 },
  { id: '3', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80 },
  { id: '4', name: 'dup', vcpus: 8, ram: 4096, disk: 40 },
  { id: '5', name: 'dup', vcpus: 8, ram: 4096, disk: 40 },
];
const node = (over: Partial<OsNodeSettings> = {}): OsNodeSettings => ({ name: 'master-1', role: 'control-plane', cpus: 2, memoryMiB: 4096, diskGiB: 30, floatingIp: false, ...over });

describe('choosing a node\'s flavor', () => {
  test('without a flavor: the smallest that fits the node\'s size', () => {
    expect(chooseFlavor(node(), flavors, 'spec.openstack.flavor')).toEqual({ flavor: flavors[1] });
  });
  test('a named flavor by name or ID', () => {
    expect(chooseFlavor(node({ flavor: 'm1.large' }), flavors, 'f')).toEqual({ flavor: flavors[2] });
    expect(chooseFlavor(node({ flavor: '5' }), flavors, 'f')).toEqual({ flavor: flavors[4] });
  });
  test('a duplicate name is an error naming both, not a pick', () => {
    expect(chooseFlavor(node({ flavor: 'dup' }), flavors, 'nodes.master-1.openstack.flavor')).toEqual({ problem: 'nodes.master-1.openstack.flavor: 2 flavors are named "dup" (4, 5); nkd does not pick one: give the flavor\'s ID' });
  });
  test('a missing flavor lists the ones there are; a node too big for every flavor names the largest', () => {
    expect(chooseFlavor(node({ flavor: 'xl' }), flavors, 'spec.openstack.flavor')).toEqual({ problem: 'spec.openstack.flavor: no flavor "xl" (the project has dup, dup, m1.large, m1.medium, m1.small); use one of those' });
    expect(chooseFlavor(node({ cpus: 64 }), flavors, 'spec.openstack.flavor')).toEqual({ problem: 'node master-1: no flavor has 64 vCPUs, 4096 MiB and 30 GiB of disk (the largest: dup with 8 vCPUs, 4096 MiB, 40 GiB); set spec.openstack.flavor or lower the node\'s size' });
  });
});

test('a project that sees no flavor at all is told to ask for one', () => {
  expect(chooseFlavor(node({ flavor: 'm1.tiny' }), [], 'spec.openstack.flavor')).toEqual({ problem: 'spec.openstack.flavor: no flavor "m1.tiny": the project sees no flavor at all; ask the cloud\'s operators for one' });
});
