import type { ClusterConfig } from '../config/types.gen.js';
import { usageError } from '../ui/errors.js';
import type { Journal } from './journal.js';
import type { Provider } from './types.js';

/** A provider and what its journal must record to destroy without the cluster file. */
export interface ProviderChoice {
  provider: Provider;
  journalConfig: Record<string, string>;
}

/** Test-only overrides passed through to a provider (e.g. libvirt direct kernel boot). */
export type ProviderOverrides = Record<string, unknown>;

/** The provider for a cluster file's platform. */
export async function providerForConfig(config: ClusterConfig, overrides: ProviderOverrides = {}): Promise<ProviderChoice> {
  switch (config.spec.platform) {
    case 'libvirt': {
      const { LibvirtProvider, libvirtJournalConfig } = await import('./libvirt/provider.js');
      const { libvirtSettings } = await import('./libvirt/settings.js');
      const settings = { ...libvirtSettings(config), ...overrides };
      return { provider: new LibvirtProvider(settings), journalConfig: libvirtJournalConfig(settings) };
    }
    default:
      throw usageError(
        `spec.platform: "${config.spec.platform}" cannot be deployed by this nkd yet`,
        'use platform: libvirt, or `nkd render` and boot the hosts with the rendered Ignition yourself',
      );
  }
}

/** The provider recorded in a journal (destroy and status without the cluster file). */
export async function providerForJournal(journal: Journal, overrides: ProviderOverrides = {}): Promise<Provider> {
  switch (journal.provider) {
    case 'libvirt': {
      const { LibvirtProvider, settingsFromJournal } = await import('./libvirt/provider.js');
      return new LibvirtProvider({ ...settingsFromJournal(journal), ...overrides });
    }
    default:
      throw usageError(`journal ${journal.file}: provider "${journal.provider}" is not known to this nkd`, 'use the nkd version that deployed this cluster');
  }
}
