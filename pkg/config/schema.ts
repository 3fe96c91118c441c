/**
 * The cluster file's JSON Schema: the single source of the TypeScript types
 * (types.gen.ts), the shape validation (ajv) and the reference in docs/config-reference.md.
 * Regenerate the derived files with `npm run generate`.
 *
 * Conventions: every property has a description; a property with a `default`, or marked
 * `x-filled` (derived from other fields by the loader, see resolve.ts), is always present in
 * the resolved ClusterConfig. Versions are strings.
 */

/** A DNS label (RFC 1123): names, namespaces. */
export const dnsLabel = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const mac = '^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$';
const cidr = '^[0-9a-fA-F:.]+/[0-9]{1,3}$';
/** A Linux network interface name: at most 15 characters, no "/" or whitespace. */
const ifname = '^[A-Za-z0-9_.:-]{1,15}$';
/** A registry host with an optional port: `docker.io`, `registry.example.com:5000`. */
export const registryHost = '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$';
/** A registry host with optional path: `registry.k8s.io`, `registry.example.com:5000/k8s`. */
export const imageRepository = '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$';
/** An image reference: `[registry/]repo[:tag][@sha256:<64 hex>]`. */
export const imageRef = '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$';

const resources = {
  type: 'object',
  additionalProperties: false,
  description: 'Virtual machine size, on platforms that size machines (libvirt; OpenStack flavor matching); unused on bare metal.',
  properties: {
    cpus: { type: 'integer', minimum: 1, maximum: 512, default: 2, description: 'Virtual CPUs.' },
    memoryMiB: { type: 'integer', minimum: 1024, maximum: 4194304, default: 4096, description: 'Memory in MiB (kubeadm needs at least 1700 on control-plane nodes).' },
    diskGiB: { type: 'integer', minimum: 10, maximum: 65536, default: 30, description: 'Root disk size in GiB.' },
  },
} as const;

const fileRef = (what: string) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['cert', 'key'],
    description: `A user-supplied ${what} CA: PEM files, read at render time.`,
    properties: {
      cert: { type: 'string', minLength: 1, description: 'Path of the CA certificate (PEM), relative to the cluster file.' },
      key: { type: 'string', minLength: 1, description: 'Path of the CA private key (PEM), relative to the cluster file.' },
    },
  }) as const;

/** The cluster file schema (draft 2020-12 subset understood by ajv 8). */
export const clusterSchema = {
  $id: 'https://nkd.nestos.openeuler.org/schemas/cluster.json',
  title: 'ClusterConfig',
  description: 'One Kubernetes cluster on NestOS hosts: what nkd renders, provisions and upgrades.',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', const: 'nkd.nestos.openeuler.org/v1alpha1', description: 'Always nkd.nestos.openeuler.org/v1alpha1.' },
    kind: { type: 'string', const: 'Cluster', description: 'Always Cluster.' },
    metadata: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      description: 'Identity of the cluster.',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 40, pattern: dnsLabel, description: 'Cluster name: a DNS label of at most 40 characters. Names every resource nkd creates and the cluster directory.' },
      },
    },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['platform', 'nodes', 'kubernetes', 'os'],
      description: 'The desired cluster.',
      properties: {
        // enum: the registered platforms' names, and each platform's spec.<name> section: added by clusterSchemaWith.
        platform: { type: 'string', description: 'Where the hosts run; the section of the same name configures it.' },
        network: {
          type: 'object',
          additionalProperties: false,
          required: ['cidr'],
          description:
            'The node network, on every platform: a node with an ip gets a static NetworkManager profile from it (address, gateway, DNS servers). ' +
            'Absent on libvirt: cidr 192.168.132.0/24 (the NAT network nkd creates). Required on bare metal when a node has an ip (control-plane nodes always do). ' +
            'Optional on OpenStack, whose DHCP hands out the nodes\' fixed IPs; without it the nodes use DHCP.',
          properties: {
            cidr: { type: 'string', pattern: cidr, description: 'IPv4 network of the nodes, e.g. 192.168.132.0/24: every node ip, the gateway and the VIP lie in it.' },
            gateway: { type: 'string', 'x-filled': true, format: 'ipv4', description: 'Default gateway of the nodes (default: the first address of cidr).' },
            dnsServers: { type: 'array', 'x-filled': true, minItems: 1, items: { type: 'string', format: 'ipv4' }, description: 'DNS servers of the nodes, in order (default: [gateway]).' },
            interface: { type: 'string', pattern: ifname, description: 'Network interface the static profile binds to when a node has no mac, e.g. enp1s0 (with neither, the profile applies to any Ethernet device).' },
            vlan: {
              type: 'integer',
              minimum: 1,
              maximum: 4094,
              description: '802.1Q VLAN id: the static profile is then a VLAN device vlan<id> on the node\'s NIC (found by its mac, else interface); set vip.interface to vlan<id> too.',
            },
          },
        },
        nodeDefaults: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Sizes applied to every node of a role unless the node sets its own.',
          properties: {
            controlPlane: { ...resources, default: {} },
            worker: { ...resources, default: {} },
          },
        },
        nodes: {
          type: 'array',
          minItems: 1,
          maxItems: 5000,
          description: 'Every host of the cluster. The first control-plane node runs kubeadm init.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'role'],
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 63, pattern: dnsLabel, description: 'Host name: a DNS label, unique in the cluster.' },
              role: { type: 'string', enum: ['control-plane', 'worker'], description: 'control-plane (etcd + API server) or worker.' },
              ip: { type: 'string', format: 'ipv4', description: 'Static IPv4 address in spec.network.cidr; configured on the host (NetworkManager profile) and, on libvirt, reserved in DHCP.' },
              mac: { type: 'string', pattern: mac, description: 'MAC address (bare metal: identifies the host when it boots).' },
              cpus: { type: 'integer', 'x-filled': true, minimum: 1, maximum: 512, description: 'Overrides nodeDefaults for this node.' },
              memoryMiB: { type: 'integer', 'x-filled': true, minimum: 1024, maximum: 4194304, description: 'Overrides nodeDefaults for this node.' },
              diskGiB: { type: 'integer', 'x-filled': true, minimum: 10, maximum: 65536, description: 'Overrides nodeDefaults for this node.' },
              labels: { type: 'object', additionalProperties: { type: 'string' }, default: {}, description: 'Node labels set at registration.' },
              taints: {
                type: 'array',
                default: [],
                description: 'Node taints set at registration (control-plane nodes also get the kubeadm control-plane taint unless schedulable).',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['key', 'effect'],
                  properties: {
                    key: { type: 'string', minLength: 1, description: 'Taint key.' },
                    value: { type: 'string', description: 'Taint value.' },
                    effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'], description: 'Taint effect.' },
                  },
                },
              },
              kubeletExtraArgs: { type: 'object', additionalProperties: { type: 'string' }, default: {}, description: 'Extra kubelet flags for this node (name without --).' },
            },
          },
        },
        kubernetes: {
          type: 'object',
          additionalProperties: false,
          required: ['version'],
          description: 'The Kubernetes cluster kubeadm builds.',
          properties: {
            version: { type: 'string', pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+$', description: 'Kubernetes version, e.g. "1.34.1" (a string: quote it).' },
            controlPlaneEndpoint: {
              type: 'object',
              additionalProperties: false,
              default: {},
              description: 'The address clients and nodes reach the API server on.',
              properties: {
                host: { type: 'string', 'x-filled': true, minLength: 1, description: 'IP or DNS name of the endpoint (default: the VIP when enabled, else the first control-plane node\'s IP).' },
                port: { type: 'integer', minimum: 1, maximum: 65535, default: 6443, description: 'API server port.' },
                vip: {
                  type: 'object',
                  additionalProperties: false,
                  default: {},
                  description: 'A virtual IP moved between control-plane nodes (needed for more than one control-plane node without an external load balancer).',
                  properties: {
                    enabled: { type: 'boolean', default: false, description: 'Run a VIP on the control-plane nodes; host must then be a free IP in the node network.' },
                    provider: { type: 'string', enum: ['kube-vip', 'keepalived'], default: 'kube-vip', description: 'kube-vip (static pod) or keepalived (host service).' },
                    interface: { type: 'string', pattern: ifname, default: 'eth0', description: 'Network interface the VIP is bound to.' },
                    image: { type: 'string', default: 'ghcr.io/kube-vip/kube-vip:v0.8.9', description: 'kube-vip image.' },
                  },
                },
              },
            },
            networking: {
              type: 'object',
              additionalProperties: false,
              default: {},
              description: 'Cluster networks.',
              properties: {
                serviceSubnet: { type: 'string', pattern: cidr, default: '10.96.0.0/12', description: 'Service IP range.' },
                podSubnet: { type: 'string', pattern: cidr, default: '10.244.0.0/16', description: 'Pod IP range (must match the CNI).' },
                dnsDomain: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', default: 'cluster.local', description: 'Cluster DNS domain.' },
              },
            },
            imageRepository: { type: 'string', pattern: imageRepository, default: 'registry.k8s.io', description: 'Registry of the control-plane images.' },
            pauseImage: { type: 'string', 'x-filled': true, description: 'Sandbox (pause) image (default: <imageRepository>/pause with the tag the Kubernetes version expects).' },
            cni: {
              type: 'object',
              additionalProperties: false,
              default: {},
              description: 'The CNI plugin, applied by deploy after the API server answers.',
              properties: {
                manifest: { type: 'string', description: 'Path (relative to the cluster file) or https URL of the CNI manifest; none: install no CNI.' },
              },
            },
            bootstrapTokenTTL: { type: 'string', pattern: '^[0-9]+(h|m|s)$', default: '24h', description: 'Lifetime of the join token; extend creates a fresh one.' },
            kubeProxy: {
              type: 'object',
              additionalProperties: false,
              default: {},
              description: 'kube-proxy settings nkd writes into its KubeProxyConfiguration.',
              properties: {
                conntrackMaxPerCore: {
                  type: 'integer',
                  minimum: 0,
                  description:
                    'conntrack.maxPerCore of kube-proxy (its default: 32768). 0 leaves the host\'s conntrack limit alone: needed where kube-proxy may not write /proc/sys/net/netfilter (nodes that are system containers).',
                },
              },
            },
          },
        },
        containerRuntime: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'The container runtime on every node.',
          properties: {
            type: { type: 'string', enum: ['containerd', 'crio', 'isulad', 'docker'], default: 'containerd', description: 'containerd, crio, isulad, or docker (with cri-dockerd).' },
            registryMirrors: {
              type: 'array',
              default: [],
              description: 'Pull-through mirrors, tried in order before the registry itself.',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['registry', 'endpoints'],
                properties: {
                  registry: { type: 'string', minLength: 1, pattern: registryHost, description: 'Registry host being mirrored, e.g. docker.io.' },
                  endpoints: { type: 'array', minItems: 1, items: { type: 'string', format: 'uri' }, description: 'Mirror URLs.' },
                },
              },
            },
            insecureRegistries: { type: 'array', default: [], items: { type: 'string', pattern: registryHost }, description: 'Registries reached over plain HTTP or without TLS verification.' },
            restrictOOMScoreAdj: {
              type: 'boolean',
              default: false,
              description:
                'containerd only: clamp the OOM score adjustments of containers to containerd\'s own (restrict_oom_score_adj). Needed where no process may lower an OOM score: nodes that are system containers or run without CAP_SYS_RESOURCE.',
            },
          },
        },
        os: {
          type: 'object',
          additionalProperties: false,
          required: ['releaseImage'],
          description: 'The NestOS hosts.',
          properties: {
            releaseImage: { type: 'string', minLength: 1, description: 'NestOS release image (OCI, carries kubeadm/kubelet) that first boot rebases to, by digest: registry/repo@sha256:<64 hex>.' },
            ignitionVersion: { type: 'string', enum: ['3.2.0', '3.3.0', '3.4.0'], default: '3.2.0', description: 'Ignition spec version of the rendered configs.' },
            cgroupVersion: {
              type: 'string',
              enum: ['v2', 'v1'],
              'x-filled': true,
              description:
                'cgroup hierarchy the hosts boot with. v2: nkd adds the kernel argument systemd.unified_cgroup_hierarchy=1 through Ignition (needs ignitionVersion 3.3.0 or newer). ' +
                'v1: the host boots as it is (NestOS 22.03 boots cgroup v1 by default); for Kubernetes 1.35+, which deprecates cgroup v1, nkd sets the kubelet\'s failCgroupV1: false and lets kubeadm\'s preflight pass the cgroup check. ' +
                'Default: v2 when ignitionVersion is 3.3.0 or newer, else v1.',
            },
          },
        },
        access: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Login to the hosts.',
          properties: {
            user: { type: 'string', pattern: '^[a-z_][a-z0-9_-]{0,31}$', default: 'nest', description: 'Login user created on every node (in group wheel).' },
            passwordHash: { type: 'string', pattern: '^\\$(1|5|6|y|2[aby])\\$', description: 'Password hash (crypt(3), e.g. from `openssl passwd -6`); omit for key-only login.' },
            sshAuthorizedKeys: { type: 'array', default: [], items: { type: 'string', pattern: '^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\\.com) [A-Za-z0-9+/=]+( .*)?$' }, description: 'SSH public keys of the user.' },
          },
        },
        certificates: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'The cluster PKI nkd generates.',
          properties: {
            keyType: {
              type: 'string',
              enum: ['rsa-2048', 'ecdsa-p256'],
              description:
                'Key algorithm of the keys nkd makes and (Kubernetes 1.31 and later) of those kubeadm makes on the nodes (its encryptionAlgorithm). ' +
                'Default: ecdsa-p256 from Kubernetes 1.31 (a key in about a millisecond, smaller certificates), rsa-2048 below (kubeadm before 1.31 makes only RSA keys). ' +
                'A rendered directory keeps the type it was first rendered with unless you set one.',
            },
            leafCertificates: {
              type: 'string',
              enum: ['kubeadm', 'nkd'],
              description:
                'Who makes the leaf certificates (API server, etcd, front-proxy client…) and the component kubeconfigs: kubeadm on each control-plane node from the CAs nkd ships (fewer keys, smaller configs), ' +
                'or nkd at render, into the cluster directory (for expiry reports from the directory with nkd status, or to review every certificate before it is used). ' +
                'Default: kubeadm; a directory rendered by an nkd that made them keeps nkd unless you set one.',
            },
            caValidityDays: { type: 'integer', minimum: 1, maximum: 3650, default: 3650, description: 'Validity of the CAs (kubeadm: 10 years).' },
            leafValidityDays: { type: 'integer', minimum: 1, maximum: 825, default: 365, description: 'Validity of leaf certificates (kubeadm: 1 year).' },
            userCAs: {
              type: 'object',
              additionalProperties: false,
              default: {},
              description: 'CAs you supply instead of generated ones.',
              properties: {
                kubernetes: fileRef('cluster'),
                etcd: fileRef('etcd'),
                frontProxy: fileRef('front-proxy'),
              },
            },
          },
        },
        hooks: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Your own steps.',
          properties: {
            preScripts: {
              type: 'array',
              default: [],
              description: 'Scripts run on first boot before kubeadm, in order.',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['name'],
                properties: {
                  name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'File name of the script on the host.' },
                  path: { type: 'string', description: 'Path of the script, relative to the cluster file.' },
                  content: { type: 'string', description: 'The script itself (instead of path).' },
                  roles: { type: 'array', items: { type: 'string', enum: ['control-plane', 'worker'] }, default: ['control-plane', 'worker'], description: 'Roles that run it.' },
                },
              },
            },
            postManifests: { type: 'array', default: [], items: { type: 'string', minLength: 1 }, description: 'Manifests (path relative to the cluster file, or https URL) applied after the cluster is up.' },
          },
        },
        upgradeOperator: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'The in-cluster upgrade operator.',
          properties: {
            enabled: { type: 'boolean', default: true, description: 'Install the operator after deploy.' },
            image: { type: 'string', pattern: imageRef, description: 'Image of the operator and node agent (default: <kubernetes.imageRepository>/nkd-operator:<nkd version>, or localhost/nkd-operator:<nkd version> while imageRepository is registry.k8s.io; build and push it with hack/operator-image.sh).' },
            namespace: { type: 'string', pattern: dnsLabel, default: 'nkd-system', description: 'Namespace of the operator.' },
          },
        },
      },
    },
  },
} as const;

/** What a platform adds to the cluster schema (pkg/infra/platform.ts Platform). */
export interface PlatformSchemaPart {
  readonly name: string;
  /** JSON Schema of spec.<name>. */
  readonly schema: object;
  /** JSON Schema of nodes[].<name>. */
  readonly nodeSchema?: object;
}

/**
 * The cluster schema with the given platforms: `spec.platform` takes their names, each adds
 * its `spec.<name>` section (after `spec.network`) and its `nodes[].<name>` fields.
 */
export function clusterSchemaWith(platforms: readonly PlatformSchemaPart[]): typeof clusterSchema {
  const schema = structuredClone(clusterSchema) as unknown as { properties: { spec: { properties: Record<string, Record<string, unknown>> } } };
  const spec = schema.properties.spec;
  const props: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(spec.properties)) {
    props[key] = key === 'platform' ? { ...value, enum: platforms.map((p) => p.name) } : value;
    if (key === 'network') for (const p of platforms) props[p.name] = p.schema as Record<string, unknown>;
  }
  spec.properties = props;
  const node = (props.nodes!.items as { properties: Record<string, unknown> }).properties;
  for (const p of platforms) if (p.nodeSchema) node[p.name] = p.nodeSchema;
  return schema as unknown as typeof clusterSchema;
}

