import { randomBytes } from 'node:crypto';
import { startControlPlane, type ControlPlane } from './controlplane.js';

/** Env var: kubeconfig of an already running shared control plane (set by sharedKubeconfig, or by you). */
export const KUBECONFIG_ENV = 'NKD_TEST_KUBECONFIG';
/** Env var: URL of the broker that jest's globalSetup runs in the jest main process. */
export const BROKER_ENV = 'NKD_TEST_HARNESS_URL';

let local: Promise<ControlPlane> | undefined;

/**
 * The admin kubeconfig path of the control plane shared by all suites of a jest run (newest test
 * version, with kube-controller-manager). The first call starts it through the broker of the
 * integration project's globalSetup; without that broker (another jest config) this process
 * starts its own and stops it when the process exits. Throws when the binaries are missing.
 */
export async function sharedKubeconfig(): Promise<string> {
  const preset = process.env[KUBECONFIG_ENV];
  if (preset) return preset;
  const broker = process.env[BROKER_ENV];
  let path: string;
  if (broker) {
    const res = await fetch(`${broker}/kubeconfig`);
    const body = (await res.json()) as { kubeconfigPath?: string; error?: string };
    if (!res.ok || !body.kubeconfigPath) throw new Error(`shared control plane: ${body.error ?? `HTTP ${res.status}`}`);
    path = body.kubeconfigPath;
  } else {
    if (!local) {
      local = startControlPlane({ controllerManager: true });
      const cp = await local;
      process.once('beforeExit', () => void cp.stop());
    }
    path = (await local).kubeconfigPath;
  }
  process.env[KUBECONFIG_ENV] = path;
  return path;
}

/** A fresh DNS-1123 namespace name `<prefix>-<random>` (max 63 chars); the test creates it. */
export function uniqueNamespace(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'test';
  return `${clean}-${randomBytes(4).toString('hex')}`;
}
