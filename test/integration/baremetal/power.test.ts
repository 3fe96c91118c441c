/**
 * BMC power control. IPMI against a real IPMI simulator (OpenIPMI's `ipmi_sim`, lanplus on
 * loopback) driven by the real `ipmitool`; the simulator runs the test's chassis script, which
 * records each chassis command and keeps the power state. Redfish against a FAKE BMC (no
 * Redfish server is packaged for Debian): an HTTPS server with a certificate from openssl that
 * implements only the resources nkd uses and fails the test on any request it does not expect.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { hostPower } from '../../../pkg/infra/baremetal/power.js';
import type { BareMetalHost } from '../../../pkg/infra/baremetal/provider.js';
import type { Progress } from '../../../pkg/infra/types.js';
import { freePort } from '../../harness/ports.js';

jest.setTimeout(120_000);
const run = promisify(execFile);
let scratch: string;
const lines: string[] = [];
const progress: Progress = { info: (m) => lines.push(m), ok: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {} };
const host = (bmc: BareMetalHost['bmc']): BareMetalHost => ({ name: 'master-1', role: 'control-plane', mac: '52:54:00:00:00:01', ignitionPath: '/x', ignitionSha512: '', bmc });
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('resolved'); }, (e: Error & { hint?: string }) => ({ message: e.message, hint: e.hint ?? '' }));

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nkd-power-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('IPMI through ipmitool against the real ipmi_sim', () => {
  let sim: ChildProcess;
  let port: number;
  const calls = () => readFile(join(scratch, 'ipmi-calls'), 'utf8').then((t) => t.trim().split('\n').filter((l) => !/ get /.test(` ${l} `)), () => []);

  beforeAll(async () => {
    port = await freePort();
    const chassis = join(scratch, 'chassis.sh');
    await writeFile(chassis, [
      '#!/bin/sh',
      '# the simulated host: records each chassis command, keeps the power state',
      `echo "$*" >> ${join(scratch, 'ipmi-calls')}`,
      `st=${join(scratch, 'ipmi-power')}`,
      'case "$2" in',
      '  get) shift 2; for p in "$@"; do case "$p" in power) echo "power:$(cat $st 2>/dev/null || echo 0)";; boot) echo "boot:default";; esac; done ;;',
      '  set) shift 2; while [ $# -gt 0 ]; do case "$1" in power) echo "$2" > $st;; esac; shift 2; done ;;',
      'esac',
    ].join('\n') + '\n', { mode: 0o755 });
    await writeFile(join(scratch, 'lan.conf'), [
      'name "nkdtest"', 'set_working_mc 0x20', '  startlan 1', `    addr 127.0.0.1 ${port}`, '    priv_limit admin',
      ...['callback', 'user', 'operator', 'admin'].map((r) => `    allowed_auths_${r} none md2 md5 straight`),
      '    guid a123456789abcdefa123456789abcdef', '  endlan', `  chassis_control "${chassis} 0x20"`,
      '  user 1 true  ""     "x"       user  10 none md2 md5 straight',
      '  user 2 true  "nkd"  "s3cret"  admin 10 none md2 md5 straight',
    ].join('\n') + '\n');
    await writeFile(join(scratch, 'sim.emu'), ['mc_setbmc 0x20', 'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr', 'sel_enable 0x20 1000 0x0a', 'mc_enable 0x20'].join('\n') + '\n');
    sim = spawn('ipmi_sim', ['-c', join(scratch, 'lan.conf'), '-f', join(scratch, 'sim.emu'), '-n', '-s', join(scratch, 'ipmi-state')], { stdio: 'ignore' });
    // ready when ipmitool gets an answer
    for (let i = 0; i < 50; i++) {
      const ok = await run('ipmitool', ['-I', 'lanplus', '-H', '127.0.0.1', '-p', String(port), '-U', 'nkd', '-E', 'chassis', 'power', 'status'], { env: { ...process.env, IPMI_PASSWORD: 's3cret' } }).then(() => true, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await rm(join(scratch, 'ipmi-calls'), { force: true });
  });
  afterAll(() => {
    sim?.kill();
  });

  test('a host that is off: one-shot PXE boot, then power on; a host that runs: PXE boot, then a power cycle', async () => {
    const power = hostPower({ env: { ...process.env, BMC_PW: 's3cret' } })(host({ protocol: 'ipmi', address: `127.0.0.1:${port}`, username: 'nkd', passwordEnv: 'BMC_PW' }));
    expect(power.via).toBe(`IPMI BMC 127.0.0.1:${port}`);
    power.check!();
    await power.netboot(progress);
    expect(await calls()).toEqual(['0x20 set boot pxe', '0x20 set power 1']);
    expect(lines).toContain(`master-1: IPMI BMC 127.0.0.1:${port}: boot from the network once, power on`);
    await power.netboot(progress);
    // the simulator turns the power back on a moment after the cycle's "off"
    for (let i = 0; i < 50 && (await calls()).length < 5; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await calls()).toEqual(['0x20 set boot pxe', '0x20 set power 1', '0x20 set boot pxe', '0x20 set power 0', '0x20 set power 1']);
    expect(lines).toContain(`master-1: IPMI BMC 127.0.0.1:${port}: boot from the network once, power cycled`);
  });

  test('a wrong password is refused by the BMC and named; an unset variable is caught before anything is sent', async () => {
    const wrong = hostPower({ env: { ...process.env, BMC_PW: 'nope' } })(host({ protocol: 'ipmi', address: `127.0.0.1:${port}`, username: 'nkd', passwordEnv: 'BMC_PW' }));
    const err = await fail(wrong.netboot(progress));
    expect(err.message).toMatch(new RegExp(`^node master-1: the IPMI BMC at 127\\.0\\.0\\.1:${port} refused the session`));
    expect(err.hint).toContain('nodes[].baremetal.bmc.passwordEnv');
    expect(err.message).not.toContain('nope');
    const unset = hostPower({ env: {} })(host({ protocol: 'ipmi', address: '127.0.0.1', username: 'nkd', passwordEnv: 'BMC_PW' }));
    expect(() => unset.check!()).toThrow('node master-1: the environment variable BMC_PW (nodes[].baremetal.bmc.passwordEnv) is not set');
  });
});

describe('Redfish against a FAKE BMC over HTTPS', () => {
  let server: Server;
  let base: string;
  let cert: string;
  let state: { power: 'On' | 'Off'; boot?: object; unexpected: string[]; requests: string[] };

  beforeAll(async () => {
    const key = join(scratch, 'bmc.key');
    const crt = join(scratch, 'bmc.crt');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=fake-bmc', '-addext', 'subjectAltName=IP:127.0.0.1']);
    cert = crt;
    server = createServer({ key: await readFile(key), cert: await readFile(crt) }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const where = `${req.method} ${req.url}`;
        state.requests.push(where);
        const send = (code: number, doc?: object) => void res.writeHead(code, { 'content-type': 'application/json' }).end(doc ? JSON.stringify(doc) : '');
        if (req.headers.authorization !== `Basic ${Buffer.from('admin:redfish-pw').toString('base64')}`) return send(401, { error: { message: 'unauthorized' } });
        if (where === 'GET /redfish/v1/Systems') return send(200, { Members: [{ '@odata.id': '/redfish/v1/Systems/1' }] });
        if (where === 'GET /redfish/v1/Systems/1') return send(200, { PowerState: state.power });
        const doc = body ? JSON.parse(body) : undefined;
        if (where === 'PATCH /redfish/v1/Systems/1' && JSON.stringify(doc) === JSON.stringify({ Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } })) {
          state.boot = doc.Boot;
          return send(204);
        }
        if (where === 'POST /redfish/v1/Systems/1/Actions/ComputerSystem.Reset' && ['On', 'ForceRestart'].includes(doc?.ResetType) && Object.keys(doc).length === 1) {
          if (doc.ResetType === 'On' && state.power === 'On') return send(409, { error: { message: 'already on' } });
          state.power = 'On';
          return send(204);
        }
        state.unexpected.push(`${where} ${body}`);
        return send(400, { error: { message: 'the fake BMC does not expect this request' } });
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    state = { power: 'Off', unexpected: [], requests: [] };
  });
  afterAll(() => new Promise((ok) => server.close(ok)));

  const redfish = (extra: Partial<NonNullable<BareMetalHost['bmc']>> = {}, pw = 'redfish-pw') =>
    hostPower({ env: { RF_PW: pw } })(host({ protocol: 'redfish', address: base, username: 'admin', passwordEnv: 'RF_PW', caFile: cert, ...extra }));

  test('sets the boot override to PXE once, then powers on a host that is off or restarts one that runs', async () => {
    await redfish().netboot(progress);
    expect(state.requests).toEqual(['GET /redfish/v1/Systems', 'PATCH /redfish/v1/Systems/1', 'GET /redfish/v1/Systems/1', 'POST /redfish/v1/Systems/1/Actions/ComputerSystem.Reset']);
    expect(state.boot).toEqual({ BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' });
    expect(lines).toContain(`master-1: Redfish BMC https://${base}: boot from the network once, powered on`);
    await redfish().netboot(progress); // now On: ForceRestart (the fake refuses On for a running host)
    expect(lines).toContain(`master-1: Redfish BMC https://${base}: boot from the network once, restarted`);
    expect(state.unexpected).toEqual([]);
  });

  test('the BMC\'s certificate is verified: without caFile a self-signed one is refused, naming the field to set', async () => {
    const err = await fail(redfish({ caFile: undefined }).netboot(progress));
    expect(err.message).toMatch(new RegExp(`^node master-1: cannot reach the Redfish BMC at https://${base.replace(/\./g, '\\.')}: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)`));
    expect(err.hint).toContain('nodes[].baremetal.bmc.caFile');
    expect(state.requests).toEqual([]);
  });

  test('a wrong password is a 401 named with the user and the field, the password never shown', async () => {
    const err = await fail(redfish({}, 'wrong-pw').netboot(progress));
    expect(err.message).toBe(`node master-1: the Redfish BMC at https://${base} refused admin (401)`);
    expect(err.hint).toContain('nodes[].baremetal.bmc.passwordEnv');
    expect(JSON.stringify(err)).not.toContain('wrong-pw');
  });

  test('a BMC nothing answers on is named', async () => {
    const port = await freePort();
    const err = await fail(redfish({ address: `127.0.0.1:${port}` }).netboot(progress));
    expect(err.message).toBe(`node master-1: cannot reach the Redfish BMC at https://127.0.0.1:${port}: ECONNREFUSED`);
  });
});
