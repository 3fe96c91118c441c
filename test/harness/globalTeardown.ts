/**
 * Jest globalTeardown of the integration project: stops the shared control plane (by PID) if a
 * suite started it, and closes the broker.
 */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__NKD_HARNESS__;
  if (!state) return;
  globalThis.__NKD_HARNESS__ = undefined;
  delete process.env.NKD_TEST_HARNESS_URL;
  state.server.closeAllConnections();
  await new Promise<void>((resolve) => state.server.close(() => resolve()));
  if (state.controlPlane) {
    const cp = await state.controlPlane.catch(() => undefined);
    await cp?.stop();
  }
}
