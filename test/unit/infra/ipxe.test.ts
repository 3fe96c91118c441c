import { readdirSync, readFileSync } from 'node:fs';
import { ipxeBootFrom, normalizeMac, renderChainScript, renderMachineScript, type IpxeBoot } from '../../../pkg/infra/baremetal/ipxe.js';
import { OneTimeTokens, tokenTag } from '../../../pkg/infra/baremetal/tokens.js';
import { templatePath } from '../../../pkg/paths.js';
import { bareMetalClusterDoc, toYaml } from '../../fixtures/cluster.js';
import { loadClusterText } from '../../../pkg/config/load.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';

const IMAGES = {
  kernelURL: 'http://10.231.0.2:8080/nestos-live-kernel-x86_64',
  initrdURL: 'http://10.231.0.2:8080/nestos-live-initramfs.x86_64.img',
  rootfsURL: 'http://10.231.0.2:8080/nestos-live-rootfs.x86_64.img',
};

async function bareMetal(mutate?: (d: Record<string, any>) => void): Promise<ClusterConfig> {
  const doc = bareMetalClusterDoc();
  Object.assign(doc.spec.baremetal, IMAGES);
  delete doc.spec.nodes[1].ip;
  mutate?.(doc);
  return (await loadClusterText(toYaml(doc), { file: 'cluster.yaml', env: {} })).config;
}

const TOKEN = 'A'.repeat(43);

describe('the one-time token store', () => {
  let now = 1_000_000;
  const store = (): OneTimeTokens => new OneTimeTokens({ now: () => now });
  beforeEach(() => (now = 1_000_000));

  test('issues URL-safe tokens of 256 random bits, a new one each time', () => {
    const s = store();
    const a = s.issue('master-1', '52:54:00:00:00:01', 60_000);
    const b = s.issue('worker-1', '52:54:00:00:00:02', 60_000);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  test('a token redeems once, for its MAC, and says who it was for', () => {
    const s = store();
    const t = s.issue('master-1', '52:54:00:00:00:01', 60_000);
    expect(s.redeem(t, '52:54:00:00:00:01')).toEqual({ ok: true, node: 'master-1', mac: '52:54:00:00:00:01' });
    expect(s.redeem(t, '52:54:00:00:00:01')).toEqual({ ok: false, reason: 'used', node: 'master-1', message: `token ${tokenTag(t)} for node master-1 was already used` });
  });

  test('a token expires at its time limit (injected clock)', () => {
    const s = store();
    const t = s.issue('master-1', '52:54:00:00:00:01', 60_000);
    now += 60_000;
    expect(s.redeem(t, '52:54:00:00:00:01')).toMatchObject({ ok: false, reason: 'expired', message: `token ${tokenTag(t)} for node master-1 expired` });
  });

  test('a token presented with another MAC, or none, is refused and stays good for its own MAC', () => {
    const s = store();
    const t = s.issue('master-1', '52:54:00:00:00:01', 60_000);
    expect(s.redeem(t, '52:54:00:00:00:02')).toMatchObject({ ok: false, reason: 'other-mac', message: `token ${tokenTag(t)} for node master-1 is bound to 52:54:00:00:00:01, presented with 52:54:00:00:00:02` });
    expect(s.redeem(t)).toMatchObject({ ok: false, reason: 'other-mac', message: `token ${tokenTag(t)} for node master-1 is bound to 52:54:00:00:00:01, presented without a MAC` });
    expect(s.redeem(t, '52:54:00:00:00:01')).toMatchObject({ ok: true });
  });

  test('an unknown token is refused without naming it; a newer token for the MAC supersedes the older', () => {
    const s = store();
    expect(s.redeem(TOKEN, '52:54:00:00:00:01')).toEqual({ ok: false, reason: 'unknown', message: `token ${tokenTag(TOKEN)} is unknown` });
    const old = s.issue('master-1', '52:54:00:00:00:01', 60_000);
    const fresh = s.issue('master-1', '52:54:00:00:00:01', 60_000);
    expect(s.redeem(old, '52:54:00:00:00:01')).toMatchObject({ ok: false, reason: 'superseded' });
    expect(s.redeem(fresh, '52:54:00:00:00:01')).toMatchObject({ ok: true });
    expect(tokenTag(TOKEN)).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.stringify(s.redeem(old, '52:54:00:00:00:01'))).not.toContain(old);
  });
});

describe('iPXE scripts', () => {
  let boot: IpxeBoot;
  beforeAll(async () => {
    boot = ipxeBootFrom(await bareMetal());
  });

  test('the chain script asks for the machine script by the MAC of net0', () => {
    expect(renderChainScript(boot.baseUrl)).toBe(
      ['#!ipxe', '# Written by nkd: asks nkd\'s boot service for this machine\'s own script, by the MAC of net0.', 'chain http://10.231.0.2:9080/nkd/v1/ipxe/machine?mac=${net0/mac}', ''].join('\n'),
    );
  });

  test('a node with a static ip boots the live system with the installer arguments and dracut\'s ip=', () => {
    const m = boot.machines.find((x) => x.node === 'master-1')!;
    expect(renderMachineScript(boot, m, TOKEN)).toBe(
      [
        '#!ipxe',
        '# Written by nkd for node master-1 (52:54:00:00:00:01): the NestOS live system installs NestOS to',
        '# /dev/sda with the node\'s first stage, fetched once through a one-time URL.',
        'kernel http://10.231.0.2:8080/nestos-live-kernel-x86_64 initrd=main nestos.live.rootfs_url=http://10.231.0.2:8080/nestos-live-rootfs.x86_64.img nestos.inst.install_dev=/dev/sda ' +
          'ip=10.231.0.11::10.231.0.1:255.255.255.0:master-1::none nameserver=10.231.0.1 rd.neednet=1 ' +
          `nestos.inst.ignition_url=http://10.231.0.2:9080/nkd/v1/ignition/${TOKEN}?mac=\${net0/mac}`,
        'initrd --name main http://10.231.0.2:8080/nestos-live-initramfs.x86_64.img',
        'boot',
        '',
      ].join('\n'),
    );
  });

  test('spec.network.interface names the device of the live system\'s static network', async () => {
    const b = ipxeBootFrom(await bareMetal((d) => (d.spec.network.interface = 'enp1s0')));
    expect(renderMachineScript(b, b.machines[0]!, TOKEN)).toContain(' ip=10.231.0.11::10.231.0.1:255.255.255.0:master-1:enp1s0:none nameserver=10.231.0.1 ');
  });

  test('a node without an ip uses DHCP, and its own install device', async () => {
    const b = ipxeBootFrom(await bareMetal((d) => (d.spec.nodes[1].baremetal = { installDevice: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1' })));
    const m = b.machines.find((x) => x.node === 'worker-1')!;
    expect(renderMachineScript(b, m, TOKEN).split('\n')[3]).toBe(
      'kernel http://10.231.0.2:8080/nestos-live-kernel-x86_64 initrd=main nestos.live.rootfs_url=http://10.231.0.2:8080/nestos-live-rootfs.x86_64.img ' +
        `nestos.inst.install_dev=/dev/disk/by-path/pci-0000:00:1f.2-ata-1 nestos.inst.ignition_url=http://10.231.0.2:9080/nkd/v1/ignition/${TOKEN}?mac=\${net0/mac}`,
    );
  });

  test('the templates insert values only through the checking helpers', () => {
    const dir = templatePath('ipxe');
    const allowed = /^\{\{(?:(?:url|arg) [A-Za-z.]+|#each [A-Za-z]+|\/each|(?:url|arg) this)\}\}$/;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.hbs'))) {
      for (const m of readFileSync(`${dir}/${f}`, 'utf8').match(/\{\{[^}]*\}\}\}?/g) ?? []) expect(m).toMatch(allowed);
    }
  });
});

describe('what may go into a script', () => {
  test('MACs are read with colons or hyphens in any case, and nothing else', () => {
    expect(normalizeMac('52-54-00-AB-cd-01')).toBe('52:54:00:ab:cd:01');
    for (const bad of ['52:54:00:00:00', '52:54:00:00:00:01\nshell', '52:54:00:00:00:0g', '${net0/mac}', '', null, undefined]) expect(normalizeMac(bad)).toBeUndefined();
  });

  test.each([
    ['a URL that would add a line', (d: any) => (d.spec.baremetal.kernelURL = 'http://x/k\nshell'), 'spec.baremetal.kernelURL: invalid value "http://x/k\\nshell"'],
    ['a URL with a space and a setting', (d: any) => (d.spec.baremetal.rootfsURL = 'http://x/r ${net0/ip}'), 'spec.baremetal.rootfsURL: invalid value "http://x/r ${net0/ip}"'],
    ['a URL with && (iPXE\'s and)', (d: any) => (d.spec.baremetal.initrdURL = 'http://x/i?a=1&&shell'), 'spec.baremetal.initrdURL: invalid value "http://x/i?a=1&&shell"'],
    ['a local path (nkd does not serve the images)', (d: any) => (d.spec.baremetal.kernelURL = '/srv/kernel'), 'spec.baremetal.kernelURL: invalid value "/srv/kernel"'],
    ['a device with a space', (d: any) => (d.spec.baremetal.installDevice = '/dev/sda nestos.inst.skip_reboot'), 'spec.baremetal.installDevice: invalid value "/dev/sda nestos.inst.skip_reboot"'],
    ['a node device outside /dev', (d: any) => (d.spec.nodes[0].baremetal = { installDevice: '/dev/../etc/passwd' }), 'spec.nodes[0].baremetal.installDevice: invalid value "/dev/../etc/passwd"'],
  ])('refuses %s, naming the field', async (_name, mutate, message) => {
    const config = await bareMetal(mutate);
    expect(() => ipxeBootFrom(config)).toThrow(message);
  });

  test('refuses every missing image URL at once', async () => {
    const config = await bareMetal((d) => {
      delete d.spec.baremetal.kernelURL;
      delete d.spec.baremetal.initrdURL;
    });
    expect(() => ipxeBootFrom(config)).toThrow(/kernelURL: required field is missing[\s\S]*initrdURL: required field is missing/);
  });

  test('the helpers refuse a value that slipped past the checks', async () => {
    const boot = ipxeBootFrom(await bareMetal());
    const m = { ...boot.machines[0]!, installDevice: '/dev/sda\nshell' };
    expect(() => renderMachineScript(boot, m, TOKEN)).toThrow('refused by {{arg}}');
    expect(() => renderMachineScript(boot, boot.machines[0]!, 'x y')).toThrow('refused by {{url}}');
  });
});
