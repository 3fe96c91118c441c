import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../pkg/paths.js';

/** The test guest built by hack/guest/build.sh (cached): kernel, initramfs and an OS image. */
export interface TestGuest {
  kernel: string;
  initrd: string;
  osImage: string;
}

/** Builds (or finds in the cache) the test guest. */
export function testGuest(): TestGuest {
  const dir = execFileSync('bash', [join(packageRoot(), 'hack', 'guest', 'build.sh')], { encoding: 'utf8' }).trim();
  const g = { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), osImage: join(dir, 'os.qcow2') };
  for (const f of Object.values(g)) if (!existsSync(f)) throw new Error(`test guest incomplete: ${f} missing`);
  return g;
}

/** What a guest reported on its serial console. */
export interface GuestReport {
  booted: boolean;
  macs: string[];
  /** The fw_cfg Ignition bytes the guest read, or undefined when it reported none. */
  ignition?: Buffer;
}

/** Parses a guest's serial console log. */
export function parseConsole(file: string): GuestReport {
  const text = existsSync(file) ? readFileSync(file, 'utf8').replace(/\r/g, '') : '';
  const m = /NKD-IGNITION-BEGIN\n([\s\S]*?)NKD-IGNITION-END/.exec(text);
  return {
    booted: text.includes('NKD-GUEST-BOOTED'),
    macs: [...text.matchAll(/NKD-GUEST-MAC (\S+)/g)].map((x) => x[1] ?? ''),
    ignition: m ? Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64') : undefined,
  };
}
