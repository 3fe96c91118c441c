// The upgrade commands of the built nkd binary where no cluster answers: flags, help, errors, the
// debug log. (Against a real API server: test/integration/upgrade/cli.test.ts.)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNkd } from '../../helpers/cli.js';

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A cluster directory whose admin kubeconfig names a server that refuses connections. */
function clusterDir(server: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nkd-upgrade-cli-'));
  mkdirSync(join(dir, 'auth'));
  writeFileSync(join(dir, 'auth', 'admin.conf'), [
    'apiVersion: v1', 'kind: Config', 'current-context: x',
    `clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
    'users: [{name: u, user: {token: not-a-secret}}]',
    'contexts: [{name: x, context: {cluster: c, user: u}}]', '',
  ].join('\n'));
  return dir;
}

let server: string;
beforeAll(async () => { server = `https://127.0.0.1:${await closedPort()}`; });

describe('nkd upgrade without a reachable API server (built binary)', () => {
  it('nkd upgrade status names the server and the kubeconfig, exits 1, and is not reported as a bug', () => {
    const dir = clusterDir(server);
    const r = runNkd(['upgrade', 'status', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`✗ listing Upgrades: cannot reach the API server ${server} (kubeconfig ${join(dir, 'auth', 'admin.conf')}): connect ECONNREFUSED ${server.replace('https://', '')}`);
    expect(r.stderr).toContain('hint: check that the cluster is up');
    expect(r.stderr).not.toMatch(/internal error|bug in nkd|\s+at .*\.js:\d+/);
  });

  it('nkd upgrade does not ask whether the operator is installed when the server cannot be reached', () => {
    const dir = clusterDir(server);
    const r = runNkd(['upgrade', '--dir', dir, '--kubernetes-version', '1.37.2', '--name', 'k8s', '--no-follow']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`✗ creating Upgrade k8s: cannot reach the API server ${server}`);
    expect(r.stderr).not.toMatch(/operator installed/);
  });

  it('writes the upgrade commands\' debug log to the cluster directory', () => {
    const dir = clusterDir(server);
    const state = mkdtempSync(join(tmpdir(), 'nkd-state-'));
    const r = runNkd(['upgrade', 'status', '--dir', dir], { env: { XDG_STATE_HOME: state } });
    expect(r.stderr).toContain(`details: ${join(dir, '.nkd', 'nkd.log')}`);
    const log = readFileSync(join(dir, '.nkd', 'nkd.log'), 'utf8');
    expect(log).toContain(`API server ${server}`);
    expect(log).toMatch(/ECONNREFUSED[\s\S]*\n\s+at /); // the stack is in the log, not on the terminal
    expect(existsSync(join(state, 'nkd'))).toBe(false);
  });

  it('accepts --kubernetes-version as 1.37.2 and v1.37.2, and names the flag for anything else', () => {
    const dir = clusterDir(server);
    for (const v of ['1.37.2', 'v1.37.2']) {
      const r = runNkd(['upgrade', '--dir', dir, '--kubernetes-version', v, '--no-follow']);
      expect(r.stderr).toContain('cannot reach the API server'); // got past the flags
    }
    const bad = runNkd(['upgrade', '--dir', dir, '--kubernetes-version', '1.37', '--no-follow']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('✗ --kubernetes-version: invalid value "1.37"');
    expect(bad.stderr).toContain('hint: use MAJOR.MINOR.PATCH with or without a leading v, for example 1.37.1 or v1.37.1');
  });

  it('names the file and the field of a bad --from-file before talking to the cluster', () => {
    const dir = clusterDir(server);
    writeFileSync(join(dir, 'up.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    const r = runNkd(['upgrade', '--dir', dir, '--from-file', join(dir, 'up.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`✗ ${join(dir, 'up.yaml')}: apiVersion/kind: invalid value "v1/ConfigMap"`);
    expect(r.stderr).toContain('hint: use apiVersion: upgrade.nkd.nestos.openeuler.org/v1alpha1 and kind: Upgrade');
  });

  it('shows the default of --max-unavailable and examples in the help of both commands', () => {
    const up = runNkd(['upgrade', '--help']);
    expect(up.code).toBe(0);
    const flat = up.stdout.replace(/\s+/g, ' '); // commander wraps to the terminal's width
    expect(flat).toContain('--max-unavailable <n> workers unavailable at once per stage: a count or a percentage (default: 1;');
    expect(up.stdout).toContain('Examples:\n  # roll Kubernetes to the next patch');
    expect(up.stdout).toContain('nkd upgrade --dir ./mycluster --from-file upgrades/k8s-1.37.yaml');
    expect(flat).toContain('--kubernetes-version <version> target Kubernetes version, 1.37.2 or v1.37.2');
    const st = runNkd(['upgrade', 'status', '--help']);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain('Examples:\n  nkd upgrade status --dir ./mycluster');
    expect(st.stdout).toContain('Exits 1 when a shown Upgrade is Degraded');
  });
});
