/**
 * Power control of a bare-metal host through its BMC, for one purpose: boot from the network
 * once, now. IPMI through Debian's `ipmitool` (lanplus; the password in IPMI_PASSWORD with -E,
 * never on a command line or in a log): `chassis bootdev pxe`, then `power on` when the host is
 * off or `power cycle` when it runs. Redfish over HTTPS (the BMC's certificate verified, against
 * bmc.caFile when given): the one ComputerSystem's boot override set to Pxe Once, then a Reset
 * `On` or `ForceRestart` by its PowerState. Without a BMC the manual step is printed.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { BareMetalBmc } from '../../config/types.gen.js';
import { NkdError, ExitCode, usageError } from '../../ui/errors.js';
import { nodeTransport, type HttpAnswer, type Transport } from '../http.js';
import type { Progress } from '../types.js';
import { manualPower, type BareMetalHost, type HostPower } from './provider.js';

/** What power control uses from outside (tests give their own). */
export interface PowerEnv {
  env: Record<string, string | undefined>;
  /** ipmitool's path. */
  ipmitool?: string;
  transport?: Transport;
}

/** The field that names a host's BMC password variable, for messages. */
const passwordField = (host: BareMetalHost): string => `the BMC password of ${host.name} (nodes[].baremetal.bmc.passwordEnv)`;

/** The BMC password from the variable bmc.passwordEnv names; a usage error when it is unset. */
function password(host: BareMetalHost, bmc: BareMetalBmc, env: PowerEnv['env']): string {
  if (!bmc.passwordEnv) throw usageError(`node ${host.name}: bmc.passwordEnv is not set: nkd needs ${passwordField(host)}`, 'set nodes[].baremetal.bmc.passwordEnv to the name of an environment variable that holds it (never the password itself in the file)');
  const v = env[bmc.passwordEnv];
  if (!v) throw usageError(`node ${host.name}: the environment variable ${bmc.passwordEnv} (nodes[].baremetal.bmc.passwordEnv) is not set`, `export ${bmc.passwordEnv}=<the BMC password> before nkd deploy`);
  return v;
}

/** IPMI over LAN (lanplus) with ipmitool. */
export function ipmiPower(host: BareMetalHost, bmc: BareMetalBmc, e: PowerEnv): HostPower {
  const [addr, port] = bmc.address.includes(':') ? bmc.address.split(':') as [string, string] : [bmc.address, undefined];
  const base = ['-I', 'lanplus', '-H', addr, ...(port ? ['-p', port] : []), '-U', bmc.username ?? '', '-E', '-N', '2', '-R', '2'];
  const ipmitool = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(e.ipmitool ?? 'ipmitool', [...base, ...args], { env: { PATH: e.env.PATH ?? '/usr/bin:/bin', IPMI_PASSWORD: password(host, bmc, e.env) }, timeout: 60_000 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(usageError('ipmitool is not installed: nkd drives IPMI BMCs with it', 'install it (apt-get install ipmitool, dnf install ipmitool)'));
        const said = `${stderr}`.split('\n').filter((l) => l && !/Unable to Get Channel Cipher Suites/.test(l)).join('; ');
        const refused = /Unable to establish IPMI v2|RAKP|password/i.test(said);
        reject(new NkdError(`node ${host.name}: the IPMI BMC at ${bmc.address} ${refused ? 'refused the session' : 'did not do'} \`ipmitool ${args.join(' ')}\`: ${said || err.message}`, {
          code: ExitCode.Failure,
          hint: refused ? `check bmc.username and ${passwordField(host)}, and that IPMI over LAN is enabled on the BMC` : `check that ${bmc.address} is the host's BMC and reachable (UDP 623 unless a port is given)`,
        }));
      });
    });
  return {
    via: `IPMI BMC ${bmc.address}`,
    check: () => void password(host, bmc, e.env),
    async netboot(progress: Progress) {
      await ipmitool(['chassis', 'bootdev', 'pxe']);
      const on = /Chassis Power is on/.test(await ipmitool(['chassis', 'power', 'status']));
      await ipmitool(['chassis', 'power', on ? 'cycle' : 'on']);
      progress.info(`${host.name}: IPMI BMC ${bmc.address}: boot from the network once, power ${on ? 'cycled' : 'on'}`);
    },
  };
}

/** Redfish (DMTF DSP0266) over HTTPS. */
export function redfishPower(host: BareMetalHost, bmc: BareMetalBmc, e: PowerEnv): HostPower {
  const base = (/^https?:\/\//.test(bmc.address) ? bmc.address : `https://${bmc.address}`).replace(/\/+$/, '');
  const transport = e.transport ?? nodeTransport;
  let ca: string | undefined;
  const call = async (method: string, path: string, body?: object): Promise<HttpAnswer> => {
    if (bmc.caFile && ca === undefined) {
      ca = await readFile(bmc.caFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw usageError(`node ${host.name}: bmc.caFile ${bmc.caFile} cannot be read: ${err.code ?? err.message}`, 'point it at the BMC\'s certificate or CA (PEM)');
      });
    }
    const auth = `Basic ${Buffer.from(`${bmc.username ?? ''}:${password(host, bmc, e.env)}`).toString('base64')}`;
    let a: HttpAnswer;
    try {
      a = await transport(method, `${base}${path}`, { authorization: auth, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) }, body ? JSON.stringify(body) : undefined, ca);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new NkdError(`node ${host.name}: cannot reach the Redfish BMC at ${base}: ${code}`, {
        code: ExitCode.Failure,
        hint: /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code) ? 'the BMC\'s certificate is not trusted here: give it (or its CA) as nodes[].baremetal.bmc.caFile' : 'check bmc.address and that this machine reaches the BMC',
      });
    }
    if (a.status === 401 || a.status === 403) {
      throw new NkdError(`node ${host.name}: the Redfish BMC at ${base} refused ${bmc.username ?? 'the user'} (${a.status})`, { code: ExitCode.Usage, hint: `check bmc.username and ${passwordField(host)}` });
    }
    if (a.status >= 300) throw new NkdError(`node ${host.name}: the Redfish BMC at ${base} answered ${a.status} to ${method} ${path}: ${a.body.slice(0, 300)}`, { code: ExitCode.Failure });
    return a;
  };
  const json = (a: HttpAnswer): Record<string, unknown> => {
    try {
      return JSON.parse(a.body) as Record<string, unknown>;
    } catch {
      throw new NkdError(`node ${host.name}: the Redfish BMC at ${base} answered something that is not JSON`, { code: ExitCode.Failure });
    }
  };
  return {
    via: `Redfish BMC ${base}`,
    check: () => void password(host, bmc, e.env),
    async netboot(progress: Progress) {
      const members = ((json(await call('GET', '/redfish/v1/Systems')).Members ?? []) as Array<{ '@odata.id'?: string }>).map((m) => m['@odata.id']).filter((x): x is string => !!x);
      if (members.length !== 1) {
        throw new NkdError(`node ${host.name}: the Redfish BMC at ${base} manages ${members.length} systems (${members.join(', ') || 'none'}); nkd expects exactly one`, { code: ExitCode.Failure, hint: 'give the BMC of this one host as bmc.address' });
      }
      const system = members[0]!;
      await call('PATCH', system, { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } });
      const on = json(await call('GET', system)).PowerState === 'On';
      await call('POST', `${system}/Actions/ComputerSystem.Reset`, { ResetType: on ? 'ForceRestart' : 'On' });
      progress.info(`${host.name}: Redfish BMC ${base}: boot from the network once, ${on ? 'restarted' : 'powered on'}`);
    },
  };
}

/** The power control of a host: its BMC's protocol, or the printed manual step. */
export function hostPower(e: PowerEnv = { env: process.env }): (host: BareMetalHost) => HostPower {
  return (host) => {
    const bmc = host.bmc;
    if (!bmc) return manualPower(host);
    return bmc.protocol === 'ipmi' ? ipmiPower(host, bmc, e) : redfishPower(host, bmc, e);
  };
}
