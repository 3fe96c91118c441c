import { CoreV1Api, VersionApi, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { ExitCode, NkdError } from '../ui/errors.js';
import { checkAbort } from '../abort.js';
import { serverOf } from './kubeconfig.js';

/** Options of the bounded waits. */
export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Per node: where to look when it is late (console log, provider console). */
  whereToLook?: (node: string) => string | undefined;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Waits until the API server answers /version; returns its gitVersion. */
export async function waitForApi(kc: KubeConfig, opts: WaitOptions): Promise<string> {
  const api = kc.makeApiClient(VersionApi);
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    checkAbort(opts.signal);
    try {
      return (await api.getCode()).gitVersion;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new NkdError(`the API server at ${serverOf(kc)} did not answer within ${Math.round(opts.timeoutMs / 1000)} s (last error: ${last})`, {
        code: ExitCode.Timeout,
        details: opts.whereToLook ? [`the first control-plane node runs kubeadm init: ${opts.whereToLook('') ?? ''}`.trim()] : [],
        hint: 'look at the first control-plane node\'s console log; re-run `nkd deploy` to keep waiting (nothing is created twice)',
      });
    }
    await sleep(opts.intervalMs ?? 2000, opts.signal);
  }
}

/** Ready condition of a node: "Ready", or why not. */
export function nodeReadiness(n: V1Node): { ready: boolean; why: string } {
  const c = n.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c) return { ready: false, why: 'no Ready condition yet' };
  if (c.status === 'True') return { ready: true, why: 'Ready' };
  return { ready: false, why: `Ready=${c.status}${c.reason ? ` (${c.reason}${c.message ? ': ' + c.message : ''})` : ''}` };
}

/** Waits until every named node is registered and Ready; on timeout names the late ones. */
export async function waitForNodesReady(kc: KubeConfig, names: string[], opts: WaitOptions & { onProgress?: (ready: number, total: number) => void }): Promise<void> {
  const api = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + opts.timeoutMs;
  let late = new Map<string, string>(names.map((n) => [n, 'not registered']));
  let lastReady = -1;
  for (;;) {
    checkAbort(opts.signal);
    try {
      const list = await api.listNode();
      const next = new Map<string, string>();
      for (const name of names) {
        const node = list.items.find((n) => n.metadata?.name === name);
        if (!node) next.set(name, 'not registered with the API server');
        else {
          const r = nodeReadiness(node);
          if (!r.ready) next.set(name, r.why);
        }
      }
      late = next;
      const ready = names.length - late.size;
      if (ready !== lastReady) opts.onProgress?.(ready, names.length);
      lastReady = ready;
      if (late.size === 0) return;
    } catch (e) {
      late = new Map(names.map((n) => [n, `unknown (API error: ${(e as Error).message})`]));
    }
    if (Date.now() >= deadline) {
      const details = [...late].map(([n, why]) => {
        const look = opts.whereToLook?.(n);
        return `${n}: ${why}${look ? `; look at ${look}` : ''}`;
      });
      throw new NkdError(`${late.size} of ${names.length} nodes not Ready after ${Math.round(opts.timeoutMs / 1000)} s: ${[...late.keys()].join(', ')}`, {
        code: ExitCode.Timeout,
        details,
        hint: 'fix the late nodes (or wait longer), then re-run the same command: it resumes where it stopped',
      });
    }
    await sleep(opts.intervalMs ?? 3000, opts.signal);
  }
}
