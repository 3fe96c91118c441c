import { loadClusterText } from '../../../pkg/config/load.js';
import { haClusterDoc, problemsOf, toYaml, validClusterDoc } from '../../fixtures/cluster.js';

const problems = problemsOf;

// One mutation of a valid config per case, with the exact message it must produce.
const cases: Array<[string, (d: Record<string, any>) => void, string]> = [
  ['an unknown key gets a did-you-mean', (d) => { d.spec.kubernetes.verison = '1.34.1'; }, 'c.yaml:24: spec.kubernetes.verison: unknown field (fix: did you mean "version"?)'],
  ['a missing required field is named', (d) => { delete d.spec.os; }, 'c.yaml:5: spec.os: required field is missing (fix: add os (see docs/config-reference.md))'],
  ['a version written as a number is told to be quoted', (d) => { d.spec.kubernetes.version = 1.3; }, 'c.yaml:21: spec.kubernetes.version: must be string, got 1.3 (fix: quote it: "1.3" (YAML reads 1.3 as a number))'],
  ['a malformed IP names the field', (d) => { d.spec.nodes[1].ip = '10.231.0.300'; }, 'c.yaml:18: spec.nodes[1].ip: invalid value "10.231.0.300": must be an IPv4 address like 10.0.0.11'],
  ['a malformed MAC names the field', (d) => { d.spec.nodes[0].mac = '52:54:00:zz:00:01'; }, 'c.yaml:15: spec.nodes[0].mac: invalid value "52:54:00:zz:00:01": must be a MAC address like 52:54:00:12:34:56'],
  ['an unknown role lists the roles', (d) => { d.spec.nodes[1].role = 'master'; }, 'c.yaml:17: spec.nodes[1].role: invalid value "master" (fix: use one of control-plane, worker)'],
  ['a misspelt runtime gets a did-you-mean', (d) => { d.spec.containerRuntime = { type: 'containerdd' }; }, 'c.yaml:30: spec.containerRuntime.type: invalid value "containerdd" (fix: did you mean "containerd"?)'],
  ['duplicate node names are refused', (d) => { d.spec.nodes[1].name = 'master-1'; }, 'c.yaml:16: spec.nodes[1].name: duplicate name "master-1": spec.nodes[0] (master-1) has it too (fix: give each node its own name)'],
  ['duplicate IPs are refused', (d) => { d.spec.nodes[1].ip = '10.231.0.11'; }, 'c.yaml:18: spec.nodes[1].ip: duplicate ip "10.231.0.11": spec.nodes[0] (master-1) has it too (fix: give each node its own ip)'],
  ['duplicate MACs are refused, whatever the case', (d) => { d.spec.nodes[1].mac = '52:54:00:00:00:01'.toUpperCase(); }, 'c.yaml:19: spec.nodes[1].mac: duplicate mac "52:54:00:00:00:01": spec.nodes[0] (master-1) has it too (fix: give each node its own mac)'],
  ['overlapping service and pod networks are refused', (d) => { d.spec.kubernetes.networking = { podSubnet: '10.100.0.0/16' }; }, 'c.yaml:24: spec.kubernetes.networking.serviceSubnet: invalid value "10.96.0.0/12": overlaps spec.kubernetes.networking.podSubnet "10.100.0.0/16" (fix: choose two disjoint networks, e.g. 10.96.0.0/12 and 10.244.0.0/16)'],
  ['a CIDR with host bits set is refused', (d) => { d.spec.kubernetes.networking = { serviceSubnet: '10.96.0.1/12' }; }, 'c.yaml:25: spec.kubernetes.networking.serviceSubnet: invalid value "10.96.0.1/12": host bits are set; the network address is 10.96.0.0/12'],
  ['a node IP outside the node network is refused', (d) => { d.spec.nodes[1].ip = '10.232.0.21'; }, 'c.yaml:18: spec.nodes[1].ip: invalid value "10.232.0.21": outside the node network spec.network.cidr "10.231.0.0/24" (fix: use an address in 10.231.0.0/24)'],
  ['a node IP inside the pod network is refused', (d) => { d.spec.kubernetes.networking = { podSubnet: '10.231.0.0/16' }; }, 'c.yaml:14: spec.nodes[0].ip: invalid value "10.231.0.11": inside spec.kubernetes.networking.podSubnet "10.231.0.0/16" (fix: node addresses must be outside the service and pod networks)'],
  ['a pod network too small for the nodes is refused', (d) => { d.spec.kubernetes.networking = { podSubnet: '10.244.0.0/25' }; }, 'c.yaml:25: spec.kubernetes.networking.podSubnet: invalid value "10.244.0.0/25": holds 0 node /24 ranges for 2 nodes (fix: use a larger pod network, e.g. 10.244.0.0/16)'],
  ['no control-plane node is an error', (d) => { d.spec.nodes[0].role = 'worker'; }, 'c.yaml:11: spec.nodes: no control-plane node (fix: set role: control-plane on at least one node (1, 3 or 5 of them))'],
  ['an even number of control-plane nodes is a warning', (d) => { d.spec.nodes[1].role = 'control-plane'; }, 'warning: c.yaml:11: spec.nodes: 2 control-plane nodes: etcd tolerates no more failures with 2 members than with 1 (fix: use an odd number (1, 3 or 5))'],
  ['an unsupported Kubernetes version lists the supported ones', (d) => { d.spec.kubernetes.version = '1.20.4'; }, 'c.yaml:21: spec.kubernetes.version: unsupported Kubernetes version "1.20.4" (fix: use a version of '],
  ['a release image without a digest is a warning', (d) => { d.spec.os.releaseImage = 'registry.example.com/nestos:latest'; }, 'warning: c.yaml:25: spec.os.releaseImage: "registry.example.com/nestos:latest" is not pinned by digest: a tag can move, and nodes could boot different images (fix: write it as registry/repo@sha256:<digest> (skopeo inspect shows the digest))'],
  ['an endpoint with a scheme is refused', (d) => { d.spec.kubernetes.controlPlaneEndpoint = { host: 'https://api.example.com' }; }, 'c.yaml:25: spec.kubernetes.controlPlaneEndpoint.host: invalid value "https://api.example.com": a host name or IP, not a URL (fix: write only the host; the port goes to controlPlaneEndpoint.port)'],
  ['an endpoint no certificate could cover is refused', (d) => { d.spec.kubernetes.controlPlaneEndpoint = { host: '*.example.com' }; }, 'c.yaml:25: spec.kubernetes.controlPlaneEndpoint.host: invalid value "*.example.com": not a valid DNS name, so no certificate could cover it (fix: use lower-case letters, digits, "-" and "." (no wildcards, no underscores))'],
  ['a VIP on a node address is refused', (d) => { d.spec.kubernetes.controlPlaneEndpoint = { host: '10.231.0.21', vip: { enabled: true } }; }, 'c.yaml:25: spec.kubernetes.controlPlaneEndpoint.host: invalid value "10.231.0.21": node worker-1 already has this address (fix: the VIP needs an address no node has)'],
  ['a missing platform section is named', (d) => { delete d.spec.libvirt; }, 'c.yaml:5: spec.libvirt: required field is missing: platform is libvirt (fix: add a spec.libvirt section (nkd template --platform libvirt writes one))'],
  ['a plain password is refused', (d) => { d.spec.access.passwordHash = 'hunter2'; }, 'c.yaml:29: spec.access.passwordHash: invalid value "hunter2": must be a crypt(3) hash (e.g. from `openssl passwd -6`), never a plain password'],
  ['a pre-script needs a path or content', (d) => { d.spec.hooks = { preScripts: [{ name: 'x.sh' }] }; }, 'c.yaml:31: spec.hooks.preScripts[0]: needs exactly one of path and content (fix: set path to a script file, or content to the script itself)'],
  ['a missing hook file is named with where it was looked for', (d) => { d.spec.hooks = { preScripts: [{ name: 'x.sh', path: 'no-such.sh' }] }; }, 'c.yaml:32: spec.hooks.preScripts[0].path: no such file "no-such.sh" (looked at '],
];

describe('cluster file validation', () => {
  it.each(cases)('%s', async (_name, mutate, expected) => {
    const got = await problems(mutate);
    // Exact lines; the two whose tail depends on the machine (a path, the version list) by prefix.
    const match = got.find((line) => line === expected || (expected.endsWith('(looked at ') || expected.endsWith('use a version of ')) && line.startsWith(expected));
    if (!match) throw new Error(`expected:\n${expected}\ngot:\n${got.join('\n')}`);
  });

  it('accepts the valid factory documents without errors', async () => {
    await expect(loadClusterText(toYaml(validClusterDoc()), { file: 'c.yaml', env: {} })).resolves.toBeDefined();
    await expect(loadClusterText(toYaml(haClusterDoc()), { file: 'c.yaml', env: {} })).resolves.toBeDefined();
  });

  it('reports every error at once', async () => {
    const got = await problems((d) => {
      d.spec.nodes[1].ip = '10.231.0.11';
      d.spec.kubernetes.version = '1.20.4';
      d.spec.nodes[0].role = 'worker';
    });
    for (const field of ['spec.nodes[1].ip: duplicate', 'spec.kubernetes.version: unsupported', 'spec.nodes: no control-plane node']) {
      expect(got.some((l) => l.includes(field))).toBe(true);
    }
  });

  it('warns that a multi-master endpoint without a VIP is a single point of failure', async () => {
    const got = await problems((d) => {
      d.spec.kubernetes.controlPlaneEndpoint = {};
    }, haClusterDoc);
    expect(got).toContain('warning: c.yaml:36: spec.kubernetes.controlPlaneEndpoint.host: the endpoint is the first control-plane node (master-1): when it is down, the API is unreachable although 2 more control-plane nodes run (fix: enable controlPlaneEndpoint.vip or set host to a load balancer)');
  });
});
