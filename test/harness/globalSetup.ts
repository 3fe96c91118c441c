import Module from 'node:module';
import { createServer, type Server } from 'node:http';
import type { ControlPlane } from './controlplane.js';

/** State shared between globalSetup and globalTeardown (same jest main process). */
export interface HarnessState {
  server: Server;
  controlPlane?: Promise<ControlPlane>;
}

declare global {
  var __NKD_HARNESS__: HarnessState | undefined;
}

// Jest loads globalSetup through CommonJS require, without moduleNameMapper: let the harness's
// NodeNext-style './x.js' imports resolve to the './x.ts' sources.
const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = loader._resolveFilename;
loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  try {
    return resolve.call(this, request, ...rest);
  } catch (e) {
    if (/^\.\.?\/.*\.js$/.test(request)) return resolve.call(this, request.replace(/\.js$/, '.ts'), ...rest);
    throw e;
  }
};

/**
 * Jest globalSetup of the integration project: starts a loopback broker whose first request
 * starts the one shared control plane (so runs without Kubernetes suites neither pay for nor
 * need it) and publishes its URL in NKD_TEST_HARNESS_URL for the test workers.
 */
export default async function globalSetup(): Promise<void> {
  const { BROKER_ENV, KUBECONFIG_ENV } = await import('./shared.js');
  if (process.env[KUBECONFIG_ENV] || globalThis.__NKD_HARNESS__) return;
  const { startControlPlane } = await import('./controlplane.js');
  const state: HarnessState = { server: createServer() };
  state.server.on('request', (req, res) => {
    if (req.url !== '/kubeconfig') {
      res.writeHead(404).end();
      return;
    }
    state.controlPlane ??= startControlPlane({ controllerManager: true });
    state.controlPlane.then(
      (cp) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kubeconfigPath: cp.kubeconfigPath })),
      (e: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e.message })),
    );
  });
  await new Promise<void>((done) => state.server.listen(0, '127.0.0.1', done));
  const address = state.server.address();
  if (!address || typeof address === 'string') throw new Error('harness broker: no address');
  process.env[BROKER_ENV] = `http://127.0.0.1:${address.port}`;
  globalThis.__NKD_HARNESS__ = state;
}
