import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { renderCluster, type RenderResult } from '../../../pkg/assets/render.js';
import { loadClusterText } from '../../../pkg/config/load.js';
import { haClusterDoc, toYaml } from '../../fixtures/cluster.js';
import { fixtureKeys } from '../../golden/env.js';
import { freshKeys, type KeySource } from '../../../pkg/pki/keys.js';

/** Fixed RSA keys (fast, real); ECDSA keys are generated (fast anyway). */
const keys: KeySource = (name, type) => (type === 'rsa-2048' ? fixtureKeys(name, type) : freshKeys(name, type));

/** Runs a binary; resolves with its combined output, rejects with it on failure. */
export async function run(bin: string, args: string[]): Promise<string> {
  try {
    const r = await promisify(execFile)(bin, args, { maxBuffer: 16 << 20 });
    return r.stdout + r.stderr;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${x.message}\n${x.stdout ?? ''}${x.stderr ?? ''}`);
  }
}

/** Renders the 3 control-plane + 2 worker fixture for a Kubernetes version into a temp folder. */
export async function renderHa(version: string, mutate?: (doc: Record<string, any>) => void): Promise<{ root: string; result: RenderResult }> {
  const root = await mkdtemp(join(tmpdir(), 'nkd-render-it-'));
  const doc = haClusterDoc();
  doc.spec.kubernetes.version = version;
  mutate?.(doc);
  const { config } = await loadClusterText(toYaml(doc), { file: join(root, 'cluster.yaml'), env: {} });
  const result = await renderCluster(config, { dir: join(root, 'cluster') }, { keys });
  return { root, result };
}

/**
 * What /etc/kubernetes/pki would hold on a control-plane node: the shared PKI plus the node's
 * own certificates (when nkd made them), in a scratch folder; and its kubeadm config pointing certificatesDir there.
 * For a joining node the init configuration is re-targeted at it (name and address), which is
 * how kubeadm validates that node's certificates offline.
 */
export async function nodeCertDir(clusterDir: string, node: string, ip: string, scratch: string): Promise<{ pki: string; config: string }> {
  const pki = join(scratch, node, 'pki');
  await mkdir(pki, { recursive: true });
  await cp(join(clusterDir, 'pki'), pki, { recursive: true, filter: (src) => !src.includes('/pki/nodes') });
  // The node's own certificates exist only when nkd made the leaves (leafCertificates: nkd).
  if (existsSync(join(clusterDir, 'pki', 'nodes', node))) await cp(join(clusterDir, 'pki', 'nodes', node), pki, { recursive: true });
  const docs = yaml.loadAll(await readFile(join(clusterDir, 'kubeadm', 'master-1.yaml'), 'utf8')) as any[];
  docs[0].nodeRegistration.name = node;
  docs[0].localAPIEndpoint.advertiseAddress = ip;
  docs[1].certificatesDir = pki;
  const config = join(scratch, node, 'kubeadm.yaml');
  await writeFile(config, docs.map((d) => yaml.dump(d)).join('---\n'));
  return { pki, config };
}
