import { ApiextensionsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ExitCode, NkdError } from '../ui/errors.js';
import { checkAbort } from '../abort.js';
import { applyObjects } from './apply.js';
import type { KubeObject } from './manifests.js';

/** Applies CustomResourceDefinitions and waits until each is Established (bounded). */
export async function installCrds(kc: KubeConfig, crds: KubeObject[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  await applyObjects(kc, crds, { signal: opts.signal });
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + opts.timeoutMs;
  for (const crd of crds) {
    for (;;) {
      checkAbort(opts.signal);
      const got = await api.readCustomResourceDefinition({ name: crd.metadata.name });
      if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() >= deadline) {
        throw new NkdError(`CustomResourceDefinition ${crd.metadata.name} not Established within ${Math.round(opts.timeoutMs / 1000)} s`, {
          code: ExitCode.Timeout,
          hint: `kubectl describe crd ${crd.metadata.name}`,
        });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
