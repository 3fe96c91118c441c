/**
 * The x2NestOS conversion script, run whole with the real `sh` (dash) inside a network
 * namespace whose interface carries the node's MAC (the real /sys/class/net of that namespace),
 * with a RECORDING STAND-IN for `kexec` on the PATH (it writes its arguments to a file and exits
 * 0: nothing boots, nothing is wiped) and a device node standing in for the install disk.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { machineKernelArgs, type IpxeBoot } from '../../../pkg/infra/baremetal/ipxe.js';
import { X2NESTOS_EXIT, x2nestosConversion, type X2NestosInputs } from '../../../pkg/host/x2nestos.js';

jest.setTimeout(60_000);
const run = promisify(execFile);
const NS = 'nkdx2n-host';
const MAC = '52:54:00:46:00:11';
let scratch: string;

const boot: IpxeBoot = {
  baseUrl: 'http://10.231.46.1:9080', kernelUrl: 'http://10.231.46.1:8080/k', initrdUrl: 'http://10.231.46.1:8080/i', rootfsUrl: 'http://10.231.46.1:8080/nestos-live-rootfs.x86_64.img',
  machines: [],
};
const machine = { node: 'master-1', mac: MAC, installDevice: '/dev/vda', network: { ip: '10.231.46.11', gateway: '10.231.46.1', netmask: '255.255.255.0', dns: ['10.231.46.1'], iface: 'eth0' } };
const ignitionUrl = 'http://10.231.46.1:9080/nkd/v1/ignition/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA?mac=52:54:00:46:00:11';
const kernelArgs = [...machineKernelArgs(boot, machine), `nestos.inst.ignition_url=${ignitionUrl}`];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nkd-x2nestos-'));
  await run('ip', ['netns', 'del', NS]).catch(() => undefined);
  await run('ip', ['netns', 'add', NS]);
  await run('ip', ['-n', NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
  await run('ip', ['-n', NS, 'link', 'set', 'eth0', 'address', MAC]);
  // the stand-in kexec: records every call
  await mkdir(join(scratch, 'bin'));
  await writeFile(join(scratch, 'bin', 'kexec'), `#!/bin/sh\n# STAND-IN for kexec: records its arguments, boots nothing\nprintf '%s\\n' "$*" >> ${join(scratch, 'kexec-calls')}\n[ "$1" = -e ] && [ -n "\${KEXEC_E_FAILS:-}" ] && exit 1\nexit 0\n`);
  await chmod(join(scratch, 'bin', 'kexec'), 0o755);
  // a block device node standing in for the install disk (no disk behind it is opened)
  await mkdir(join(scratch, 'devroot', 'dev'), { recursive: true });
  await run('mknod', [join(scratch, 'devroot', 'dev', 'vda'), 'b', '7', '200']);
});
afterAll(async () => {
  await run('ip', ['netns', 'del', NS]).catch(() => undefined);
  await rm(scratch, { recursive: true, force: true });
});

/** Stages the files and runs the whole script in the namespace; exit code, stderr and what kexec was asked. */
async function convert(over: Partial<X2NestosInputs> = {}, opts: { path?: string; corrupt?: boolean; kexecFails?: boolean } = {}) {
  const stageDir = join(scratch, 'stage');
  await rm(stageDir, { recursive: true, force: true });
  await rm(join(scratch, 'kexec-calls'), { force: true });
  const c = x2nestosConversion({ node: 'master-1', mac: MAC, installDevice: '/dev/vda', kernelArgs, kernel: Buffer.from('stand-in kernel'), initrd: Buffer.from('stand-in initramfs'), stageDir, ...over });
  await mkdir(stageDir, { recursive: true });
  for (const f of c.files) await writeFile(f.path, opts.corrupt && f.path.endsWith('vmlinuz') ? Buffer.from('tampered') : f.content, { mode: f.mode });
  await writeFile(join(scratch, 'x2nestos.sh'), c.script);
  const r = await run('ip', ['netns', 'exec', NS, 'env', `PATH=${opts.path ?? `${join(scratch, 'bin')}:/usr/bin:/bin`}`, `NKD_X2NESTOS_DEV_ROOT=${join(scratch, 'devroot')}`, ...(opts.kexecFails ? ['KEXEC_E_FAILS=1'] : []), 'sh', join(scratch, 'x2nestos.sh')])
    .then((o) => ({ code: 0, stderr: o.stderr }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
  const calls = await readFile(join(scratch, 'kexec-calls'), 'utf8').then((t) => t.trim().split('\n'), () => [] as string[]);
  return { ...r, calls, stageDir };
}

describe('the x2NestOS conversion script', () => {
  test('on the named host: loads the live installer with the node\'s install arguments and static network, then kexec -e', async () => {
    const r = await convert();
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      `-l ${r.stageDir}/vmlinuz --initrd=${r.stageDir}/initrd.img --command-line=` +
        'nestos.live.rootfs_url=http://10.231.46.1:8080/nestos-live-rootfs.x86_64.img nestos.inst.install_dev=/dev/vda ' +
        'ip=10.231.46.11::10.231.46.1:255.255.255.0:master-1:eth0:none nameserver=10.231.46.1 rd.neednet=1 ' +
        `nestos.inst.ignition_url=${ignitionUrl}`,
      '-e',
    ]);
    expect(r.stderr).toContain(`nkd-x2nestos[master-1]: MAC ${MAC} is on eth0: this host is master-1`);
  });

  test('a kexec -e that does not boot unloads the kernel and says nothing was wiped', async () => {
    const r = await convert({}, { kexecFails: true });
    expect(r.code).toBe(X2NESTOS_EXIT.kexecFailed);
    expect(r.calls.map((c) => c.split(' ')[0])).toEqual(['-l', '-e', '-u']);
    expect(r.stderr).toMatch(/kexec -e did not boot the installer; the loaded kernel was unloaded and nothing was wiped/);
  });

  test.each([
    ['a host without the node\'s MAC', { mac: '52:54:00:46:00:99' }, {}, X2NESTOS_EXIT.notThisNode, /no interface of this host has MAC 52:54:00:46:00:99, so it is not master-1 \(its MACs: .*52:54:00:46:00:11/],
    ['a host without kexec', {}, { path: '/usr/bin:/bin' }, X2NESTOS_EXIT.noKexec, /kexec is not installed \(install kexec-tools\)/],
    ['a staged kernel that is not the one nkd sent', {}, { corrupt: true }, X2NESTOS_EXIT.stagedImage, /vmlinuz has SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}/],
    ['an install device the host does not have', { installDevice: '/dev/nvme9n1' }, {}, X2NESTOS_EXIT.installDevice, /the install device \/dev\/nvme9n1 is not a block device on this host/],
  ] as const)('refuses %s before kexec is called', async (_name, over, opts, code, message) => {
    const r = await convert(over, opts);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.calls).toEqual([]);
  });
});
