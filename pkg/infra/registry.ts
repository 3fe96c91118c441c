/**
 * The platform registry: `spec.platform` → its module (platform.ts). The cluster schema, the
 * loader's defaults and checks, render's boot delivery and the lifecycle's provider all ask it;
 * adding a platform is its folder plus one line here.
 */
import type { ClusterConfig } from '../config/types.gen.js';
import { usageError } from '../ui/errors.js';
import { baremetalPlatform } from './baremetal/platform.js';
import type { Journal } from './journal.js';
import { libvirtPlatform } from './libvirt/platform.js';
import { openstackPlatform } from './openstack/platform.js';
import type { Platform } from './platform.js';
import type { Provider } from './types.js';

const platforms = new Map<string, Platform>();
const listeners: Array<() => void> = [];

/** Registers a platform (the built-in ones below; tests register their own). */
export function registerPlatform<S>(p: Platform<S>): void {
  if (!/^[a-z][a-z0-9]*$/.test(p.name)) throw new Error(`platform name "${p.name}" must be lower-case letters and digits`);
  platforms.set(p.name, p as unknown as Platform);
  for (const l of listeners) l();
}

/** Removes a platform registered by a test. */
export function unregisterPlatform(name: string): void {
  if (platforms.delete(name)) for (const l of listeners) l();
}

/** Called whenever the set of platforms changes (the schema validator recompiles). */
export function onPlatformsChanged(listener: () => void): void {
  listeners.push(listener);
}

registerPlatform(libvirtPlatform);
registerPlatform(openstackPlatform);
registerPlatform(baremetalPlatform);

/** Every registered platform, in registration order. */
export function allPlatforms(): Platform[] {
  return [...platforms.values()];
}

/** The platform of a name; a usage error naming the known ones otherwise. */
export function platformNamed(name: string, field = 'spec.platform'): Platform {
  const p = platforms.get(name);
  if (!p) throw usageError(`${field}: "${name}" is not a platform this nkd knows`, `use one of ${[...platforms.keys()].join(', ')}`);
  return p;
}

/** The platform of a resolved cluster file. */
export function platformOf(config: ClusterConfig): Platform {
  return platformNamed(config.spec.platform);
}

async function providerHalf(p: Platform, what: string) {
  if (!p.provider) {
    throw usageError(`spec.platform: ${what} "${p.name}" cannot be deployed by this nkd yet`, 'use platform: libvirt, or `nkd render` and boot the hosts with the rendered Ignition yourself');
  }
  return p.provider();
}

/** The provider for a cluster file's platform. */
export async function providerForConfig(config: ClusterConfig, baseDir?: string): Promise<Provider> {
  const half = await providerHalf(platformOf(config), 'platform');
  return half.open(half.settings(config, baseDir));
}

/** The provider recorded in a journal (destroy and status without the cluster file). */
export async function providerForJournal(journal: Journal): Promise<Provider> {
  const p = platforms.get(journal.provider);
  if (!p) throw usageError(`journal ${journal.file}: provider "${journal.provider}" is not known to this nkd`, 'use the nkd version that deployed this cluster');
  const half = await providerHalf(p, 'the journal\'s provider');
  return half.open(half.fromJournal(journal.providerConfig, journal.file));
}
