/**
 * The security groups of an OpenStack cluster, as data: one group for the control-plane nodes,
 * one for the workers, and the rules each needs — group-to-group wherever the traffic is the
 * cluster's own (etcd only between control planes; the kubelet, the CNI's overlays, VRRP for
 * keepalived, NodePorts and ICMP between the cluster's groups), a CIDR only where someone
 * outside must reach in (the API server from spec.openstack.apiAllowedCIDRs, SSH from
 * spec.openstack.sshAllowedCIDRs — none by default). The original NKD opens etcd and SSH to the
 * world; nothing here does. The provider turns these into Neutron security-group rules.
 */
import type { ClusterConfig } from '../../config/types.gen.js';

/** The two groups nkd makes. */
export type GroupRole = 'control-plane' | 'worker';

/** Where a rule lets traffic come from: one of the cluster's groups, or a CIDR. */
export type RuleSource = { group: GroupRole } | { cidr: string };

/** One ingress rule (Neutron: direction ingress, ethertype IPv4). */
export interface IngressRule {
  /** tcp, udp, icmp, or an IP protocol number as Neutron takes it ("112" VRRP, "4" IP-in-IP). */
  protocol: 'tcp' | 'udp' | 'icmp' | '4' | '112';
  /** Port range (tcp/udp only). */
  ports?: [number, number];
  from: RuleSource;
  /** Why the rule exists (the rule's description in Neutron). */
  why: string;
}

/** A group and its rules. */
export interface GroupPlan {
  role: GroupRole;
  /** Deterministic name: a re-run adopts what a failed run left. */
  name: string;
  rules: IngressRule[];
}

/** The cluster's group name for a role. */
export const securityGroupName = (cluster: string, role: GroupRole): string => `nkd-${cluster}-${role}`;

const both: GroupRole[] = ['control-plane', 'worker'];

/** Traffic every node takes from every node of the cluster (both groups). */
function clusterWide(): IngressRule[] {
  const fromAll = (r: Omit<IngressRule, 'from'>): IngressRule[] => both.map((g) => ({ ...r, from: { group: g } }));
  return [
    ...fromAll({ protocol: 'tcp', ports: [10250, 10250], why: 'kubelet API (logs, exec, metrics)' }),
    ...fromAll({ protocol: 'tcp', ports: [30000, 32767], why: 'Service NodePorts (TCP)' }),
    ...fromAll({ protocol: 'udp', ports: [30000, 32767], why: 'Service NodePorts (UDP)' }),
    ...fromAll({ protocol: 'udp', ports: [8472, 8472], why: 'CNI overlay: VXLAN (flannel, Cilium)' }),
    ...fromAll({ protocol: 'udp', ports: [4789, 4789], why: 'CNI overlay: VXLAN (Calico, Antrea)' }),
    ...fromAll({ protocol: 'udp', ports: [6081, 6081], why: 'CNI overlay: Geneve (Cilium, Antrea, OVN)' }),
    ...fromAll({ protocol: 'udp', ports: [51820, 51821], why: 'CNI encryption: WireGuard' }),
    ...fromAll({ protocol: 'tcp', ports: [179, 179], why: 'CNI routing: BGP (Calico)' }),
    ...fromAll({ protocol: '4', why: 'CNI overlay: IP-in-IP (Calico)' }),
    ...fromAll({ protocol: 'tcp', ports: [4240, 4240], why: 'CNI health checks (Cilium)' }),
    ...fromAll({ protocol: 'tcp', ports: [9100, 9100], why: 'node metrics (node-exporter)' }),
    ...fromAll({ protocol: 'icmp', why: 'ICMP (path MTU discovery, ping) within the cluster' }),
  ];
}

/** The two groups and their rules for a resolved OpenStack cluster file. */
export function securityGroupPlans(c: ClusterConfig): GroupPlan[] {
  const o = c.spec.openstack;
  const api = c.spec.kubernetes.controlPlaneEndpoint.port;
  const apiCidrs = o?.apiAllowedCIDRs ?? ['0.0.0.0/0'];
  const sshCidrs = o?.sshAllowedCIDRs ?? [];
  const ssh = (): IngressRule[] => sshCidrs.map((cidr) => ({ protocol: 'tcp', ports: [22, 22], from: { cidr }, why: 'SSH from an admin network (spec.openstack.sshAllowedCIDRs)' }));
  const vip = c.spec.kubernetes.controlPlaneEndpoint.vip;
  const controlPlane: IngressRule[] = [
    ...apiCidrs.map((cidr): IngressRule => ({ protocol: 'tcp', ports: [api, api], from: { cidr }, why: 'Kubernetes API (spec.openstack.apiAllowedCIDRs)' })),
    ...both.map((g): IngressRule => ({ protocol: 'tcp', ports: [api, api], from: { group: g }, why: 'Kubernetes API from the nodes' })),
    { protocol: 'tcp', ports: [2379, 2380], from: { group: 'control-plane' }, why: 'etcd client and peer: control-plane nodes only' },
    { protocol: 'tcp', ports: [10257, 10257], from: { group: 'control-plane' }, why: 'kube-controller-manager health: control-plane nodes only' },
    { protocol: 'tcp', ports: [10259, 10259], from: { group: 'control-plane' }, why: 'kube-scheduler health: control-plane nodes only' },
    ...(vip?.enabled && vip.provider === 'keepalived' ? [{ protocol: '112', from: { group: 'control-plane' }, why: 'VRRP between the keepalived instances of the VIP' } as IngressRule] : []),
    ...clusterWide(),
    ...ssh(),
  ];
  return [
    { role: 'control-plane', name: securityGroupName(c.metadata.name, 'control-plane'), rules: controlPlane },
    { role: 'worker', name: securityGroupName(c.metadata.name, 'worker'), rules: [...clusterWide(), ...ssh()] },
  ];
}
