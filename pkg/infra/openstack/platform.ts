/**
 * The OpenStack platform: its part of the cluster file, its checks, and its provider (loaded
 * only when deploying, ./provider.ts). Nova user data is readable by every pod through the
 * metadata service, so nodes get a secret-free first stage there and fetch their secret
 * bundle from nkd's boot service (spec.openstack.bootServer), once, from their own port's
 * fixed IP. See docs/openstack.md and docs/adr/0312-openstack-provider.md.
 */
import { OPENSTACK_USER_DATA_MAX_RAW } from '../../ignition/size.js';
import { secretBundleUrl } from '../boot-path.js';
import type { Platform, PlatformProvider } from '../platform.js';
import type { OpenStackSettings } from './settings.js';

async function providerHalf(): Promise<PlatformProvider<OpenStackSettings>> {
  // one after the other: provider.js loads settings.js, so the second import is its cached module
  const { OpenStackProvider } = await import('./provider.js');
  const { openstackSettings, openstackFromJournal } = await import('./settings.js');
  return { settings: openstackSettings, fromJournal: (r, file) => openstackFromJournal(r, file), open: (s) => new OpenStackProvider(s) };
}

/** The OpenStack platform module. */
export const openstackPlatform: Platform<OpenStackSettings> = {
  name: 'openstack',
  description: 'OpenStack: Nova servers on Neutron networks, NestOS from Glance',
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'OpenStack platform settings (platform: openstack). Secrets may come from NKD_OPENSTACK_PASSWORD or a clouds.yaml instead of this file.',
    properties: {
      cloud: { type: 'string', description: 'Entry of clouds.yaml to use for authentication (instead of authURL/credentials).' },
      authURL: { type: 'string', format: 'uri', description: 'Keystone v3 URL, e.g. https://keystone.example.com:5000/v3.' },
      region: { type: 'string', description: 'Region name.' },
      username: { type: 'string', description: 'User name (password authentication).' },
      password: { type: 'string', description: 'Password; prefer NKD_OPENSTACK_PASSWORD to keep it out of the file.' },
      userDomain: { type: 'string', default: 'Default', description: 'Domain of the user.' },
      project: { type: 'string', description: 'Project name.' },
      projectDomain: { type: 'string', default: 'Default', description: 'Domain of the project.' },
      applicationCredential: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'secret'],
        description: 'Application credential (instead of a password).',
        properties: {
          id: { type: 'string', minLength: 1, description: 'Application credential ID.' },
          secret: { type: 'string', minLength: 1, description: 'Application credential secret.' },
        },
      },
      image: { type: 'string', description: 'Glance image name or ID of NestOS.' },
      imageFile: { type: 'string', minLength: 1, description: 'Local path of the NestOS qcow2: uploaded once to Glance under the name in image when no image of that name exists (deleted by destroy, as nkd made it).' },
      flavor: { type: 'string', description: 'Nova flavor for every node (default: the smallest flavor that fits the node size).' },
      internalNetwork: { type: 'string', description: 'Network the nodes are attached to (created when absent).' },
      externalNetwork: { type: 'string', description: 'External network for the router and floating IPs.' },
      availabilityZone: { type: 'string', description: 'Nova availability zone.' },
      apiFloatingIP: { type: 'boolean', default: false, description: 'Give the API endpoint (the VIP port) a floating IP from externalNetwork.' },
      apiAllowedCIDRs: {
        type: 'array', items: { type: 'string', pattern: '^([0-9]{1,3}\\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])$' }, minItems: 1, default: ['0.0.0.0/0'],
        description: 'Networks that may reach the Kubernetes API port from outside the cluster (the nodes always may).',
      },
      sshAllowedCIDRs: {
        type: 'array', items: { type: 'string', pattern: '^([0-9]{1,3}\\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])$' }, default: [],
        description: 'Admin networks that may reach the nodes\' SSH port; none by default (etcd, the kubelet and the CNI ports are only ever open to the cluster\'s own security groups).',
      },
      bootServer: {
        type: 'object',
        additionalProperties: false,
        required: ['address'],
        description: 'Where nkd deploy serves each node its secret bundle, once (user data holds only the secret-free first stage: any pod can read it from the metadata service).',
        properties: {
          address: { type: 'string', minLength: 1, description: 'IP or DNS name of the machine running nkd deploy, as the nodes reach it.' },
          port: { type: 'integer', minimum: 1, maximum: 65535, default: 9080, description: 'TCP port of the boot service.' },
        },
      },
    },
  },
  nodeSchema: {
    type: 'object',
    additionalProperties: false,
    description: 'OpenStack: this node\'s own server settings.',
    properties: {
      flavor: { type: 'string', minLength: 1, description: 'Nova flavor of this node (overrides openstack.flavor).' },
      availabilityZone: { type: 'string', minLength: 1, description: 'Nova availability zone of this node (overrides openstack.availabilityZone).' },
      floatingIP: { type: 'boolean', description: 'Give this node a floating IP from openstack.externalNetwork.' },
    },
  },
  typeNames: { section: 'OpenStackPlatform', node: 'OpenStackNode', nested: { '/properties/applicationCredential': 'OpenStackApplicationCredential', '/properties/bootServer': 'OpenStackBootServer' } },
  validate(c, p) {
    const o = c.spec.openstack!;
    if (!o.cloud && !o.authURL) p.error('spec.openstack.authURL', 'required field is missing: neither cloud nor authURL is set', 'set cloud (an entry of clouds.yaml) or authURL with credentials');
    if (o.authURL && !o.applicationCredential && !(o.username && o.project)) {
      p.error('spec.openstack.username', 'password authentication needs username and project', 'set username and project (password in NKD_OPENSTACK_PASSWORD), or applicationCredential');
    }
    if (!o.image) p.error('spec.openstack.image', 'required field is missing', 'set the Glance image name or ID of NestOS');
    if (o.password) p.warn('spec.openstack.password', 'a password in the cluster file ends up in git and backups', 'use NKD_OPENSTACK_PASSWORD or a clouds.yaml entry instead');
    if (c.spec.kubernetes.controlPlaneEndpoint.vip.enabled && !c.spec.network && !o.internalNetwork) {
      p.error('spec.network', 'required on OpenStack with a VIP: the subnet nkd creates takes its cidr, and the VIP (controlPlaneEndpoint.host) a free address in it', 'set network.cidr (and the VIP in it), or internalNetwork to a network whose subnet holds the VIP');
    }
    if (o.apiFloatingIP && !c.spec.kubernetes.controlPlaneEndpoint.vip.enabled) {
      p.error('spec.openstack.apiFloatingIP', 'needs a VIP (controlPlaneEndpoint.vip.enabled): the floating IP goes on the VIP\'s port', 'enable the VIP, or give a control-plane node floatingIP instead');
    }
    if (!o.bootServer) {
      p.error('spec.openstack.bootServer', 'required field is missing: user data holds only a first stage without secrets; the nodes fetch their keys and kubeadm files from nkd\'s boot service',
        'set bootServer.address to this machine\'s address as the nodes reach it (and bootServer.port if 9080 is taken)');
    }
  },
  template: {
    cidr: '10.20.0.0/24',
    networkNote: 'the node network (optional here: without it, DHCP)',
    bindingHints: true,
    section: ({ name, address }) => [
      '  openstack:',
      '    cloud: openstack                 # entry of clouds.yaml; or authURL + username/project',
      '    # authURL: https://keystone.example.com:5000/v3',
      '    # username: admin                # password from NKD_OPENSTACK_PASSWORD, never this file',
      '    # project: k8s',
      '    image: nestos                    # Glance image of NestOS',
      '    internalNetwork: nkd-' + name,
      '    externalNetwork: public',
      `    bootServer: { address: ${address(2)}, port: 9080 }   # this machine as the nodes see it: serves each node its secrets, once`,
    ],
  },
  layered: [
    { path: ['spec', 'openstack', 'password'], env: 'NKD_OPENSTACK_PASSWORD', type: 'string', description: 'OpenStack password (spec.openstack.password; no flag, to keep it out of shell history)' },
    { path: ['spec', 'openstack', 'cloud'], flag: 'openstack-cloud', env: 'NKD_OPENSTACK_CLOUD', type: 'string', description: 'clouds.yaml entry (spec.openstack.cloud)' },
  ],
  sizedNodes: true,
  boot: {
    kind: 'two-stage',
    via: 'Nova user data',
    firstStageLimit: OPENSTACK_USER_DATA_MAX_RAW,
    secondStageSource: (c, n) => secretBundleUrl(c.spec.openstack?.bootServer?.address ?? '', c.spec.openstack?.bootServer?.port ?? 9080, n.name),
  },
  provider: providerHalf,
};
