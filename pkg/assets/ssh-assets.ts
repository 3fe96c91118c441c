/**
 * SSH host keys for platforms where nkd reaches its hosts over SSH (Platform.sshHostKeys): one
 * Ed25519 key per node, made at the first render and reused by every later one (read back
 * from the directory), so nkd pins the key it made instead of trusting whatever a host
 * presents first. The private key rides in the node's secret bundle; `auth/known_hosts`
 * lists every node's public key by name and address (`ssh -o UserKnownHostsFile=…` uses it).
 */
import { CLUSTER_PATHS } from '../cluster-dir.js';
import type { ClusterConfig, ClusterNode } from '../config/types.gen.js';
import { newSshHostKey, seedOf, sshHostKeyFromSeed, type SshHostKey } from '../pki/ssh-host-key.js';
import { platformOf } from '../infra/registry.js';
import type { Asset } from './asset.js';

/** Where a node's host key is kept in the cluster directory (the public key: `.pub` beside it). */
export const sshHostKeyPath = (node: string): string => `${CLUSTER_PATHS.pki}/ssh/${node}_host_ed25519_key`;
/** Asset name of a node's host key. */
export const sshHostKeyAssetName = (node: string): string => `${CLUSTER_PATHS.pki}/ssh/${node}`;
/** The cluster's known_hosts file. */
export const KNOWN_HOSTS_PATH = `${CLUSTER_PATHS.auth}/known_hosts`;

/** A node's host key: the previous render's when the directory has one, else a new one. */
export function sshHostKeyAsset(c: ClusterConfig, node: ClusterNode): Asset<SshHostKey> {
  const path = sshHostKeyPath(node.name);
  const comment = `nkd:${c.metadata.name}/${node.name}`;
  return {
    name: sshHostKeyAssetName(node.name),
    dependencies: [],
    async generate(_parents, env) {
      const prior = await env.prior.read(path);
      const seed = prior === undefined ? undefined : seedOf(prior);
      if (prior !== undefined && !seed) env.note(`${path} is not an nkd host key; making a new one (the host's pinned key changes)`);
      const key = seed ? sshHostKeyFromSeed(seed, comment) : newSshHostKey(env.random(`ssh-host-key/${node.name}`), comment);
      return {
        value: key,
        files: [
          { path, contents: key.privateKey, secret: true },
          { path: `${path}.pub`, contents: `${key.publicLine}\n`, secret: false },
        ],
      };
    },
  };
}

/** Whether render makes `node` a host key: the platform reaches it over SSH and it has none of its own. */
export function makesHostKey(c: ClusterConfig, node: ClusterNode): boolean {
  const p = platformOf(c);
  return !!p.sshHostKeys && !p.ownHostKey?.(node);
}

/** `auth/known_hosts`: each node's key (the one nkd made, or the host's own) under its name and, when it has one, its address. */
export function knownHostsAsset(c: ClusterConfig): Asset<string> {
  const deps = c.spec.nodes.filter((n) => makesHostKey(c, n)).map((n) => sshHostKeyAssetName(n.name));
  const own = platformOf(c).ownHostKey;
  return {
    name: KNOWN_HOSTS_PATH,
    dependencies: deps,
    generate(parents) {
      const key = (n: ClusterNode): string => own?.(n)?.trim() ?? parents.get<SshHostKey>(sshHostKeyAssetName(n.name)).publicLine;
      const text = c.spec.nodes.map((n) => `${[n.name, ...(n.ip ? [n.ip] : [])].join(',')} ${key(n)}\n`).join('');
      return Promise.resolve({ value: text, files: [{ path: KNOWN_HOSTS_PATH, contents: text, secret: false }] });
    },
  };
}
