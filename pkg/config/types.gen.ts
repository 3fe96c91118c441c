/* Generated from pkg/config/schema.ts by `npm run generate`. Do not edit. */

/**
 * One Kubernetes cluster on NestOS hosts: what nkd renders, provisions and upgrades.
 */
export interface ClusterConfig {
  /**
   * Always nkd.nestos.openeuler.org/v1alpha1.
   */
  apiVersion: 'nkd.nestos.openeuler.org/v1alpha1';
  /**
   * Always Cluster.
   */
  kind: 'Cluster';
  metadata: ClusterMetadata;
  spec: ClusterSpec;
}
/**
 * Identity of the cluster.
 */
export interface ClusterMetadata {
  /**
   * Cluster name: a DNS label of at most 40 characters. Names every resource nkd creates and the cluster directory.
   */
  name: string;
}
/**
 * The desired cluster.
 */
export interface ClusterSpec {
  /**
   * Where the hosts run; the section of the same name configures it.
   */
  platform: 'libvirt' | 'openstack' | 'baremetal';
  network?: NodeNetwork;
  libvirt?: LibvirtPlatform;
  openstack?: OpenStackPlatform;
  baremetal?: BareMetalPlatform;
  nodeDefaults: NodeDefaults;
  /**
   * Every host of the cluster. The first control-plane node runs kubeadm init.
   *
   * @minItems 1
   * @maxItems 5000
   */
  nodes: ClusterNode[];
  kubernetes: KubernetesSpec;
  containerRuntime: ContainerRuntimeSpec;
  os: OsSpec;
  access: AccessSpec;
  certificates: CertificatesSpec;
  hooks: HooksSpec;
  upgradeOperator: UpgradeOperatorSpec;
}
/**
 * The node network, on every platform: a node with an ip gets a static NetworkManager profile from it (address, gateway, DNS servers). Absent on libvirt: cidr 192.168.132.0/24 (the NAT network nkd creates). Required on bare metal when a node has an ip (control-plane nodes always do). Optional on OpenStack, whose DHCP hands out the nodes' fixed IPs; without it the nodes use DHCP.
 */
export interface NodeNetwork {
  /**
   * IPv4 network of the nodes, e.g. 192.168.132.0/24: every node ip, the gateway and the VIP lie in it.
   */
  cidr: string;
  /**
   * Default gateway of the nodes (default: the first address of cidr).
   */
  gateway: string;
  /**
   * DNS servers of the nodes, in order (default: [gateway]).
   *
   * @minItems 1
   */
  dnsServers: string[];
  /**
   * Network interface the static profile binds to when a node has no mac, e.g. enp1s0 (with neither, the profile applies to any Ethernet device).
   */
  interface?: string;
  /**
   * 802.1Q VLAN id: the static profile is then a VLAN device vlan<id> on the node's NIC (found by its mac, else interface); set vip.interface to vlan<id> too.
   */
  vlan?: number;
}
/**
 * libvirt platform settings (platform: libvirt).
 */
export interface LibvirtPlatform {
  /**
   * libvirt connection URI.
   */
  uri: string;
  /**
   * Path of the NestOS qcow2 image uploaded once as the base volume.
   */
  osImage: string;
  /**
   * kvm for hardware virtualisation, qemu for software emulation.
   */
  domainType: 'kvm' | 'qemu';
  network: LibvirtNetwork;
  storagePool: LibvirtStoragePool;
}
/**
 * The libvirt network the nodes are attached to; its addresses are spec.network (cidr, gateway).
 */
export interface LibvirtNetwork {
  /**
   * nat: nkd creates a NAT network with DHCP host entries; existing: attach to a network or bridge that exists.
   */
  mode: 'nat' | 'existing';
  /**
   * Network name (default: nkd-<cluster name>).
   */
  name: string;
  /**
   * Bridge device to attach to instead of a libvirt network (mode: existing).
   */
  bridge?: string;
}
/**
 * Directory storage pool for the base and node volumes.
 */
export interface LibvirtStoragePool {
  /**
   * Pool name (default: nkd-<cluster name>).
   */
  name: string;
  /**
   * Pool directory (default: /var/lib/libvirt/images/nkd-<cluster name>).
   */
  path: string;
}
/**
 * OpenStack platform settings (platform: openstack). Secrets may come from NKD_OPENSTACK_PASSWORD or a clouds.yaml instead of this file.
 */
export interface OpenStackPlatform {
  /**
   * Entry of clouds.yaml to use for authentication (instead of authURL/credentials).
   */
  cloud?: string;
  /**
   * Keystone v3 URL, e.g. https://keystone.example.com:5000/v3.
   */
  authURL?: string;
  /**
   * Region name.
   */
  region?: string;
  /**
   * User name (password authentication).
   */
  username?: string;
  /**
   * Password; prefer NKD_OPENSTACK_PASSWORD to keep it out of the file.
   */
  password?: string;
  /**
   * Domain of the user.
   */
  userDomain: string;
  /**
   * Project name.
   */
  project?: string;
  /**
   * Domain of the project.
   */
  projectDomain: string;
  applicationCredential?: OpenStackApplicationCredential;
  /**
   * Glance image name or ID of NestOS.
   */
  image?: string;
  /**
   * Local path of the NestOS qcow2: uploaded once to Glance under the name in image when no image of that name exists (deleted by destroy, as nkd made it).
   */
  imageFile?: string;
  /**
   * Nova flavor for every node (default: the smallest flavor that fits the node size).
   */
  flavor?: string;
  /**
   * Network the nodes are attached to (created when absent).
   */
  internalNetwork?: string;
  /**
   * External network for the router and floating IPs.
   */
  externalNetwork?: string;
  /**
   * Nova availability zone.
   */
  availabilityZone?: string;
  /**
   * Give the API endpoint (the VIP port) a floating IP from externalNetwork.
   */
  apiFloatingIP: boolean;
  /**
   * Networks that may reach the Kubernetes API port from outside the cluster (the nodes always may).
   *
   * @minItems 1
   */
  apiAllowedCIDRs: string[];
  /**
   * Admin networks that may reach the nodes' SSH port; none by default (etcd, the kubelet and the CNI ports are only ever open to the cluster's own security groups).
   */
  sshAllowedCIDRs: string[];
  bootServer?: OpenStackBootServer;
}
/**
 * Application credential (instead of a password).
 */
export interface OpenStackApplicationCredential {
  /**
   * Application credential ID.
   */
  id: string;
  /**
   * Application credential secret.
   */
  secret: string;
}
/**
 * Where nkd deploy serves each node its secret bundle, once (user data holds only the secret-free first stage: any pod can read it from the metadata service).
 */
export interface OpenStackBootServer {
  /**
   * IP or DNS name of the machine running nkd deploy, as the nodes reach it.
   */
  address: string;
  /**
   * TCP port of the boot service.
   */
  port: number;
}
/**
 * Bare-metal settings (platform: baremetal): PXE/iPXE boot served by nkd, then SSH.
 */
export interface BareMetalPlatform {
  /**
   * Boot chain: pxe (TFTP + PXELINUX) or ipxe (iPXE scripts over HTTP).
   */
  boot: 'pxe' | 'ipxe';
  /**
   * Address nkd serves boot configs on (reachable by the hosts).
   */
  httpAddress?: string;
  /**
   * HTTP port of nkd's config server.
   */
  httpPort: number;
  /**
   * TFTP server address (boot: pxe).
   */
  tftpAddress?: string;
  /**
   * TFTP port.
   */
  tftpPort: number;
  /**
   * Disk nestos-installer writes NestOS to.
   */
  installDevice: string;
  /**
   * URL or path of the NestOS live kernel.
   */
  kernelURL?: string;
  /**
   * URL or path of the NestOS live initramfs.
   */
  initrdURL?: string;
  /**
   * URL or path of the NestOS live rootfs.
   */
  rootfsURL?: string;
  ssh?: BareMetalSsh;
}
/**
 * How nkd logs in to hosts that already run (nodes[].baremetal.provision: existing or convert).
 */
export interface BareMetalSsh {
  /**
   * Login user on those hosts (default root): root, or a user whose commands run as root (nkd does not use sudo).
   */
  user?: string;
  /**
   * Private key nkd logs in with (OpenSSH or PEM, without a passphrase), relative to the cluster file; its public key must be in the user's authorized_keys on each such host. Required when a node is existing or convert.
   */
  privateKeyFile?: string;
}
/**
 * Sizes applied to every node of a role unless the node sets its own.
 */
export interface NodeDefaults {
  controlPlane: NodeResources;
  /**
   * Virtual machine size, on platforms that size machines (libvirt; OpenStack flavor matching); unused on bare metal.
   */
  worker: NodeResources;
}
/**
 * Virtual machine size, on platforms that size machines (libvirt; OpenStack flavor matching); unused on bare metal.
 */
export interface NodeResources {
  /**
   * Virtual CPUs.
   */
  cpus: number;
  /**
   * Memory in MiB (kubeadm needs at least 1700 on control-plane nodes).
   */
  memoryMiB: number;
  /**
   * Root disk size in GiB.
   */
  diskGiB: number;
}
export interface ClusterNode {
  /**
   * Host name: a DNS label, unique in the cluster.
   */
  name: string;
  /**
   * control-plane (etcd + API server) or worker.
   */
  role: 'control-plane' | 'worker';
  /**
   * Static IPv4 address in spec.network.cidr; configured on the host (NetworkManager profile) and, on libvirt, reserved in DHCP.
   */
  ip?: string;
  /**
   * MAC address (bare metal: identifies the host when it boots).
   */
  mac?: string;
  /**
   * Overrides nodeDefaults for this node.
   */
  cpus: number;
  /**
   * Overrides nodeDefaults for this node.
   */
  memoryMiB: number;
  /**
   * Overrides nodeDefaults for this node.
   */
  diskGiB: number;
  /**
   * Node labels set at registration.
   */
  labels: {
    [k: string]: string;
  };
  /**
   * Node taints set at registration (control-plane nodes also get the kubeadm control-plane taint unless schedulable).
   */
  taints: Taint[];
  /**
   * Extra kubelet flags for this node (name without --).
   */
  kubeletExtraArgs: {
    [k: string]: string;
  };
  openstack?: OpenStackNode;
  baremetal?: BareMetalNode;
}
export interface Taint {
  /**
   * Taint key.
   */
  key: string;
  /**
   * Taint value.
   */
  value?: string;
  /**
   * Taint effect.
   */
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}
/**
 * OpenStack: this node's own server settings.
 */
export interface OpenStackNode {
  /**
   * Nova flavor of this node (overrides openstack.flavor).
   */
  flavor?: string;
  /**
   * Nova availability zone of this node (overrides openstack.availabilityZone).
   */
  availabilityZone?: string;
  /**
   * Give this node a floating IP from openstack.externalNetwork.
   */
  floatingIP?: boolean;
}
/**
 * Bare metal: this host's own settings.
 */
export interface BareMetalNode {
  /**
   * How the host becomes a node (default pxe). pxe: it boots from the network and installs NestOS (nkd's boot service). existing: it already runs NestOS or a general-purpose Linux (os) and is brought into the cluster over SSH alone, nothing installed. convert: it runs a general-purpose Linux that nkd replaces with NestOS (its install device is wiped): over SSH, nkd kexecs it into the NestOS live installer (the x2NestOS path).
   */
  provision?: 'pxe' | 'existing' | 'convert';
  /**
   * provision: existing only, and required there: what the host runs (nestos: NestOS, whose first boot rebases to the release image; linux: a general-purpose Linux with a container runtime, kubelet and kubeadm installed).
   */
  os?: 'nestos' | 'linux';
  /**
   * provision: existing or convert: where nkd reaches the host over SSH (default: the node's ip).
   */
  sshAddress?: string;
  /**
   * provision: existing or convert: the host's SSH port (default 22).
   */
  sshPort?: number;
  /**
   * provision: existing or convert, and required there: the host's own SSH host public key, one OpenSSH line (the contents of /etc/ssh/ssh_host_ed25519_key.pub on the host). nkd refuses a host that presents another key; it never trusts a key on first use.
   */
  sshHostKey?: string;
  /**
   * Disk nestos-installer writes NestOS to on this host (overrides baremetal.installDevice).
   */
  installDevice?: string;
  bmc?: BareMetalBmc;
}
/**
 * The host's baseboard management controller, for power control (nkd powers the host on to PXE-boot it).
 */
export interface BareMetalBmc {
  /**
   * How nkd talks to the BMC.
   */
  protocol: 'redfish' | 'ipmi';
  /**
   * BMC host name or IP, optionally with :port (IPMI: UDP 623 by default; Redfish: https:// is implied, 443 by default).
   */
  address: string;
  /**
   * BMC user.
   */
  username?: string;
  /**
   * Environment variable holding the BMC password (never the password itself in this file).
   */
  passwordEnv?: string;
  /**
   * Redfish: PEM file the BMC's TLS certificate must chain to (BMCs mostly have self-signed ones: give that certificate); without it the system's CAs. Verification is never turned off.
   */
  caFile?: string;
}
/**
 * The Kubernetes cluster kubeadm builds.
 */
export interface KubernetesSpec {
  /**
   * Kubernetes version, e.g. "1.34.1" (a string: quote it).
   */
  version: string;
  controlPlaneEndpoint: ControlPlaneEndpoint;
  networking: ClusterNetworking;
  /**
   * Registry of the control-plane images.
   */
  imageRepository: string;
  /**
   * Sandbox (pause) image (default: <imageRepository>/pause with the tag the Kubernetes version expects).
   */
  pauseImage: string;
  cni: CniSpec;
  /**
   * Lifetime of the join token; extend creates a fresh one.
   */
  bootstrapTokenTTL: string;
  /**
   * kube-proxy settings nkd writes into its KubeProxyConfiguration.
   */
  kubeProxy: {
    /**
     * conntrack.maxPerCore of kube-proxy (its default: 32768). 0 leaves the host's conntrack limit alone: needed where kube-proxy may not write /proc/sys/net/netfilter (nodes that are system containers).
     */
    conntrackMaxPerCore?: number;
  };
}
/**
 * The address clients and nodes reach the API server on.
 */
export interface ControlPlaneEndpoint {
  /**
   * IP or DNS name of the endpoint (default: the VIP when enabled, else the first control-plane node's IP).
   */
  host: string;
  /**
   * API server port.
   */
  port: number;
  vip: VipSpec;
}
/**
 * A virtual IP moved between control-plane nodes (needed for more than one control-plane node without an external load balancer).
 */
export interface VipSpec {
  /**
   * Run a VIP on the control-plane nodes; host must then be a free IP in the node network.
   */
  enabled: boolean;
  /**
   * kube-vip (static pod) or keepalived (host service).
   */
  provider: 'kube-vip' | 'keepalived';
  /**
   * Network interface the VIP is bound to.
   */
  interface: string;
  /**
   * kube-vip image.
   */
  image: string;
}
/**
 * Cluster networks.
 */
export interface ClusterNetworking {
  /**
   * Service IP range.
   */
  serviceSubnet: string;
  /**
   * Pod IP range (must match the CNI).
   */
  podSubnet: string;
  /**
   * Cluster DNS domain.
   */
  dnsDomain: string;
}
/**
 * The CNI plugin, applied by deploy after the API server answers.
 */
export interface CniSpec {
  /**
   * Path (relative to the cluster file) or https URL of the CNI manifest; none: install no CNI.
   */
  manifest?: string;
}
/**
 * The container runtime on every node.
 */
export interface ContainerRuntimeSpec {
  /**
   * containerd, crio, isulad, or docker (with cri-dockerd).
   */
  type: 'containerd' | 'crio' | 'isulad' | 'docker';
  /**
   * Pull-through mirrors, tried in order before the registry itself.
   */
  registryMirrors: RegistryMirror[];
  /**
   * Registries reached over plain HTTP or without TLS verification.
   */
  insecureRegistries: string[];
  /**
   * containerd only: clamp the OOM score adjustments of containers to containerd's own (restrict_oom_score_adj). Needed where no process may lower an OOM score: nodes that are system containers or run without CAP_SYS_RESOURCE.
   */
  restrictOOMScoreAdj: boolean;
}
export interface RegistryMirror {
  /**
   * Registry host being mirrored, e.g. docker.io.
   */
  registry: string;
  /**
   * Mirror URLs.
   *
   * @minItems 1
   */
  endpoints: string[];
}
/**
 * The NestOS hosts.
 */
export interface OsSpec {
  /**
   * NestOS release image (OCI, carries kubeadm/kubelet) that first boot rebases to, by digest: registry/repo@sha256:<64 hex>.
   */
  releaseImage: string;
  /**
   * Ignition spec version of the rendered configs.
   */
  ignitionVersion: '3.2.0' | '3.3.0' | '3.4.0';
  /**
   * cgroup hierarchy the hosts boot with. v2: nkd adds the kernel argument systemd.unified_cgroup_hierarchy=1 through Ignition (needs ignitionVersion 3.3.0 or newer). v1: the host boots as it is (NestOS 22.03 boots cgroup v1 by default); for Kubernetes 1.35+, which deprecates cgroup v1, nkd sets the kubelet's failCgroupV1: false and lets kubeadm's preflight pass the cgroup check. Default: v2 when ignitionVersion is 3.3.0 or newer, else v1.
   */
  cgroupVersion: 'v2' | 'v1';
}
/**
 * Login to the hosts.
 */
export interface AccessSpec {
  /**
   * Login user created on every node (in group wheel).
   */
  user: string;
  /**
   * Password hash (crypt(3), e.g. from `openssl passwd -6`); omit for key-only login.
   */
  passwordHash?: string;
  /**
   * SSH public keys of the user.
   */
  sshAuthorizedKeys: string[];
}
/**
 * The cluster PKI nkd generates.
 */
export interface CertificatesSpec {
  /**
   * Key algorithm of the keys nkd makes and (Kubernetes 1.31 and later) of those kubeadm makes on the nodes (its encryptionAlgorithm). Default: ecdsa-p256 from Kubernetes 1.31 (a key in about a millisecond, smaller certificates), rsa-2048 below (kubeadm before 1.31 makes only RSA keys). A rendered directory keeps the type it was first rendered with unless you set one.
   */
  keyType?: 'rsa-2048' | 'ecdsa-p256';
  /**
   * Who makes the leaf certificates (API server, etcd, front-proxy client…) and the component kubeconfigs: kubeadm on each control-plane node from the CAs nkd ships (fewer keys, smaller configs), or nkd at render, into the cluster directory (for expiry reports from the directory with nkd status, or to review every certificate before it is used). Default: kubeadm; a directory rendered by an nkd that made them keeps nkd unless you set one.
   */
  leafCertificates?: 'kubeadm' | 'nkd';
  /**
   * Validity of the CAs (kubeadm: 10 years).
   */
  caValidityDays: number;
  /**
   * Validity of leaf certificates (kubeadm: 1 year).
   */
  leafValidityDays: number;
  userCAs: UserCAs;
}
/**
 * CAs you supply instead of generated ones.
 */
export interface UserCAs {
  /**
   * A user-supplied cluster CA: PEM files, read at render time.
   */
  kubernetes?: {
    /**
     * Path of the CA certificate (PEM), relative to the cluster file.
     */
    cert: string;
    /**
     * Path of the CA private key (PEM), relative to the cluster file.
     */
    key: string;
  };
  /**
   * A user-supplied etcd CA: PEM files, read at render time.
   */
  etcd?: {
    /**
     * Path of the CA certificate (PEM), relative to the cluster file.
     */
    cert: string;
    /**
     * Path of the CA private key (PEM), relative to the cluster file.
     */
    key: string;
  };
  /**
   * A user-supplied front-proxy CA: PEM files, read at render time.
   */
  frontProxy?: {
    /**
     * Path of the CA certificate (PEM), relative to the cluster file.
     */
    cert: string;
    /**
     * Path of the CA private key (PEM), relative to the cluster file.
     */
    key: string;
  };
}
/**
 * Your own steps.
 */
export interface HooksSpec {
  /**
   * Scripts run on first boot before kubeadm, in order.
   */
  preScripts: PreScript[];
  /**
   * Manifests (path relative to the cluster file, or https URL) applied after the cluster is up.
   */
  postManifests: string[];
}
export interface PreScript {
  /**
   * File name of the script on the host.
   */
  name: string;
  /**
   * Path of the script, relative to the cluster file.
   */
  path?: string;
  /**
   * The script itself (instead of path).
   */
  content?: string;
  /**
   * Roles that run it.
   */
  roles: ('control-plane' | 'worker')[];
}
/**
 * The in-cluster upgrade operator.
 */
export interface UpgradeOperatorSpec {
  /**
   * Install the operator after deploy.
   */
  enabled: boolean;
  /**
   * Image of the operator and node agent (default: <kubernetes.imageRepository>/nkd-operator:<nkd version>, or localhost/nkd-operator:<nkd version> while imageRepository is registry.k8s.io; build and push it with hack/operator-image.sh).
   */
  image?: string;
  /**
   * Namespace of the operator.
   */
  namespace: string;
}
